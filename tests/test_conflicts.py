"""Conflicts: within one source (recorded by the parsers) and across sources (db/cross_conflicts.py)."""

from __future__ import annotations

import hashlib
import sqlite3

from click.testing import CliRunner

from msakb.cli import cli
from tests.kbtools import keep_sources, manifest, source_bytes, write_manifest

SCE_LIST = "sce-approved-products-2026-04-12"


def _add_list(kb, source_id: str, publisher: str, utility: str, title: str, rows: str) -> None:
    data = f"# {title}\n\n{rows}".encode("utf-8")
    (kb / "sources" / f"{source_id}.txt").write_bytes(data)
    m = manifest(kb)
    m["sources"].append({
        "id": source_id, "file": f"{source_id}.txt", "title": "MSA list", "publisher": publisher,
        "jurisdiction": "CA", "utility": utility, "as_of": "2026-05-01", "kind": "approved_product_list",
        "sha256": hashlib.sha256(data).hexdigest(), "expect": {"approvals": 1},
    })
    write_manifest(kb, m)


def _rows_of(kb, manufacturer: str) -> str:
    """The SCE list's header line and its row(s) for one manufacturer, as written."""
    lines = source_bytes(kb, SCE_LIST).decode("utf-8").split("\n")
    header = next(line for line in lines if line.startswith("MSA Manufacturer\t"))
    return header + "\n" + "\n".join(line for line in lines if line.startswith(manufacturer + "\t<b>")) + "\n"


def test_cross_source_status_conflict_but_not_across_utilities(kb_copy, tmp_path):
    keep_sources(kb_copy, [SCE_LIST])
    neworld = _rows_of(kb_copy, "NeWorld")
    assert neworld.count("Currently undergoing pilot phase.") == 1
    # A second publisher says NeWorld is approved at SCE: a conflict with SCE's own list.
    _add_list(kb_copy, "installer-bulletin-2026-05-01", "Example Installers Association", "sce",
              "MSAs approved by SCE (installer bulletin)", neworld.replace("Currently undergoing pilot phase.", "Approved for MSA application"))
    # SDG&E saying "pilot" of the same device is another utility's fact: no conflict.
    _add_list(kb_copy, "sdge-list-2026-05-01", "San Diego Gas & Electric", "sdge", "SDG&E MSAs", neworld)
    db = tmp_path / "kb.db"
    result = CliRunner().invoke(cli, ["build", "--db", str(db), "--kb", str(kb_copy), "-q"])
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT kind, subject, description, source_id, other_source_id, rule FROM conflicts WHERE kind = 'across_sources'"
    ).fetchall()
    assert rows == [(
        "across_sources",
        "approvals (utility_id=sce, device_id=neworld-eqb-mim-200-plus-pe): status",
        "status is 'approved' in installer-bulletin-2026-05-01 (as of 2026-05-01) and 'pilot' in "
        "sce-approved-products-2026-04-12 (as of 2026-04-12)",
        "installer-bulletin-2026-05-01", SCE_LIST, "cross_conflicts:approvals.status",
    )]
    quote, other = conn.execute("SELECT quote, other_quote FROM conflicts WHERE kind = 'across_sources'").fetchone()
    assert quote.startswith("NeWorld\t<b>EQB MIM 200 Plus PE</b>") and quote.endswith("Approved for MSA application")
    assert other.startswith("NeWorld\t<b>EQB MIM 200 Plus PE</b>") and other.endswith("Currently undergoing pilot phase.")


def test_editions_of_one_list_are_history_not_conflicts(kb_copy, tmp_path):
    keep_sources(kb_copy, [SCE_LIST])
    neworld = _rows_of(kb_copy, "NeWorld").replace("Currently undergoing pilot phase.", "Approved for MSA application")
    _add_list(kb_copy, "sce-approved-products-2026-05-01", "Southern California Edison", "sce", "SCE MSAs", neworld)
    db = tmp_path / "kb.db"
    result = CliRunner().invoke(cli, ["build", "--db", str(db), "--kb", str(kb_copy), "-q"])
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM conflicts WHERE kind = 'across_sources'").fetchone() == (0,)
    assert conn.execute(
        "SELECT change, device_id, old_status, new_status FROM approval_changes WHERE change = 'status_changed'"
    ).fetchall() == [("status_changed", "neworld-eqb-mim-200-plus-pe", "pilot", "approved")]
