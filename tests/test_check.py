"""`msakb check`: sites built from the sources' own conditions, one per rule, eligible and not;
a site that passes everything; a site missing a field; the rules as data, checked at build."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from click.testing import CliRunner

from msakb.cli import cli
from tests.kbtools import KB
from tests.kbtools import keep_sources

# A site every SCE rule is happy with: a 100 A single-phase 120/240 V self-contained 2S socket
# on a panel not in FAQ 4's list, an EV charger on the load side, liquid-tight power conduit.
SCE_OK = {
    "--utility": "sce", "--service-amps": "100", "--phase": "single", "--voltage": "120/240",
    "--meter-form": "2S", "--jaws": "4", "--panel": "Square D QO816L100", "--service": "overhead",
    "--instrument-rated": "no", "--der-kind": "ev", "--der-amps": "40", "--connection": "load",
}
SCE_CONDUITS = ["--conduit", "power=liquid-tight", "--conduit", "comm=none"]
ENPHASE = "enphase-mc-200-011-v01"
NEWORLD = "neworld-eqb-mim-200-plus-pe"
EV100 = "connectder-ev-v1-0-e-b-4-22-60-100"
EV125 = "connectder-ev-v1-0-e-b-4-22-60-125"


def run_check(db, site: dict, extra: list[str] = (), device: str | None = None):
    args = ["check", "--db", str(db), "--json", *[x for kv in site.items() for x in kv], *extra]
    if device:
        args += ["--device", device]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return {r["device_id"]: r for r in json.loads(result.output)["results"]}


def failing(result: dict) -> set[str]:
    return {f["rule"] for f in result["failures"]}


def test_site_passing_everything(built_db):
    results = run_check(built_db, SCE_OK, SCE_CONDUITS)
    assert sorted(results) == sorted([
        EV100, EV125, "connectder-islandder-v-1-a", "connectder-islandder-v-1-d", NEWORLD, ENPHASE,
        "tesla-backup-switch-1624171-xx-y"])
    assert {d: r["verdict"] for d, r in results.items()} == dict.fromkeys(results, "eligible")
    assert results[EV100]["passed"] == [
        "sce-connectder-ev-100-evse-only", "sce-disq-double-sided-clips", "sce-disq-ev-cable-not-liquid-tight",
        "sce-disq-instrument-rated", "sce-disq-meter-over-200a", "sce-disq-socket-meter-form",
        "sce-disq-socket-over-device-rating", "sce-incompatible-panel-model", "sce-liquid-tight-ev-cable",
        "sce-no-400a-service", "sce-self-contained-meter", "sce-service-200a", "sce-single-phase-120-240"]
    # Rules whose `when` does not hold for the site are set aside, not counted as passed.
    assert results[NEWORLD]["not_applicable"] == [
        "sce-backfeed-within-panel-rating", "sce-disq-backfeed-over-panel-rating",
        "sce-disq-solar-tap-not-liquid-tight", "sce-liquid-tight-solar-tap",
        "sce-neworld-line-side-100a", "sce-neworld-line-side-generation-only"]


# (device, site changes, conduits, the rules that fail) — each from the sources' own words.
FAILS = {
    "225 A service (eligibility: not exceeding a 200-amp rating; FAQ 5: meter exceeds 200 A)": (
        ENPHASE, {"--service-amps": "225"}, SCE_CONDUITS,
        {"sce-service-200a", "sce-disq-meter-over-200a", "sce-disq-socket-over-device-rating"}),
    "400 A service (FAQ 11: no MSA for a 400-amp service)": (
        ENPHASE, {"--service-amps": "400"}, SCE_CONDUITS,
        {"sce-service-200a", "sce-disq-meter-over-200a", "sce-no-400a-service", "sce-disq-socket-over-device-rating"}),
    "three-phase service (single phase 3-wire 120/240-volt)": (
        ENPHASE, {"--phase": "three"}, SCE_CONDUITS, {"sce-single-phase-120-240"}),
    "120/208 V service": (ENPHASE, {"--voltage": "120/208"}, SCE_CONDUITS, {"sce-single-phase-120-240"}),
    "instrument-rated meter (self-contained meter; FAQ 5: instrument rated panel)": (
        ENPHASE, {"--instrument-rated": "yes"}, SCE_CONDUITS, {"sce-self-contained-meter", "sce-disq-instrument-rated"}),
    "battery back-feed 150 A on a 100 A panel": (
        ENPHASE, {"--der-kind": "battery", "--der-amps": "150"}, SCE_CONDUITS,
        {"sce-backfeed-within-panel-rating", "sce-disq-backfeed-over-panel-rating"}),
    "liquid-tight conduit on an isolating MSA's communication cables": (
        ENPHASE, {}, ["--conduit", "power=liquid-tight", "--conduit", "comm=liquid-tight"],
        {"sce-no-liquid-tight-comm-conduit", "sce-disq-liquid-tight-comm-conduit"}),
    "solar load-side tap without liquid-tight conduit": (
        ENPHASE, {"--der-kind": "solar", "--connection": "load"}, ["--conduit", "power=emt", "--conduit", "comm=none"],
        {"sce-liquid-tight-solar-tap", "sce-disq-solar-tap-not-liquid-tight"}),
    "EV charging cable without liquid-tight conduit": (
        EV100, {}, ["--conduit", "power=pvc", "--conduit", "comm=none"],
        {"sce-liquid-tight-ev-cable", "sce-disq-ev-cable-not-liquid-tight"}),
    "panel listed in FAQ 4 (double-sided clips)": (
        ENPHASE, {"--panel": "Eaton MBED2040B200BF"}, SCE_CONDUITS,
        {"sce-disq-double-sided-clips", "sce-incompatible-panel-model"}),
    "a 12S socket for a device listed for FM 2S": (
        ENPHASE, {"--meter-form": "12S"}, SCE_CONDUITS, {"sce-disq-socket-meter-form"}),
    "125 A service on the 100 A ConnectDER EV": (
        EV100, {"--service-amps": "125"}, SCE_CONDUITS, {"sce-disq-socket-over-device-rating"}),
    "a battery on the ConnectDER EV (approved for EVSE connection)": (
        EV100, {"--der-kind": "battery"}, SCE_CONDUITS, {"sce-connectder-ev-100-evse-only"}),
    "solar on the 125 A ConnectDER EV": (
        EV125, {"--der-kind": "solar"}, SCE_CONDUITS, {"sce-connectder-ev-125-evse-only"}),
    "an EV load on NeWorld's line side (only generation on the line side)": (
        NEWORLD, {"--connection": "line"}, SCE_CONDUITS, {"sce-neworld-line-side-generation-only"}),
    "120 A of generation on NeWorld's line side (must not exceed 100 Amps)": (
        NEWORLD, {"--service-amps": "200", "--der-kind": "solar", "--der-amps": "120", "--connection": "line"},
        SCE_CONDUITS, {"sce-neworld-line-side-100a"}),
}

# The same devices, with the one fact changed back within what the rule allows.
PASSES = {
    "200 A service on a 200 A device": (ENPHASE, {"--service-amps": "200"}, SCE_CONDUITS),
    "battery back-feed equal to the panel rating": (ENPHASE, {"--der-kind": "battery", "--der-amps": "100"}, SCE_CONDUITS),
    "liquid-tight comm conduit on a non-isolating MSA": (
        EV100, {}, ["--conduit", "power=liquid-tight", "--conduit", "comm=liquid-tight"]),
    "solar line-side connection: the load-side tap rule does not apply": (
        ENPHASE, {"--der-kind": "solar", "--connection": "line"}, ["--conduit", "power=emt", "--conduit", "comm=none"]),
    "125 A service on the 125 A ConnectDER EV": (EV125, {"--service-amps": "125"}, SCE_CONDUITS),
    "100 A of solar on NeWorld's line side": (
        NEWORLD, {"--service-amps": "200", "--der-kind": "solar", "--der-amps": "100", "--connection": "line"}, SCE_CONDUITS),
    "panel model not in the list": (ENPHASE, {"--panel": "Eaton BR2040B200"}, SCE_CONDUITS),
}


@pytest.mark.parametrize("case", list(FAILS))
def test_site_failing_one_rule(built_db, case):
    device, change, conduits, rules = FAILS[case]
    result = run_check(built_db, {**SCE_OK, **change}, conduits, device=device)[device]
    assert result["verdict"] == "not_eligible"
    assert failing(result) == rules
    for f in result["failures"]:
        assert f["quote"] and f["source_title"] and f["restriction_id"].startswith(f["source_id"] + "/restrictions/")


@pytest.mark.parametrize("case", list(PASSES))
def test_site_within_the_rule(built_db, case):
    device, change, conduits = PASSES[case]
    result = run_check(built_db, {**SCE_OK, **change}, conduits, device=device)[device]
    assert (result["verdict"], result["failures"]) == ("eligible", [])


def test_failure_cites_source_quote_and_evidence(built_db):
    result = run_check(built_db, {**SCE_OK, "--panel": "Eaton MBED2040B200BF"}, SCE_CONDUITS, device=ENPHASE)[ENPHASE]
    clips = next(f for f in result["failures"] if f["rule"] == "sce-disq-double-sided-clips")
    assert clips["source_id"] == "sce-msa-program-guidelines-2025"
    assert clips["source_title"] == "Meter Socket Adapter Program Guidelines"
    assert clips["quote"] == "Panel has a meter socket with double-sided clips (rather than solid bolts or rivets) holding the bus bars"
    assert [(e["table"], e["value"], e["quote"]) for e in clips["evidence"]] == [
        ("panel_models", "MBED2040B200BF", "MBED2040B200BF")]
    rating = run_check(built_db, {**SCE_OK, "--service-amps": "125"}, SCE_CONDUITS, device=EV100)[EV100]["failures"][0]
    assert rating["quote"] == "Meter socket is incompatible with MSA"
    assert [(e["table"], e["value"], e["quote"]) for e in rating["evidence"]] == [("specs", 100, "100A")]


def test_missing_field_is_asked_for_by_name(built_db):
    site = {k: v for k, v in SCE_OK.items() if k != "--panel"}
    results = run_check(built_db, site, SCE_CONDUITS)
    assert {r["verdict"] for r in results.values()} == {"unknown"}
    assert results[ENPHASE]["needs"] == [{
        "field": "panel", "option": "--panel",
        "help": 'make and model of the meter panel, e.g. "Eaton MBED2040B200BF"'}]
    assert {u["rule"] for u in results[ENPHASE]["undecided"]} == {"sce-disq-double-sided-clips", "sce-incompatible-panel-model"}
    # A failing rule decides the answer even while other fields are missing.
    bare = run_check(built_db, {"--utility": "sce", "--service-amps": "400"}, device=ENPHASE)[ENPHASE]
    assert bare["verdict"] == "not_eligible"
    assert "sce-no-400a-service" in failing(bare)
    # Only the utility: every field the rules read is named, with the option that gives it.
    nothing = run_check(built_db, {"--utility": "sce"}, device=NEWORLD)[NEWORLD]
    assert [n["field"] for n in nothing["needs"]] == [
        "conduit_comm", "conduit_power", "connection", "der_amps", "der_kind", "instrument_rated",
        "meter_form", "panel", "phase", "service_amps", "voltage"]
    assert nothing["needs"][0]["option"] == "--conduit comm=TYPE"


def test_table_output(built_db):
    args = ["check", "--db", str(built_db), *[x for kv in {**SCE_OK, "--panel": "Eaton MBED2040B200BF"}.items() for x in kv],
            *SCE_CONDUITS, "--device", ENPHASE]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "utility  device                  status    verdict",
        "-------  ----------------------  --------  ------------",
        "sce      Enphase MC-200-011-V01  approved  NOT eligible",
        "",
        "Enphase MC-200-011-V01 (sce): NOT eligible",
        "  fails sce-disq-double-sided-clips: the panel is not one of the models listed with double-sided clips "
        "holding the bus bars (FAQ 4)",
        '    Meter Socket Adapter Program Guidelines (sce-msa-program-guidelines-2025): "Panel has a meter socket '
        'with double-sided clips (rather than solid bolts or rivets) holding the bus bars"',
        '    evidence, panel_models sce-msa-program-guidelines-2025/panel_models/MBED2040B200BF: "MBED2040B200BF"',
        "  fails sce-incompatible-panel-model: the panel is not one of FAQ 4's incompatible panel types",
        '    Meter Socket Adapter Program Guidelines (sce-msa-program-guidelines-2025): "MSAs are not compatible '
        'with any panels that have a meter socket with double-sided clips (rather than solid bolts or rivets) '
        'holding the bus bars"',
        '    evidence, panel_models sce-msa-program-guidelines-2025/panel_models/MBED2040B200BF: "MBED2040B200BF"',
    ]


def test_bad_input_is_one_clear_line(built_db):
    runner = CliRunner()
    bad = runner.invoke(cli, ["check", "--db", str(built_db), "--utility", "nope"])
    assert bad.exit_code == 1
    assert bad.output.startswith("Error: unknown utility 'nope'; valid choices: ")
    amps = runner.invoke(cli, ["check", "--db", str(built_db), "--utility", "sce", "--service-amps", "lots"])
    assert (amps.exit_code, amps.output) == (1, "Error: --service-amps: 'lots' is not a number\n")
    conduit = runner.invoke(cli, ["check", "--db", str(built_db), "--utility", "sce", "--conduit", "liquid-tight"])
    assert (conduit.exit_code, conduit.output) == (1, "Error: --conduit 'liquid-tight': expected power=TYPE or comm=TYPE\n")
    neither = runner.invoke(cli, ["check", "--db", str(built_db)])
    assert (neither.exit_code, neither.output) == (1, "Error: give --utility or --state\n")
    state = runner.invoke(cli, ["check", "--db", str(built_db), "--state", "ZZ"])
    assert state.exit_code == 1 and state.output.startswith("Error: unknown state 'ZZ'; valid choices: ")
    device = runner.invoke(cli, ["check", "--db", str(built_db), "--utility", "pseg", "--device", ENPHASE])
    assert device.exit_code == 1
    assert device.output.startswith(f"Error: --device {ENPHASE!r}: no current approval of it for utility pseg; ")
    choice = runner.invoke(cli, ["check", "--db", str(built_db), "--utility", "sce", "--phase", "two"])
    assert choice.exit_code == 2 and "'two' is not one of 'single', 'three'" in choice.output


def test_rules_are_checked_at_build(kb_copy, tmp_path):
    keep_sources(kb_copy, ["sce-approved-products-2026-04-12", "sce-msa-program-guidelines-2025"])
    shutil.copy(KB / "rules" / "sce.yaml", kb_copy / "rules" / "sce.yaml")
    text = (kb_copy / "rules" / "sce.yaml").read_text(encoding="utf-8")
    runner = CliRunner()
    ok = runner.invoke(cli, ["build", "--db", str(tmp_path / "ok.db"), "--kb", str(kb_copy), "-q"])
    assert ok.exit_code == 0, ok.output
    broken = text.replace("restrictions/disqualifier-7\n", "restrictions/disqualifier-77\n")
    (kb_copy / "rules" / "sce.yaml").write_text(broken, encoding="utf-8")
    bad = runner.invoke(cli, ["build", "--db", str(tmp_path / "bad.db"), "--kb", str(kb_copy), "-q"])
    assert bad.exit_code == 1
    assert bad.output.startswith(
        "Error: kb/rules/sce.yaml: rule 'sce-disq-instrument-rated': restriction "
        "'sce-msa-program-guidelines-2025/restrictions/disqualifier-77' is not a restriction row; did you mean ")
    assert not (tmp_path / "bad.db").exists()
    fields = text.replace("fields: [instrument_rated]\n    require: {field: instrument_rated, op: equals, value: false}\n"
                          "  - id: sce-backfeed", "fields: [service_amps]\n    require: {field: instrument_rated, op: equals, "
                          "value: false}\n  - id: sce-backfeed")
    assert fields != text
    (kb_copy / "rules" / "sce.yaml").write_text(fields, encoding="utf-8")
    bad = runner.invoke(cli, ["build", "--db", str(tmp_path / "bad.db"), "--kb", str(kb_copy), "-q"])
    assert bad.output == ("Error: kb/rules/sce.yaml: rule 'sce-self-contained-meter': `fields` lists ['service_amps'] "
                          "but the conditions read ['instrument_rated']\n")


# PSE&G's usage requirements for the ConnectDER Solar adapter (TESCO deck): a site within all.
PSEG_OK = {
    "--utility": "pseg", "--service-amps": "200", "--phase": "single", "--voltage": "120/240", "--jaws": "4",
    "--enclosure-height": "12", "--cover": "ringless", "--service": "overhead", "--der-kind": "solar",
    "--der-amps": "60", "--fault-current": "10",
}
SOLAR60 = "connectder-c-b-5-22-60"
PSEG_FAILS = {
    "60 A socket (may not be used with sockets rated 60 amps)": ({"--service-amps": "60"}, {"pseg-socket-100-200a"}),
    "320 A socket (or 320 amps)": ({"--service-amps": "320"}, {"pseg-socket-100-200a"}),
    "11 in enclosure (a minimum of 11.5\" high)": ({"--enclosure-height": "11"}, {"pseg-enclosure-11-5in"}),
    "ring-type cover (shall be ringless type)": ({"--cover": "ring"}, {"pseg-ringless-cover"}),
    "5-jaw socket, no 5th terminal": ({"--jaws": "5", "--fifth-terminal": "no"},
                                      {"pseg-fifth-terminal-feature", "pseg-fifth-jaw"}),
    "120/208 V on an overhead (not network) service": ({"--voltage": "120/208", "--phase": "three"},
                                                       {"pseg-service-120-240-or-208-network"}),
    "conventional underground network": ({"--service": "underground-network"}, {"pseg-no-conventional-underground"}),
    "30 A breaker (between 35 and 80 amps)": ({"--der-amps": "30"}, {"pseg-breaker-35-80a"}),
    "90 A breaker": ({"--der-amps": "90"}, {"pseg-breaker-35-80a"}),
    "25 kA available fault current (up to 22,000 amps)": ({"--fault-current": "25"}, {"pseg-fault-current-22ka"}),
    "an EV charger, not a solar system": ({"--der-kind": "ev"}, {"pseg-solar-on-customer-side"}),
}
PSEG_PASSES = {
    "100 A socket": {"--service-amps": "100"},
    "11.5 in enclosure": {"--enclosure-height": "11.5"},
    "5-jaw socket with the 5th terminal": {"--jaws": "5", "--fifth-terminal": "yes"},
    "120/208 V network service": {"--voltage": "120/208", "--phase": "three", "--service": "network"},
    "35 A breaker": {"--der-amps": "35"},
    "80 A breaker": {"--der-amps": "80"},
    "22 kA": {"--fault-current": "22"},
    "underground from one transformer": {"--service": "underground"},
}


def test_every_rule_has_a_failing_site(built_db):
    rules = {r[0] for r in sqlite3.connect(built_db).execute("SELECT id FROM rules")}
    covered = set().union(*(case[3] for case in FAILS.values()), *(case[1] for case in PSEG_FAILS.values()))
    assert covered == rules


def test_pseg_site_passing_everything(built_db):
    results = run_check(built_db, PSEG_OK)
    assert sorted(results) == ["connectder-c-b-5-22-40", SOLAR60, "connectder-c-b-5-22-80"]
    assert {r["verdict"] for r in results.values()} == {"eligible"}
    assert results[SOLAR60]["approvals"][0]["status"] == "approved"
    assert results[SOLAR60]["passed"] == [
        "pseg-breaker-35-80a", "pseg-enclosure-11-5in", "pseg-fault-current-22ka", "pseg-no-conventional-underground",
        "pseg-ringless-cover", "pseg-service-120-240-or-208-network", "pseg-socket-100-200a",
        "pseg-solar-on-customer-side"]
    assert results[SOLAR60]["not_applicable"] == ["pseg-fifth-jaw", "pseg-fifth-terminal-feature"]


@pytest.mark.parametrize("case", list(PSEG_FAILS))
def test_pseg_site_failing_one_rule(built_db, case):
    change, rules = PSEG_FAILS[case]
    result = run_check(built_db, {**PSEG_OK, **change}, device=SOLAR60)[SOLAR60]
    assert (result["verdict"], failing(result)) == ("not_eligible", rules)
    assert {f["source_id"] for f in result["failures"]} == {"tesco-nysemec-msa-deck-2026-03-18"}


@pytest.mark.parametrize("case", list(PSEG_PASSES))
def test_pseg_site_within_the_rule(built_db, case):
    result = run_check(built_db, {**PSEG_OK, **PSEG_PASSES[case]}, device=SOLAR60)[SOLAR60]
    assert (result["verdict"], result["failures"]) == ("eligible", [])


def test_pseg_quote_and_missing_jaws(built_db):
    result = run_check(built_db, {**PSEG_OK, "--cover": "ring"}, device=SOLAR60)[SOLAR60]
    assert result["failures"][0]["quote"] == (
        "Adapter may only be used in meters socket blocks rated from 100 amps thru 200 amps continuous current and "
        "may not be used with sockets rated 60 amps or 320 amps. Socket enclosures shall be a minimum of 11.5\" high. "
        "Socket cover shall be ringless type.")
    site = {k: v for k, v in PSEG_OK.items() if k != "--jaws"}
    unknown = run_check(built_db, site, device=SOLAR60)[SOLAR60]
    assert unknown["verdict"] == "unknown"
    assert [(n["field"], n["option"]) for n in unknown["needs"]] == [("fifth_terminal", "--fifth-terminal"), ("jaws", "--jaws")]


def test_state_and_family_and_no_rules(built_db):
    by_state = run_check(built_db, {"--state": "NJ", **{k: v for k, v in PSEG_OK.items() if k != "--utility"}})
    assert sorted(by_state) == ["connectder-c-b-5-22-40", SOLAR60, "connectder-c-b-5-22-80"]
    family = run_check(built_db, PSEG_OK, device="connectder-solar")
    assert sorted(family) == sorted(by_state)
    # PG&E's approvals are of families (ConnectDER EV, IslandDER): they apply to each member model.
    # No rules are encoded for PG&E, so nothing is called eligible.
    pge = run_check(built_db, {"--utility": "pge", "--service-amps": "200"})
    assert {r["verdict"] for r in pge.values()} == {"unknown"}
    assert pge[EV100]["approvals"][0]["via_family"] == "connectder-ev"
    assert pge[EV100]["note"] == "no eligibility rules are encoded for pge (kb/rules/)"


BAD_RULES = {
    "unknown op": ('require: {field: service_amps, op: "<=", value: 200}', 'require: {field: service_amps, op: "=<", value: 200}',
                   "rule 'sce-service-200a': require: unknown op '=<'; ops: <, <=, >, >=, between, equals, in, not_equals, not_in"),
    "unknown field": ("fields: [service_amps]\n    require: {field: service_amps, op: \"<=\", value: 200}",
                      "fields: [amps]\n    require: {field: amps, op: \"<=\", value: 200}",
                      "rule 'sce-service-200a': require: unknown field 'amps'; site fields: service_amps, phase"),
    "unknown device": ("devices: [neworld-eqb-mim-200-plus-pe]\n    fields: [connection, der_kind]",
                       "devices: [neworld-eqb-mim-300]\n    fields: [connection, der_kind]",
                       "rule 'sce-neworld-line-side-generation-only': unknown device 'neworld-eqb-mim-300'"),
    "between without a pair": ('require: {field: service_amps, op: "<=", value: 200}',
                               "require: {field: service_amps, op: between, value: 200}",
                               "rule 'sce-service-200a': require: `between` takes value: [low, high]"),
}


@pytest.mark.parametrize("case", list(BAD_RULES))
def test_bad_rule_fails_the_build_naming_it(kb_copy, tmp_path, case):
    keep_sources(kb_copy, ["sce-approved-products-2026-04-12", "sce-msa-program-guidelines-2025"])
    old, new, message = BAD_RULES[case]
    text = (KB / "rules" / "sce.yaml").read_text(encoding="utf-8")
    assert old in text
    (kb_copy / "rules" / "sce.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "--db", str(tmp_path / "kb.db"), "--kb", str(kb_copy), "-q"])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: kb/rules/sce.yaml: {message}")
    assert not (tmp_path / "kb.db").exists()
