"""The TESCO deck (kind slide_deck): every fact it yields, asserted exactly against the
database the real CLI builds from kb/ (the session's `built_db`), plus the errors a changed
deck gives (on a copy of kb/ holding the deck alone)."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from msakb.cli import cli
from tests.kbtools import keep_sources, rewrite_source, source_bytes

DECK = "tesco-nysemec-msa-deck-2026-03-18"
R = f"{DECK}/restrictions/"


@pytest.fixture(scope="module")
def db(built_db):
    con = sqlite3.connect(built_db)
    yield con
    con.close()


def rows(db, sql, *args):
    return db.execute(sql, args).fetchall()


def test_installation_model_of_every_utility(db):
    got = dict(rows(db, "SELECT id, installation_model FROM utilities WHERE installation_model IS NOT NULL"))
    assert got == {
        "aps": "utility", "srp": "utility", "sce": "utility", "pge": "utility", "sdge": "utility", "bge": "utility",
        "apco": "utility",
        "tep": "joint_meet", "heco": "joint_meet", "ameren-il": "joint_meet", "nv-utilities": "joint_meet",
        "reco": "joint_meet", "ppl": "joint_meet",
        "az-co-ops": "installer", "co-munis": "installer", "eversource-ct": "installer", "id-utilities": "installer",
        "comed": "installer", "evergy": "installer", "delmarva": "installer", "ace": "installer", "pseg": "installer",
        "fe-nj": "installer", "peco": "installer", "na-unresolved": "installer", "vt-utilities": "installer",
    }
    # "NJ – ACE PSEG NJ FE": the leading NJ is the state; the names are ACE, PSEG and NJ FE.
    quotes = dict(rows(db, "SELECT id, quote FROM utilities WHERE id IN ('ace', 'pseg', 'fe-nj', 'az-co-ops', 'pge')"))
    assert quotes == {"ace": "ACE", "pseg": "PSEG", "fe-nj": "NJ FE", "az-co-ops": "AZ Co-Ops", "pge": "PGE"}
    assert rows(db, "SELECT state, kind FROM utilities WHERE id = 'na-unresolved'") == [(None, "group")]


def test_na_is_flagged_not_guessed(db):
    got = rows(db, "SELECT kind, subject, quote, other_quote, description FROM conflicts WHERE source_id = ?"
                   " AND subject LIKE 'installer model list%'", DECK)
    assert got == [("within_source", "installer model list: 'NA'", "NA", "Utility Installation Models",
                    "'NA' in the installer model list is not a state or utility code; the source does not say "
                    "which utilities it means, so it is kept as the unresolved group 'na-unresolved'")]


def test_framework_status_of_every_state(db):
    got = dict(rows(db, "SELECT code, framework_status FROM states WHERE framework_status IS NOT NULL"))
    existing = "AZ CA CO CT IL MD MA NV NJ VT DC".split()
    pending = "DE NY NH ME".split()
    lobbying = "MI OH OR PA TX PR".split()
    assert got == {**{c: "existing" for c in existing}, **{c: "pending" for c in pending},
                   **{c: "lobbying" for c in lobbying}}
    # States the installation-model roster alone names exist without a status.
    assert rows(db, "SELECT code, framework_status FROM states WHERE code IN ('HI', 'ID', 'KS', 'WV') ORDER BY code") == [
        ("HI", None), ("ID", None), ("KS", None), ("WV", None)]
    # A state named by both lists is one row (the framework passage) plus citations.
    assert rows(db, "SELECT quote, rule FROM states WHERE code = 'NJ'") == [("New jersey", "deck_landscape:framework")]
    assert rows(db, "SELECT count(*) FROM citations WHERE table_name = 'states' AND row_id = 'NJ' AND source_id = ?",
                DECK) == [(2,)]  # the "NJ" of "NJ - RECO" and of "NJ – ACE PSEG NJ FE"
    assert rows(db, "SELECT count(*) FROM conflicts WHERE subject LIKE 'states %'") == [(0,)]


def test_installation_model_definitions(db):
    got = dict(rows(db, "SELECT term, definition FROM definitions WHERE source_id = ? AND id LIKE ?", DECK,
                    f"{DECK}/definitions/%"))
    assert sorted(got) == ["Installer Model", "Joint Meet", "Utility Model"]
    assert got["Utility Model"].endswith("The customer may be charged for the cost of the truck roll. "
                                         "More common with CA IOUs")
    assert got["Joint Meet"].split(". ")[1] == "The installers must meet the utility and install the MSA"


def test_pge_device_statuses(db):
    got = {r[0]: r[1:] for r in rows(db, "SELECT device_id, status, status_text, as_of, notes IS NOT NULL FROM approvals"
                                         " WHERE utility_id = 'pge' AND source_id = ?", DECK)}
    assert got == {
        "connectder-islandder": ("pilot", "Pilot in progress*", "2026-03-18", 1),
        "connectder-ev": ("pilot", "Pilot in progress*", "2026-03-18", 1),
        "enphase-mc-200-011-v01": ("approved", "Approved – Pilot completed", "2026-03-18", 0),
        "neworld-eqb-mim-200-plus-pe": ("pilot", "Pilot in progress", "2026-03-18", 0),
        "tesla-backup-switch-1624171-xx-y": ("approved", "Approved – Pilot completed", "2026-03-18", 0),
    }
    notes = rows(db, "SELECT DISTINCT notes FROM approvals WHERE utility_id = 'pge' AND notes IS NOT NULL AND source_id = ?",
                 DECK)
    assert notes == [("*These MSAs are part of a 'select pilot'. Contractors should first contact the device "
                      "manufacturer and request to join their pilot before submitting a MSA appointment request to PG&E.",)]
    assert rows(db, "SELECT id, is_family FROM devices WHERE id IN ('connectder-islandder', 'connectder-ev') ORDER BY id") == [
        ("connectder-ev", 1), ("connectder-islandder", 1)]


def test_pseg_catalog_numbers(db):
    devices = rows(db, "SELECT id, manufacturer, model, family_id FROM devices WHERE source_id = ? AND model LIKE 'C-B-%'"
                       " ORDER BY id", DECK)
    assert devices == [(f"connectder-c-b-5-22-{a}", "ConnectDER", f"C-B-5-22-{a}", "connectder-solar") for a in (40, 60, 80)]
    assert rows(db, "SELECT is_family, product FROM devices WHERE id = 'connectder-solar'") == [
        (1, "ConnectDER Solar Meter Socket Adapter")]
    approvals = rows(db, "SELECT device_id, status, status_text, as_of FROM approvals WHERE utility_id = 'pseg'"
                         " ORDER BY device_id")
    assert approvals == [(f"connectder-c-b-5-22-{a}", "approved", "PSEG – NJ Approval", "2024-11-13") for a in (40, 60, 80)]
    specs = rows(db, "SELECT device_id, quantity, value, unit FROM specs WHERE source_id = ? ORDER BY device_id, quantity",
                 DECK)
    assert specs == [(f"connectder-c-b-5-22-{a}", q, v, u) for a in (40, 60, 80)
                     for q, v, u in (("breaker_current", a, "A"), ("jaws", 5, None))]


def test_pseg_restrictions(db):
    got = {r[0][len(R):]: r[1:] for r in rows(
        db, "SELECT id, category, text, justification, utility_id, state, device_id FROM restrictions WHERE id LIKE ?",
        R + "pseg-%")}
    assert sorted(got) == sorted(
        [f"pseg-submission-{x}" for x in "abcdef"] + ["pseg-process-6"] + [f"pseg-feature-{n}" for n in range(1, 5)]
        + [f"pseg-install-{n}" for n in range(1, 8)] + [f"pseg-catalog-c-b-5-22-{a}" for a in (40, 60, 80)])
    assert {k: v[1] for k, v in got.items() if "submission" in k} == {
        "pseg-submission-a": "Model of Meter Collar Adapter submitted for review",
        "pseg-submission-b": "Product descriptive information",
        "pseg-submission-c": "Installation Instruction documentation, to include any appropriate information for "
                             "emergency responders",
        "pseg-submission-d": "Test Reports showing conformance with requirements of UL-414. Adapters are expected to "
                             "interface with devices that are built to conform with requirements in ANSI C12.7, C12.1, "
                             "C12.10 and UL 2735",
        "pseg-submission-e": "Product sample",
        "pseg-submission-f": "Contact information for application questions.",
    }
    assert {v[0] for k, v in got.items() if "submission" in k} == {"submission"}
    assert got["pseg-install-4"] == (
        "installation", "Adapter may not be used on Conventional Underground services (120/208 volt, network feed from "
        "multiple transformers with network protectors)", "Concern of available fault current > 22 kA",
        "pseg", "NJ", "connectder-solar")
    assert got["pseg-install-7"][1] == '1" liquid-tight flexible metal core conduit for power connection to Solar equipment, is attached'
    assert got["pseg-feature-4"][:2] == ("device_feature", "Adapters installed in 5 jaw sockets shall have a 5th terminal "
                                                           "installed on rear of adapter.")
    assert got["pseg-process-6"][0] == "process" and got["pseg-process-6"][1].endswith("Approval must be")
    assert [k for k, v in got.items() if v[2]] == ["pseg-install-4"]


def test_standards(db):
    got = {r[0]: r[1:] for r in rows(db, "SELECT id, title, edition FROM standards WHERE source_id = ?", DECK)}
    assert got == {
        "ANSI C12.7": ("Requirement for watthour meter sockets", None),
        "ANSI C12.10": ("Electromechanical watthour meters", None),
        "UL 414": ("Meter Sockets (including SA, SB, SC)", None),
        "UL 489": ("Molded-Case Circuit Breakers, Molded-Case Switches and Circuit-Breaker Enclosures", "14"),
        "UL 489B": ("Molded-Case Circuit Breakers, Molded-Case Switches, and Circuit-Breaker Enclosures for Use with "
                    "Photovoltaic (PV) Systems", "1"),
        "UL 775": ("Standard for Graphic Arts Equipment", "3"),
        "UL 845": ("Motor Control Centers", "6"),
        "UL 857": ("Busways", "14"),
        "UL 1449": ("Surge Protective Devices", "5"),
        "UL 2735": ("Electric Utility Meters", "2"),
        "UL 2745": ("Outline of Investigation for Meter Socket Adapters for Communication", "2"),
        "UL 414A": (None, None), "UL 414B": (None, None), "UL 746C": (None, None), "ANSI C12.1": (None, None),
    }


def test_ul_414_tests_and_limits(db):
    tests = rows(db, "SELECT test, standard, clause FROM standard_tests WHERE source_id = ?", DECK)
    assert len(tests) == 16
    assert [t for t in tests if t[0] == "Construction Review"] == [
        ("Construction Review", "UL 414", "3-12"), ("Construction Review", "UL 414A", "SA2"),
        ("Construction Review", "UL 414B", "SB5-SB7")]
    assert ("Dielectric Voltage Withstand", "UL 414", "20.1") in tests
    limits = rows(db, "SELECT t.test, l.quantity, l.value, l.unit FROM test_limits l JOIN standard_tests t ON t.id = l.test_id"
                      " WHERE l.source_id = ? ORDER BY l.id", DECK)
    assert sorted(limits) == sorted([
        ("Crushing Resistance", "force", 100, "lbf"),
        ("Resistance to Impact", "impact_energy", 5, "ft-lbf"),
        ("Mold Stress Relief Distortion", "temperature", 10, "°C"),
        ("Insertion and Withdrawal Force for Meter Jaws", "force", 100, "lbf"),
        ("Dielectric Voltage Withstand", "voltage", 1480, "V"),
        ("Strength Test of Insulating Base and Support", "percent", 110, "%"),
        ("Heat Rise", "temperature", 65, "°C"), ("Heat Rise", "temperature", 60, "°C"),
        ("Heat Rise", "temperature", 55, "°C"),
        ("Short Circuit", "short_circuit_current", 22000, "A"),
    ])
    heat = rows(db, "SELECT l.text FROM test_limits l JOIN standard_tests t ON t.id = l.test_id WHERE t.test = 'Heat Rise'"
                    " ORDER BY l.value DESC")
    assert heat == [("65C for jaws (*) and bus bars",), ("60C on factory wiring terminals",),
                    ("55C for field wiring terminals under the maximum rated current",)]
    mold = rows(db, "SELECT l.text FROM test_limits l JOIN standard_tests t ON t.id = l.test_id"
                    " WHERE t.test = 'Mold Stress Relief Distortion'")[0][0]
    assert mold.endswith("following heating at 10C above maximum operating temperature.")


def test_ul_414_revisions(db):
    got = [r[0] for r in rows(db, "SELECT revision_date FROM standard_revisions WHERE standard = 'UL 414' AND source_id = ?"
                                  " ORDER BY revision_date DESC", DECK)]
    assert got == ["2024-03-01", "2023-07-12", "2022-06-22", "2020-12-14", "2020-10-26", "2020-04-22", "2018-07-24",
                   "2018-07-03", "2018-06-29"]


def test_market_devices_by_use(db):
    got = dict(rows(db, "SELECT id, use FROM devices WHERE source_id = ? AND use IS NOT NULL", DECK))
    assert got == {"sigen-backup-switch": "backup via BESS", "tesco-bptm": "backup via portable generator",
                   "generlink": "backup via portable generator",
                   "marwell-quick-set-generator-adapter": "backup via portable generator",
                   "span-edge": "DER interconnection"}
    cited = {r[0] for r in rows(db, "SELECT row_id FROM citations WHERE table_name = 'devices' AND source_id = ?"
                                    " AND rule = 'deck_market:device_mention'", DECK)}
    assert cited == {"tesla-backup-switch-1624171-xx-y", "enphase-mc-200-011-v01", "connectder-islandder",
                     "connectder-solar", "connectder-ev"}
    approach = {r[0] for r in rows(db, "SELECT row_id FROM citations WHERE table_name = 'utilities' AND source_id = ?"
                                       " AND rule = 'deck_market:approval_approach'", DECK)}
    approach |= {r[0] for r in rows(db, "SELECT id FROM utilities WHERE rule = 'deck_market:approval_approach'")}
    assert {"comed", "gmp", "heco", "apco", "eversource-ct", "delmarva", "sce"} <= approach


# --- a changed deck fails clearly ---------------------------------------------------------------


def build_error(kb, tmp_path, old: bytes, new: bytes) -> str:
    keep_sources(kb, [DECK])
    data = source_bytes(kb, DECK)
    assert data.count(old) == 1
    rewrite_source(kb, DECK, data.replace(old, new))
    result = CliRunner().invoke(cli, ["build", "--db", str(tmp_path / "x.db"), "--kb", str(kb), "-q"])
    assert result.exit_code == 1, result.output
    assert not (tmp_path / "x.db").exists()
    return result.output.strip()


def test_unknown_device_in_status_table(kb_copy, tmp_path):
    msg = build_error(kb_copy, tmp_path, b'<a href="#">NeWorld Energy Quarterback</a>', b'<a href="#">Acme Socket Box</a>')
    assert msg.startswith(f"Error: {DECK}, line 210: device 'Acme Socket Box' (pge's status table) is not in "
                          "kb/gazetteer/devices.yaml"), msg


def test_unknown_utility_in_roster(kb_copy, tmp_path):
    msg = build_error(kb_copy, tmp_path, b"- PA - PECO\n", b"- PA - PECO XYZ\n")
    assert msg == (f"Error: {DECK}, line 321: installation-model line 'PA - PECO XYZ' names no utility known to "
                   "kb/gazetteer/utilities.yaml (add its spelling as an alias)"), msg
