"""Editions of one list: approval_changes, `msakb diff`, and the current_* views.

The second edition is SCE's own list, edited in the test: the Enphase row removed, a
Sigenergy row added, NeWorld's pilot completed (its status changed to approved)."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest
from click.testing import CliRunner

from msakb.cli import cli
from tests.kbtools import keep_sources, manifest, source_bytes, write_manifest

OLD = "sce-approved-products-2026-04-12"
NEW = "sce-approved-products-2026-09-01"
SIGEN_ROW = (
    "Sigenergy\t<b>Sigen Backup Switch SBS-200</b>\tY\tBattery Energy Storage\tSigenStor Energy Storage System\t"
    "INSTALL ON ANSI C12, FM 2S METER SOCKET, 200A CONTINUOUS CURRENT, 120/240 VAC/180 SPLIT PHASE, 60HZ\t"
    "Currently undergoing pilot phase."
)


def second_edition(text: str) -> str:
    """SCE's list as a later edition: new date, Enphase removed, Sigenergy added, NeWorld approved."""
    lines = text.split("\n")
    out = []
    for line in lines:
        if line.startswith("As of : 04/12/2026"):
            line = line.replace("04/12/2026", "09/01/2026")
        if line.startswith("Enphase\t<b>MC-200"):
            continue
        if line.startswith("NeWorld\t<b>EQB"):
            assert line.endswith("Currently undergoing pilot phase.")
            line = line[: -len("Currently undergoing pilot phase.")] + "Approved for MSA application"
        out.append(line)
        if line.startswith("Tesla\t<b>Backup Switch") and "Energy Storage\t" in line:
            out.append(SIGEN_ROW)
    return "\n".join(out)


# A rule that cites the older edition's restriction (the newer edition states it too).
NEWORLD_RULE = f"""utility: sce
rules:
  - id: neworld-line-side-100a
    restriction: {OLD}/restrictions/3-neworld-eqb-mim-200-plus-pe-8
    says: aggregate generation on the line side is 100 A or less
    devices: [neworld-eqb-mim-200-plus-pe]
    fields: [der_amps]
    require: {{field: der_amps, op: "<=", value: 100}}
"""


@pytest.fixture(scope="module")
def two_editions(tmp_path_factory):
    """A knowledge base of SCE's list and its edited second edition, built once."""
    import shutil

    from tests.kbtools import KB

    kb = tmp_path_factory.mktemp("editions") / "kb"
    shutil.copytree(KB, kb)
    keep_sources(kb, [OLD])
    data = second_edition(source_bytes(kb, OLD).decode("utf-8")).encode("utf-8")
    (kb / "sources" / "sce-list-2026-09-01.txt").write_bytes(data)
    m = manifest(kb)
    entry = dict(next(s for s in m["sources"] if s["id"] == OLD))
    entry.update(id=NEW, file="sce-list-2026-09-01.txt", as_of="2026-09-01", sha256=hashlib.sha256(data).hexdigest(),
                 expect={"approvals": 8})
    m["sources"].append(entry)
    write_manifest(kb, m)
    (kb / "rules" / "sce.yaml").write_text(NEWORLD_RULE, encoding="utf-8")
    db = kb.parent / "kb.db"
    result = CliRunner().invoke(cli, ["build", "--db", str(db), "--kb", str(kb), "-q"])
    assert result.exit_code == 0, result.output
    return db


EXPECTED = [
    ("added", "sigenergy-sigen-backup-switch-sbs-200", "Battery Energy Storage", None, "pilot", NEW, None),
    ("removed", "enphase-mc-200-011-v01", "Battery Energy Storage", "approved", None, OLD, None),
    ("status_changed", "neworld-eqb-mim-200-plus-pe", "Battery Energy Storage", "pilot", "approved", NEW, OLD),
]


