"""A new utility's approved list in a table of the same shape as SCE's needs a manifest
entry, not code."""

from __future__ import annotations

import hashlib
import sqlite3

from click.testing import CliRunner

from msakb.cli import cli
from tests.kbtools import keep_sources, manifest, write_manifest

SDGE_LIST = (
    "# SDG&E Meter Socket Adapters\n\n"
    "As of : 09/01/2026\t\t\t\t\t\t\n"
    "MSA Manufacturer\tApproved Model Number\tIsolating\tCompatible Technology Type\t"
    "Additional Required Devices\tTechnical Requirements\tNotes\n"
    "Tesla\t<b>Backup Switch 1624171-xx-y</b>\tY\tBattery Energy Storage\t"
    "Tesla Powerwall 3 (1707000-XX-Y)\tINSTALL ON ANSI C12, FM 2S METER SOCKET, 200A CONTINUOUS CURRENT, "
    "120/240 VAC/180 SPLIT PHASE, 60HZ\tApproved for MSA application\n"
    "Enphase\t<b>MC-200-011-V01</b>\tY\tBattery Energy Storage\tEnphase IQ Battery 10C & IQ Combiner 6C\t"
    "INSTALL ON ANSI C12, FM 2S METER SOCKET, 200A CONTINUOUS CURRENT, 240 VAC, 60 Hz\tPilot in progress\n"
)


def test_second_utility_list_from_manifest_entry_only(kb_copy, tmp_path):
    keep_sources(kb_copy, ["sce-approved-products-2026-04-12"])
    data = SDGE_LIST.encode()
    (kb_copy / "sources" / "sdge-list.txt").write_bytes(data)
    m = manifest(kb_copy)
    m["sources"].append({
        "id": "sdge-approved-products-2026-09-01", "file": "sdge-list.txt",
        "title": "MSA approved products", "publisher": "San Diego Gas & Electric", "jurisdiction": "CA",
        "utility": "sdge", "as_of": "2026-09-01", "kind": "approved_product_list",
        "sha256": hashlib.sha256(data).hexdigest(), "expect": {"approvals": 2},
    })
    write_manifest(kb_copy, m)
    db = tmp_path / "kb.db"
    result = CliRunner().invoke(cli, ["build", "--db", str(db), "--kb", str(kb_copy), "-q"])
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT device_id, status, status_text, as_of FROM approvals WHERE utility_id = 'sdge' ORDER BY device_id"
    ).fetchall()
    assert rows == [
        ("enphase-mc-200-011-v01", "pilot", "Pilot in progress", "2026-09-01"),
        ("tesla-backup-switch-1624171-xx-y", "approved", "Approved for MSA application", "2026-09-01"),
    ]
    # One device, listed by two utilities: one devices row, and a citation for the second list.
    cited = conn.execute(
        "SELECT source_id, quote FROM citations WHERE table_name = 'devices' AND row_id = 'tesla-backup-switch-1624171-xx-y'"
    ).fetchall()
    assert [c[0] for c in cited] == ["sdge-approved-products-2026-09-01"]
    assert cited[0][1].startswith("Tesla\t<b>Backup Switch 1624171-xx-y</b>")
    name, quote = conn.execute("SELECT name, quote FROM utilities WHERE id = 'sdge'").fetchone()
    assert (name, quote) == ("San Diego Gas & Electric", "SDG&E")
    required = conn.execute(
        "SELECT name FROM required_devices WHERE approval_id LIKE 'sdge-%enphase%' ORDER BY id"
    ).fetchall()
    assert required == [("Enphase IQ Battery 10C & IQ Combiner 6C",)]
    # Technology is stated per list (per approval): no conflict for it.
    assert conn.execute("SELECT count(*) FROM conflicts WHERE subject LIKE 'devices %'").fetchone() == (0,)
