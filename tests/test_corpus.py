"""The real CLI on the real corpus: exact counts and the facts issue #2 names."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from msakb.cli import cli

CORE_COUNTS = {
    "approvals": 16, "data_needs": 6, "decisions": 6, "definitions": 6, "devices": 18,
    "directives": 9, "faqs": 14, "fees": 1, "lifespans": 2, "manufacturers": 4,
    "panel_models": 10, "process_steps": 5, "required_devices": 27, "restrictions": 78,
    "sources": 5, "specs": 58, "standard_revisions": 9, "standard_tests": 16, "standards": 17,
    "states": 25, "system_statuses": 9, "test_limits": 10, "timelines": 2, "utilities": 30,
}


@pytest.fixture(scope="module")
def cli_build(tmp_path_factory):
    db = tmp_path_factory.mktemp("cli") / "msakb.db"
    result = CliRunner().invoke(cli, ["build", "--db", str(db)])
    assert result.exit_code == 0, result.stderr
    return db, result


def q(db, sql, *args):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def test_progress_per_source_and_summary(cli_build):
    db, result = cli_build
    progress = [ln.split(" (")[0] for ln in result.stderr.splitlines() if ln.startswith("[")]
    assert progress == [
        "[1/5] sce-approved-products-2026-04-12",
        "[2/5] sce-msa-program-guidelines-2025",
        "[3/5] ct-pura-iwg-msa-subgroup-2025-02-06",
        "[4/5] tesco-nysemec-msa-deck-2026-03-18",
        "[5/5] kilowire-connectder-ev-article",
    ]
    printed = {ln.split()[0]: int(ln.split()[1]) for ln in result.stdout.splitlines()}
    assert {t: printed[t] for t in CORE_COUNTS} == CORE_COUNTS
    for table, n in CORE_COUNTS.items():
        assert q(db, f"SELECT count(*) FROM [{table}]") == [(n,)], table


def test_sce_devices_each_their_own_model(cli_build):
    db, _ = cli_build
    rows = q(db, "SELECT d.id, d.isolating, d.rated_amps, d.meter_form, d.volts_low, d.volts, d.hertz "
                 "FROM devices d WHERE d.is_family = 0 AND d.source_id = 'sce-approved-products-2026-04-12' ORDER BY d.id")
    assert rows == [
        ("connectder-ev-v1-0-e-b-4-22-60-100", 0, 100, "2S", 120, 240, 60),
        ("connectder-ev-v1-0-e-b-4-22-60-125", 0, 125, "2S", 120, 240, 60),
        ("connectder-islandder-v-1-a", 1, 200, "2S", None, 240, 60),
        ("connectder-islandder-v-1-d", 1, 200, "2S", None, 240, 60),
        ("enphase-mc-200-011-v01", 1, 200, "2S", 120, 240, 60),
        ("neworld-eqb-mim-200-plus-pe", 1, 200, "2S", 120, 240, 60),
        ("tesla-backup-switch-1624171-xx-y", 1, 200, "2S", 120, 240, 60),
    ]


def test_tesla_one_device_two_sce_approvals_and_a_pge_one(cli_build):
    db, _ = cli_build
    rows = q(db, "SELECT utility_id, status, technology, limitation, status_text FROM approvals "
                 "WHERE device_id = 'tesla-backup-switch-1624171-xx-y' ORDER BY utility_id, technology")
    assert rows == [
        ("pge", "approved", None, None, "Approved – Pilot completed"),
        ("sce", "approved", "Battery Energy Storage", None, "Approved for MSA application"),
        ("sce", "approved", "Electric Vehicle", "Vehicle to Home backup application",
         "Approved for Vehicle to Home backup application only"),
    ]
    assert q(db, "SELECT technology FROM devices WHERE id = 'tesla-backup-switch-1624171-xx-y'") == [
        ("Electric Vehicle; Battery Energy Storage",)]


def test_pge_statuses_resolved_to_the_same_devices(cli_build):
    db, _ = cli_build
    assert q(db, "SELECT device_id, status FROM approvals WHERE utility_id = 'pge' ORDER BY device_id") == [
        ("connectder-ev", "pilot"), ("connectder-islandder", "pilot"), ("enphase-mc-200-011-v01", "approved"),
        ("neworld-eqb-mim-200-plus-pe", "pilot"), ("tesla-backup-switch-1624171-xx-y", "approved"),
    ]


def test_companion_devices_of_islandder(cli_build):
    db, _ = cli_build
    rows = q(db, "SELECT r.option, r.name, r.model FROM required_devices r JOIN approvals a ON a.id = r.approval_id "
                 "WHERE a.device_id = 'connectder-islandder-v-1-a' ORDER BY r.id")
    assert rows == [
        (1, "Lunar Energy Storage System", "LE-ESS-20KWH"),
        (1, "Meter Socket Adapter Controller", "LE-MSAC-01"),
        (2, "FranklinWH Energy Storage System (aPower Xyyy or aPower Syyy)", None),
        (2, "Meter Adapter Controller", "MAC-10"),
        (3, "EcoFlow Energy Storage System", "EF-PCS-24 and EF-BP-10"),
        (3, "Meter Backup Switch", "EF-MBS-002"),
    ]


def test_order_26_and_its_inconsistent_dates(cli_build):
    db, _ = cli_build
    items = q(db, "SELECT item, docket, order_number, due_date, compliance_docket FROM directives "
                  "WHERE item > 0 ORDER BY item")
    assert items == [(n, "24-08-02", "26", "2025-03-31", "24-08-05") for n in range(1, 9)]
    dates = q(db, "SELECT decision_date FROM decisions WHERE docket = '24-08-02' OR text LIKE '%Order 26%' ORDER BY id")
    assert sorted({d for (d,) in dates}) == ["2024-10-16", "2025-10-16"]
    subjects = [s for (s,) in q(db, "SELECT subject FROM conflicts WHERE kind = 'within_source' ORDER BY subject")]
    assert "PURA decision in Docket 24-08-02: date" in subjects
    assert "MSA Subgroup Meeting of February 6: date" in subjects
    assert subjects.count("sce incompatible panel list: duplicate entry") == 4


def test_fee_and_lifespans(cli_build):
    db, _ = cli_build
    assert q(db, "SELECT amount, currency, per, quote FROM fees") == [(279.22, "USD", "site visit", "\\$279.22 per site visit")]
    assert q(db, "SELECT manufacturer, min_years FROM lifespans ORDER BY manufacturer") == [("ConnectDER", 15.0), ("Tesla", 20.0)]


def test_ul_414_limits(cli_build):
    db, _ = cli_build
    limits = q(db, "SELECT t.test, l.quantity, l.value, l.unit FROM test_limits l JOIN standard_tests t ON t.id = l.test_id ORDER BY l.id")
    values = {(test, value, unit) for test, _, value, unit in limits}
    for expected in [("Crushing Resistance", 100.0, "lbf"), ("Dielectric Voltage Withstand", 1480.0, "V"),
                     ("Short Circuit", 22000.0, "A"), ("Heat Rise", 65.0, "°C"), ("Heat Rise", 60.0, "°C"),
                     ("Heat Rise", 55.0, "°C")]:
        assert expected in values, (expected, sorted(values))