def test_approval_changes_table(two_editions):
    conn = sqlite3.connect(two_editions)
    rows = conn.execute(
        "SELECT change, device_id, technology, old_status, new_status, source_id, other_source_id, "
        "old_source_id, new_source_id, series FROM approval_changes ORDER BY change, device_id"
    ).fetchall()
    assert [r[:7] for r in rows] == EXPECTED
    assert {r[7:] for r in rows} == {(OLD, NEW, "Southern California Edison / approved_product_list / sce")}
    # Quotes from both editions: the changed row as the new edition states it, and as the old one did.
    new_q, old_q = conn.execute(
        "SELECT quote, other_quote FROM approval_changes WHERE change = 'status_changed'").fetchone()
    assert new_q.startswith("NeWorld\t<b>EQB MIM 200 Plus PE</b>") and new_q.endswith("Approved for MSA application")
    assert old_q.startswith("NeWorld\t<b>EQB MIM 200 Plus PE</b>") and old_q.endswith("Currently undergoing pilot phase.")
    removed_q = conn.execute("SELECT quote FROM approval_changes WHERE change = 'removed'").fetchone()[0]
    assert removed_q.startswith("Enphase\t<b>MC-200-011-V01</b>")


def test_every_edition_kept_and_current_views_show_newest(two_editions):
    conn = sqlite3.connect(two_editions)
    per_source = dict(conn.execute("SELECT source_id, count(*) FROM approvals GROUP BY source_id"))
    assert per_source == {OLD: 8, NEW: 8}
    assert [r[0] for r in conn.execute("SELECT id FROM current_sources")] == [NEW]
    current = conn.execute("SELECT DISTINCT source_id FROM current_approvals").fetchall()
    assert current == [(NEW,)]
    assert conn.execute("SELECT count(*) FROM current_approvals WHERE device_id = 'enphase-mc-200-011-v01'").fetchone() == (0,)


def test_diff_command_table_and_json(two_editions):
    runner = CliRunner()
    result = runner.invoke(cli, ["diff", "--db", str(two_editions), OLD, NEW, "--json"])
    assert result.exit_code == 0, result.output
    changes = json.loads(result.output)
    assert [(c["change"], c["device_id"], c["technology"], c["old_status"], c["new_status"], c["source_id"],
             c["other_source_id"]) for c in changes] == EXPECTED
    table = runner.invoke(cli, ["diff", "--db", str(two_editions), OLD, NEW])
    assert table.exit_code == 0
    lines = table.output.splitlines()
    assert lines[0].split() == ["change", "device", "technology", "old", "status", "new", "status"]
    assert lines[2].split() == ["added", "sigenergy-sigen-backup-switch-sbs-200", "Battery", "Energy", "Storage", "pilot"]
    assert lines[3].split() == ["removed", "enphase-mc-200-011-v01", "Battery", "Energy", "Storage", "approved"]
    assert lines[4].split() == ["status_changed", "neworld-eqb-mim-200-plus-pe", "Battery", "Energy", "Storage",
                                "pilot", "approved"]
    assert f'  old, {OLD}: "NeWorld\t<b>EQB MIM 200 Plus PE</b>' in table.output
    # The other way round: what the older edition has that the newer lacks.
    back = json.loads(runner.invoke(cli, ["diff", "--db", str(two_editions), NEW, OLD, "--json"]).output)
    assert [(c["change"], c["device_id"]) for c in back] == [
        ("added", "enphase-mc-200-011-v01"), ("removed", "sigenergy-sigen-backup-switch-sbs-200"),
        ("status_changed", "neworld-eqb-mim-200-plus-pe")]


