"""The generic extractor on the labelled set (tests/labelled/: documents in the shapes
utilities and legislatures publish, each with the facts a careful reader marks), added to
the seed corpus with `msakb add` and built once: the recall and precision floors; the exact
proposals of each shape (an approved-devices page listing models by number, a later edition
naming a family's new model, a stance on meter collars and its conflict with the deck, a
statute's definition and enumerated criteria, fees and timelines, eligibility limits and
their conflict with the utility's own rules, a regulator's order); and the review round trip:
accept all of a source's proposals, build again, and the facts are rows quoting the source."""

from __future__ import annotations

import json
import shutil

import pytest

from bench.labelled import build_labelled, load_labelled, score
from tests.intake_sources import invoke, rebuild
from tests.kbtools import db_rows as rows

# Measured when written (python -m bench.labelled): recall 70/71 (99%), precision 70/71
# (99%), 15/15 known devices' approvals with their id. Documents written before the
# extractor read them scored lower on their first run: three of them 7/19 of their facts,
# two more, written after, 5/11 (their labels files say what was missed); the rules were
# then made general enough for them, never for one sentence.
RECALL, PRECISION = 0.8, 0.8


@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    docs = load_labelled()
    kb, db = build_labelled(tmp_path_factory.mktemp("labelled"), docs)
    return kb, db, docs


def queue(labelled, source, *options):
    kb, db, _ = labelled
    out = invoke("review", "--db", db, "--kb", kb, "--source", source, "--json", *options)
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def shown(c):
    """(table, quote, the proposed values that are set, fields, new devices, conflicts)."""
    return (c["table_name"], c["quote"], {k: v for k, v in c["proposed"].items() if v is not None}, c["fields"],
            [s["values"] for s in c["support"] if s["table"] == "devices"],
            [(x["other_source_id"], x["field"], x["existing"], x["other_quote"], x["found_by"]) for x in c["conflicts"]])


def test_recall_and_precision_floors(labelled):
    _, db, docs = labelled
    got = score(db, docs)
    assert got["total"]["marked"] >= 50
    assert got["recall"] >= RECALL, got["missed"]
    assert got["precision"] >= PRECISION, got["spurious"]
    assert got["devices"] == 1.0, [m for m in got["missed"] if m["table"] == "approvals"]


def test_an_approved_devices_page_listing_models_by_number(labelled):
    scope = "200 amp residential services with a self-contained meter"
    approvals = [shown(c) for c in queue(labelled, "pge-approved-devices-2026-09", "--table", "approvals")]

    def approval(quote, device, status, status_text, model_field, new=(), conflicts=()):
        fields = {"model": [model_field]} if model_field else {}
        return ("approvals", quote, {"device_id": device, "utility_id": "pge", "state": "CA", "status": status,
                                     "status_text": status_text, "as_of": "2026-09-15", "limitation": scope,
                                     "voice": "utility", "speaker": "Pacific Gas and Electric", "attribution": "own"},
                fields, list(new), list(conflicts))

    deck = "tesco-nysemec-msa-deck-2026-03-18"
    assert approvals == [
        approval("Tesla\t1624171-00-J\tApproved", "tesla-backup-switch-1624171-xx-y", "approved", "Approved", "1624171-00-J"),
        approval("Enphase\tMC-200-011-V01\tApproved", "enphase-mc-200-011-v01", "approved", "Approved", "MC-200-011-V01"),
        approval("ConnectDER\tEV V1.0 E-B-4-22-60-125\tApproved", "connectder-ev-v1-0-e-b-4-22-60-125", "approved",
                 "Approved", "E-B-4-22-60-125",
                 conflicts=[(deck, "status", "pilot", '<a href="#">ConnectDER EV</a>\tPilot in progress*', "rule")]),
        approval("NeWorld\tEQB MIM 200 Plus PE\tApproved", "neworld-eqb-mim-200-plus-pe", "approved", "Approved", None,
                 conflicts=[(deck, "status", "pilot", '<a href="#">NeWorld Energy Quarterback</a>\tPilot in progress', "rule")]),
        approval("Sigen\tSigen Backup Switch SBS-200-US\tApproved", "sigen-backup-switch-sbs-200-us", "approved", "Approved",
                 "SBS-200-US", new=[{"id": "sigen-backup-switch-sbs-200-us", "manufacturer": "Sigen", "product": "Backup Switch",
                                     "model": "SBS-200-US", "family_id": "sigen-backup-switch"}]),
        approval("Lunar Energy\tLBS-200-01\tUnder review", "lunar-energy-lbs-200-01", "under_review", "Under review",
                 "LBS-200-01", new=[{"id": "lunar-energy-lbs-200-01", "manufacturer": "Lunar Energy", "model": "LBS-200-01"}]),
    ]


