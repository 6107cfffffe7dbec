"""KiloWire's ConnectDER EV article (kind `installer_article`) in the built knowledge base:
the device's specs, the standards and requirements it states, the utilities it names; the
source built alone (the device family row comes from its mention); a missing option fails."""

from __future__ import annotations

import sqlite3

from click.testing import CliRunner

from msakb.cli import cli
from tests.kbtools import keep_sources, manifest, rows, write_manifest

SRC = "kilowire-connectder-ev-article"


def test_specs_of_the_connectder_ev_family(db):
    got = {(r["quantity"], r["qualifier"]): (r["device_id"], r["value"], r["unit"], r["quote"])
           for r in rows(db, "SELECT * FROM specs WHERE source_id = ?", SRC)}
    assert got == {
        ("circuit_current", "max"): ("connectder-ev", 60.0, "A", "up to 60A"),
        ("circuit_current", "practical max"): ("connectder-ev", 48.0, "A", "48A is the practical maximum"),
        ("circuit_power", "approximately, at 48A"): ("connectder-ev", 11.5, "kW", "approximately 11.5 kW"),
        ("circuit_voltage", None): ("connectder-ev", 240.0, "V", "240V circuit"),
    }
    # "up to 60A" and "240V circuit" are each stated twice: one row, one citation each
    cited = rows(db, "SELECT row_id, quote FROM citations WHERE table_name = 'specs' AND source_id = ? ORDER BY row_id", SRC)
    assert [c["quote"] for c in cited] == ["up to 60A", "240V circuit"]


def test_standards_with_titles(db):
    got = {r["id"]: (r["body"], r["number"], r["title"], r["quote"])
           for r in rows(db, "SELECT * FROM standards WHERE id LIKE 'NEC Article %'")}
    assert got == {
        "NEC Article 230": ("NEC", "Article 230", "Services", "NEC Article 230 (Services)"),
        "NEC Article 625": ("NEC", "Article 625", "Electric Vehicle Charging Systems",
                            "NEC Article 625 (Electric Vehicle Charging Systems)"),
    }


def test_requirements(db):
    got = {r["id"].rsplit("/", 1)[1]: r for r in rows(db, "SELECT * FROM restrictions WHERE source_id = ?", SRC)}
    assert set(got) == {"installation-1", "installation-2", "installation-3", "rebate_program-1", "process-1"}
    assert {r["device_id"] for r in got.values()} == {"connectder-ev"}
    # an installer's account of SCE's program and of California practice: reports, never a rule
    assert {(r["voice"], r["speaker"], r["attribution"]) for r in got.values()} == {("installer", "KiloWire", "report")}
    permit = got["installation-2"]
    assert (permit["utility_id"], permit["state"], permit["text"], permit["justification"]) == (
        None, "CA", "The installation does require a permit in most jurisdictions",
        "it involves work at the service entrance — the highest-consequence point in your home’s electrical system")
    rebate = got["rebate_program-1"]  # a rebate program's condition, not one on MSA use
    assert (rebate["utility_id"], rebate["state"], rebate["text"]) == (
        "sce", "CA", "The SCE Charge Ready Home program requires permitted installations by licensed C-10 "
        "contractors. Unpermitted work is ineligible.")
    coord = got["process-1"]
    assert (coord["utility_id"], coord["text"], coord["justification"], coord["section"]) == (
        "sce", "It requires a brief coordination with SCE (or your serving utility)",
        "ConnectDER modifies the meter socket — the point where utility infrastructure meets your home",
        "The Utility Coordination Reality")
    assert got["installation-3"]["text"] == (
        "The installation requires a brief power interruption at the meter to physically install the adapter.")
    assert got["installation-3"]["utility_id"] == "sce"  # its paragraph: "This is coordinated with SCE"


def test_utilities_named(db):
    quoted = {r["id"] for r in rows(db, "SELECT id FROM utilities WHERE source_id = ?", SRC)}
    cited = {r["row_id"] for r in rows(db, "SELECT row_id FROM citations WHERE table_name = 'utilities' AND source_id = ?", SRC)}
    assert {"sce", "ladwp"} <= quoted | cited


def test_built_alone_the_family_row_comes_from_the_mention(kb_copy, tmp_path):
    keep_sources(kb_copy, [SRC])
    out = tmp_path / "alone.db"
    res = CliRunner().invoke(cli, ["build", "--db", str(out), "--kb", str(kb_copy), "-q"])
    assert res.exit_code == 0, res.output
    conn = sqlite3.connect(out)
    assert conn.execute("SELECT id, is_family, rule FROM devices").fetchall() == [
        ("connectder-ev", 1, "installer_article:device")]
    assert conn.execute("SELECT count(*) FROM specs WHERE device_id = 'connectder-ev'").fetchone()[0] == 4
    conn.close()


def test_missing_device_option_fails_clearly(kb_copy, tmp_path):
    keep_sources(kb_copy, [SRC])
    data = manifest(kb_copy)
    del data["sources"][0]["options"]
    write_manifest(kb_copy, data)
    res = CliRunner().invoke(cli, ["build", "--db", str(tmp_path / "x.db"), "--kb", str(kb_copy), "-q"])
    assert res.exit_code == 1
    assert res.output.strip() == (f"Error: {SRC}: an installer_article needs `options: {{device: <family id>}}` in "
                                  "its manifest entry (a family of kb/gazetteer/devices.yaml)")