def test_diff_bad_source_names_valid_ones(two_editions):
    result = CliRunner().invoke(cli, ["diff", "--db", str(two_editions), OLD, "sce-list-2027"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: unknown source 'sce-list-2027'; valid choices: ")
    assert NEW in result.output


def test_diff_without_a_database(tmp_path):
    result = CliRunner().invoke(cli, ["diff", "--db", str(tmp_path / "none.db"), OLD, NEW])
    assert (result.exit_code, result.output) == (
        1, f"Error: {tmp_path / 'none.db'}: no knowledge base there; run `msakb build --db {tmp_path / 'none.db'}` first\n")
    assert not (tmp_path / "none.db").exists()


def test_check_uses_current_edition_and_flags_older_citations(two_editions):
    args = ["check", "--db", str(two_editions), "--utility", "sce", "--der-amps", "120"]
    result = json.loads(CliRunner().invoke(cli, [*args, "--json"]).output)["results"]
    # Enphase is gone from the current edition; Sigenergy is new in it.
    assert "enphase-mc-200-011-v01" not in {r["device_id"] for r in result}
    assert "sigenergy-sigen-backup-switch-sbs-200" in {r["device_id"] for r in result}
    neworld = next(r for r in result if r["device_id"] == "neworld-eqb-mim-200-plus-pe")
    assert [(a["status"], a["source_id"]) for a in neworld["approvals"]] == [("approved", NEW)]
    assert [(f["rule"], f["source_id"], f["current_edition"]) for f in neworld["failures"]] == [
        ("neworld-line-side-100a", OLD, False)]
    table = CliRunner().invoke(cli, args).output
    assert (f'    Meter Socket Adapter Approved Product List ({OLD}, an older edition: a newer one exists): '
            '"Aggregate generation connected to the MSA on the line side must not exceed 100 Amps"') in table.splitlines()


SIGEN_AGAIN = SIGEN_ROW.replace("SigenStor Energy Storage System", "SigenStor Energy Storage System and Sigen Gateway")


def _write_edition(kb, source_id: str, text: str) -> None:
    m = manifest(kb)
    entry = next(s for s in m["sources"] if s["id"] == source_id)
    data = text.encode("utf-8")
    (kb / "sources" / entry["file"]).write_bytes(data)
    entry["sha256"] = hashlib.sha256(data).hexdigest()
    write_manifest(kb, m)


def test_an_edition_listing_a_device_twice_patched_equals_a_full_build(tmp_path):
    """An edition may list a device twice: its change quotes the first listing in the text,
    whatever order the rows are read in. An incremental build writes the rows it resolves
    again after the others, so a change picked by the rows' order (the last listing read)
    quoted one listing in a patched database and the other in a full build."""
    import shutil

    from tests.kbtools import KB
    from tests.test_bench import _dump

    kb = tmp_path / "kb"
    shutil.copytree(KB, kb)
    keep_sources(kb, [OLD])
    text = second_edition(source_bytes(kb, OLD).decode("utf-8")).replace(SIGEN_ROW, f"{SIGEN_ROW}\n{SIGEN_AGAIN}")
    (kb / "sources" / "sce-list-2026-09-01.txt").write_bytes(text.encode("utf-8"))
    m = manifest(kb)
    entry = dict(next(s for s in m["sources"] if s["id"] == OLD))
    entry.update(id=NEW, file="sce-list-2026-09-01.txt", as_of="2026-09-01", expect={"approvals": 8})
    m["sources"].append(entry)
    write_manifest(kb, m)
    _write_edition(kb, NEW, text)
    db, runner = tmp_path / "kb.db", CliRunner()
    assert runner.invoke(cli, ["build", "--db", str(db), "--kb", str(kb), "-q"]).exit_code == 0
    # the first listing edited: its approval is resolved again and written after the second's
    _write_edition(kb, NEW, text.replace(SIGEN_ROW, SIGEN_ROW.replace("System\t", "System (SigenStor)\t"), 1))
    result = runner.invoke(cli, ["build", "--db", str(db), "--kb", str(kb)])
    assert result.exit_code == 0, result.output
    assert "incremental build: patched the previous database (1 changed" in result.output
    cold = tmp_path / "cold.db"
    assert runner.invoke(cli, ["build", "--db", str(cold), "--kb", str(kb), "-q"]).exit_code == 0
    assert _dump(db) == _dump(cold)
    for path in (db, cold):
        conn = sqlite3.connect(path)
        (quote,) = conn.execute("SELECT quote FROM approval_changes WHERE change = 'added'").fetchone()
        conn.close()
        assert quote.startswith("Sigenergy\t") and "(SigenStor)" in quote  # the first listing