def test_a_stance_on_meter_collars_and_its_conflict_with_the_deck(labelled):
    stance = queue(labelled, "peco-msa-position", "--table", "utilities")
    assert [shown(c) for c in stance] == [(
        "utilities",
        "PECO does not permit customer-owned meter collars between its meter and the meter base; a customer-owned meter "
        "socket adapter may only be installed on a separate customer-owned meter base, downstream of the PECO meter.",
        {"id": "peco", "name": "PECO Energy", "state": "PA", "kind": "utility", "installation_model": "second_socket",
         "voice": "utility", "speaker": "PECO Energy", "attribution": "own"},
        {}, [], [("tesco-nysemec-msa-deck-2026-03-18", "installation_model", "installer", "PECO", "rule")])]
    assert stance[0]["rule"] == "generic:installation_model:separate-meter-base"


def test_a_statute_definition_and_its_enumerated_criteria(labelled):
    md = queue(labelled, "md-statute-7-1012")
    definition, criteria = md[0], md[1]
    assert (definition["table_name"], definition["rule"], definition["proposed"]["term"]) == (
        "definitions", "generic:definition:quoted-term-means", "meter socket adapter")
    assert definition["proposed"]["definition"].startswith("a device that is installed between an electric meter")
    assert shown(criteria)[:4] == (
        "restrictions",
        "An electric company shall authorize a customer to install a meter socket adapter if the adapter: (i) is listed to "
        "UL 414 by a nationally recognized testing laboratory; (ii) is rated for the ampacity of the service to which it is "
        "connected; (iii) is installed by a licensed electrician or by the electric company; and (iv) does not interfere "
        "with the electric company's ability to read the meter.",
        {"state": "MD", "category": "requirement", "text": criteria["quote"], "voice": "legislature",
         "speaker": "State of Maryland", "attribution": "order"},
        {"parts": ["is listed to UL 414 by a nationally recognized testing laboratory",
                   "is rated for the ampacity of the service to which it is connected",
                   "is installed by a licensed electrician or by the electric company",
                   "does not interfere with the electric company's ability to read the meter"],
         "standard": ["UL 414"]})
    assert criteria["rule"] == "generic:requirement:shall"
    assert [(c["kind"], c["fields"]) for c in md[2:]] == [
        ("obligation", {}), ("deadline", {"date": ["2027-07-01"]}), ("installation", {"installer": "installer"})]
    # the same shapes with the items on lines of their own, and 'X' shall mean
    ny = queue(labelled, "ny-bill-meter-socket-adapters")
    assert [(c["kind"], c["proposed"].get("term"), len(c["fields"].get("parts", []))) for c in ny] == [
        ("definition", "meter socket adapter", 0), ("definition", "electric corporation", 0),
        ("requirement", None, 3), ("deadline", None, 0)]
    assert ny[2]["quote"].startswith("Every electric corporation shall permit") and ny[2]["quote"].endswith(
        "(iii) the adapter is installed by a qualified installer.")
    assert ny[3]["fields"] == {"days": [180]}  # "within one hundred eighty days"


def test_fees_and_timelines(labelled):
    got = [(c["table_name"], {k: v for k, v in c["proposed"].items() if k in ("amount", "per", "max_value", "unit")})
           for c in queue(labelled, "eversource-msa-fees")]
    assert got == [
        ("fees", {"amount": 185.0, "per": "appointment"}), ("timelines", {"max_value": 10.0, "unit": "business days"}),
        ("fees", {"amount": 95.0, "per": None}), ("timelines", {"max_value": 5.0, "unit": "business days"}),
        ("fees", {"amount": 50.0, "per": "request"}), ("timelines", {"max_value": 15.0, "unit": "business days"}),
    ]


def test_eligibility_limits_and_their_conflict_with_the_utility_rules(labelled):
    got = queue(labelled, "sce-msa-eligibility-2026", "--table", "restrictions")
    assert [c["fields"]["limits"] for c in got] == [
        [{"field": "service_amps", "op": "<=", "value": 320}],
        [{"field": "meter_form", "op": "in", "value": ["2S"]}, {"field": "instrument_rated", "op": "equals", "value": False}],
        [{"field": "phase", "op": "not_equals", "value": "three"}],
    ]
    assert [(x["other_source_id"], x["existing"], x["proposed"], x["found_by"]) for x in got[0]["conflicts"]] == [
        ("sce-msa-program-guidelines-2025", "<= 200", "<= 320", "review"),
        ("sce-msa-program-guidelines-2025", "<= 200", "<= 320", "review")]
    assert got[1]["conflicts"] == got[2]["conflicts"] == []


def test_a_regulator_order(labelled):
    got = queue(labelled, "nj-bpu-order-msa")
    assert [(c["table_name"], c["proposed"].get("item"), c["proposed"].get("due_date"), c["proposed"]["docket"])
            for c in got] == [("directives", 1, None, "EO25030123"), ("directives", 2, None, "EO25030123"),
                              ("directives", 3, None, "EO25030123"), ("directives", 4, "2026-03-01", "EO25030123"),
                              ("decisions", None, None, "EO25030123")]
    assert got[4]["proposed"]["decision_date"] == "2025-12-10"


def test_accept_all_round_trip(labelled, tmp_path):
    """Build, accept all of three sources' proposals (the order's directives with the order
    number the text lacks), build again: every accepted fact is a row quoting its source, with
    the rule that proposed it, and the conflicts are recorded."""
    kb_built, db_built, _ = labelled
    kb, db = tmp_path / "kb", tmp_path / "kb.db"
    shutil.copytree(kb_built, kb)
    shutil.copy(db_built, db)
    for source, extra in [("pge-approved-devices-2026-09", []), ("peco-msa-position", []),
                          ("nj-bpu-order-msa", ["--table", "directives", "--set", "order_number=unnumbered"])]:
        out = invoke("review", "accept", "--source", source, "--all", *extra, "--db", db, "--kb", kb)
        assert out.exit_code == 0, out.output
    after = rebuild(kb, tmp_path / "after.db")
    facts = rows(after, "SELECT a.device_id, a.status, a.rule, a.quote, a.char_start, a.char_end, s.text FROM approvals a "
                        "JOIN sources s ON s.id = a.source_id WHERE a.source_id = 'pge-approved-devices-2026-09' "
                        "ORDER BY a.char_start")
    assert [(f["device_id"], f["status"], f["rule"]) for f in facts] == [
        ("tesla-backup-switch-1624171-xx-y", "approved", "generic:approval:statuses"),
        ("enphase-mc-200-011-v01", "approved", "generic:approval:statuses"),
        ("connectder-ev-v1-0-e-b-4-22-60-125", "approved", "generic:approval:statuses"),
        ("neworld-eqb-mim-200-plus-pe", "approved", "generic:approval:statuses"),
        ("sigen-backup-switch-sbs-200-us", "approved", "generic:approval:statuses"),
        ("lunar-energy-lbs-200-01", "under_review", "generic:approval:statuses")]
    assert all(f["text"][f["char_start"]:f["char_end"]] == f["quote"] for f in facts)
    assert rows(after, "SELECT id, manufacturer, product, model, family_id, quote FROM devices "
                       "WHERE id = 'sigen-backup-switch-sbs-200-us'") == [
        {"id": "sigen-backup-switch-sbs-200-us", "manufacturer": "Sigen", "product": "Backup Switch", "model": "SBS-200-US",
         "family_id": "sigen-backup-switch", "quote": "Sigen Backup Switch SBS-200-US"}]
    conflicts = rows(after, "SELECT subject, source_id, other_source_id, other_quote FROM conflicts "
                            "WHERE 'pge-approved-devices-2026-09' IN (source_id, other_source_id) "
                            "OR 'peco-msa-position' IN (source_id, other_source_id) ORDER BY subject")
    assert [(c["subject"], sorted([c["source_id"], c["other_source_id"]])) for c in conflicts] == [
        ("approvals (utility_id=pge, device_id=connectder-ev-v1-0-e-b-4-22-60-125): status",
         ["pge-approved-devices-2026-09", "tesco-nysemec-msa-deck-2026-03-18"]),
        ("approvals (utility_id=pge, device_id=neworld-eqb-mim-200-plus-pe): status",
         ["pge-approved-devices-2026-09", "tesco-nysemec-msa-deck-2026-03-18"]),
        ("utilities peco: installation_model", ["peco-msa-position", "tesco-nysemec-msa-deck-2026-03-18"]),
    ]
    # PECO's own word is the row, the deck's listing a report in conflict with it (issue 11's precedence)
    assert rows(after, "SELECT installation_model, source_id, attribution FROM utilities WHERE id = 'peco'") == [
        {"installation_model": "second_socket", "source_id": "peco-msa-position", "attribution": "own"}]
    assert rows(after, "SELECT item, order_number, docket, due_date, rule FROM directives WHERE source_id = 'nj-bpu-order-msa' "
                       "ORDER BY item")[3] == {"item": 4, "order_number": "unnumbered", "docket": "EO25030123",
                                               "due_date": "2026-03-01", "rule": "generic:directive:order-item"}
    left = rows(after, "SELECT source_id, status, count(*) AS n FROM candidates WHERE source_id IN "
                       "('pge-approved-devices-2026-09', 'peco-msa-position', 'nj-bpu-order-msa') GROUP BY 1, 2 ORDER BY 1, 2")
    assert left == [{"source_id": "nj-bpu-order-msa", "status": "accepted", "n": 4},
                    {"source_id": "nj-bpu-order-msa", "status": "pending", "n": 1},
                    {"source_id": "peco-msa-position", "status": "accepted", "n": 5},
                    {"source_id": "pge-approved-devices-2026-09", "status": "accepted", "n": 9}]
