"""The generic extractor: candidates expected, by value and quote, from three new sources
added with `msakb add` (a device table laid out differently from SCE's, a utility's page in
prose, a statute with lettered clauses); nothing proposed from passages with nothing of the
field; stable ids; and over the five seeds, the share of the dedicated parsers' rows that a
candidate of the same table also proposes."""

from __future__ import annotations

import json
import shutil

import pytest

from msakb.db.derive.candidates import overlap
from msakb.extract.candidates.extractor import candidate_id
from tests.kbtools import KB
from tests.intake_sources import add_all, invoke, rebuild
from tests.kbtools import keep_sources

SCE_LIST = "sce-approved-products-2026-04-12"


@pytest.fixture(scope="module")
def intake(tmp_path_factory):
    """A copy of kb/ (SCE's list, which names the devices a page may name by alias, plus the
    three new sources), built once."""
    tmp = tmp_path_factory.mktemp("intake")
    kb = tmp / "kb"
    shutil.copytree(KB, kb)
    keep_sources(kb, [SCE_LIST])
    add_all(kb, tmp)
    return kb, rebuild(kb, tmp / "kb.db")


def pending(intake, source):
    kb, db = intake
    result = invoke("review", "--db", db, "--kb", kb, "--source", source, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def brief(c):
    """(rule, quote, trigger, the proposed values that are set)."""
    return c["rule"], c["quote"], c["trigger"], {k: v for k, v in c["proposed"].items() if v is not None}


def test_device_table(intake):
    assert [brief(c) for c in pending(intake, "xcel-adapters")] == [
        ("generic:approval:statuses", "Tesla\tBackup Switch 1624171-xx-y\t200A\tApproved", "Approved",
         {"device_id": "tesla-backup-switch-1624171-xx-y", "utility_id": "xcel-co", "status": "approved",
          "status_text": "Approved", "as_of": "2026-05-01"}),
        ("generic:spec:amps-suffix", "200A", "200A",
         {"device_id": "tesla-backup-switch-1624171-xx-y", "quantity": "current", "unit": "A", "text": "200A", "value": 200}),
        ("generic:approval:statuses", "ConnectDER\tC-B-5-22-60\t60 A breaker\tPilot", "Pilot",
         {"device_id": "connectder-c-b-5-22-60", "utility_id": "xcel-co", "status": "pilot", "status_text": "Pilot",
          "as_of": "2026-05-01"}),
        ("generic:spec:amps-breaker", "60 A breaker", "60 A breaker",
         {"device_id": "connectder-c-b-5-22-60", "quantity": "current", "unit": "A", "text": "60 A breaker", "value": 60}),
        ("generic:approval:statuses", "Siemens\tMC0816B1200RLTM\t200 amp\tNot approved", "Not approved",
         {"device_id": "siemens-mc0816b1200rltm", "utility_id": "xcel-co", "status": "not_approved",
          "status_text": "Not approved", "as_of": "2026-05-01"}),
        ("generic:spec:amps-word", "200 amp", "200 amp",
         {"device_id": "siemens-mc0816b1200rltm", "quantity": "current", "unit": "A", "text": "200 amp", "value": 200}),
        ("generic:obligation:must", "Adapters must be installed by an Xcel Energy meter technician.", "must",
         {"utility_id": "xcel-co", "category": "requirement",
          "text": "Adapters must be installed by an Xcel Energy meter technician."}),
    ]


def test_device_table_names_the_mentions_a_new_device_needs(intake):
    siemens = [c for c in pending(intake, "xcel-adapters") if c["proposed"].get("device_id") == "siemens-mc0816b1200rltm"
               and c["kind"] == "approval"][0]
    kb, db = intake
    text = (kb / "sources").joinpath(
        next(p.name for p in (kb / "sources").glob("*.txt") if "Siemens" in p.read_text(encoding="utf-8"))).read_text()
    assert [(s["table"], s["values"], text[s["char_start"]:s["char_end"]]) for s in siemens["support"]] == [
        ("utilities", {"id": "xcel-co", "name": "Xcel Energy (Colorado)", "state": "CO", "kind": "utility"},
         "Xcel Energy (Colorado)"),
        ("devices", {"id": "siemens-mc0816b1200rltm", "manufacturer": "Siemens", "model": "MC0816B1200RLTM"},
         "MC0816B1200RLTM"),
    ]


def test_prose_page(intake):
    assert [brief(c) for c in pending(intake, "eversource-msa-page")] == [
        ("generic:obligation:only",
         "Eversource allows customers to install a meter collar adapter only after written approval from Eversource.",
         "only", {"utility_id": "eversource-ct", "category": "requirement",
                  "text": "Eversource allows customers to install a meter collar adapter only after written approval from Eversource."}),
        ("generic:obligation:must",
         "The customer must submit an interconnection application before any meter socket adapter is installed.",
         "must", {"utility_id": "eversource-ct", "category": "requirement",
                  "text": "The customer must submit an interconnection application before any meter socket adapter is installed."}),
        ("generic:obligation:does-not-permit",
         "Eversource does not permit meter collars on 320-amp services or on instrument-rated meters.",
         "does not permit", {"utility_id": "eversource-ct", "category": "prohibition",
                             "text": "Eversource does not permit meter collars on 320-amp services or on instrument-rated meters."}),
        ("generic:spec:amps-hyphen", "320-amp", "320-amp",
         {"quantity": "current", "unit": "A", "text": "320-amp", "value": 320}),
        ("generic:obligation:may", "Installers may schedule the meter removal within 10 business days of approval.", "may",
         {"utility_id": "eversource-ct", "category": "permission",
          "text": "Installers may schedule the meter removal within 10 business days of approval."}),
        ("generic:timelines:duration", "Installers may schedule the meter removal within 10 business days of approval.",
         "within 10 business days",
         {"utility_id": "eversource-ct", "activity": "Installers may schedule the meter removal within 10 business days of approval.",
          "max_value": 10.0, "unit": "business days", "text": "within 10 business days"}),
        ("generic:fees:money-dollar-sign", "A meter pull fee of $150 applies to each installation.", "$150",
         {"utility_id": "eversource-ct", "amount": 150.0, "currency": "USD",
          "text": "A meter pull fee of $150 applies to each installation."}),
        ("generic:approval:approved", "Eversource has approved the Tesla Backup Switch for battery backup.", "approved",
         {"device_id": "tesla-backup-switch-1624171-xx-y", "utility_id": "eversource-ct", "status": "approved",
          "status_text": "approved"}),
        ("generic:approval:pilot", "The ConnectDER EV is in a pilot with Eversource until December 31, 2026.", "pilot",
         {"device_id": "connectder-ev", "utility_id": "eversource-ct", "status": "pilot", "status_text": "pilot"}),
    ]


def test_statute_with_lettered_clauses(intake):
    got = pending(intake, "nj-statute-48-3-87-13")
    assert [brief(c) for c in got] == [
        ("generic:obligation:shall",
         "An electric public utility shall permit a customer to install a meter collar adapter that is listed to UL 414 "
         "and approved by the utility.", "shall",
         {"state": "NJ", "category": "requirement",
          "text": "An electric public utility shall permit a customer to install a meter collar adapter that is listed "
                  "to UL 414 and approved by the utility."}),
        ("generic:spec:standard-ul", "UL 414", "UL 414", {"quantity": "standard", "text": "UL 414"}),
        ("generic:obligation:shall-not",
         "An electric public utility shall not require a customer to pay a fee for the installation of a meter collar adapter.",
         "shall not", {"state": "NJ", "category": "prohibition",
                       "text": "An electric public utility shall not require a customer to pay a fee for the "
                               "installation of a meter collar adapter."}),
        ("generic:obligation:may-not", "A meter collar adapter may not be installed on a service rated above 200 amperes.",
         "may not", {"state": "NJ", "category": "prohibition",
                     "text": "A meter collar adapter may not be installed on a service rated above 200 amperes."}),
        ("generic:spec:amps-word", "200 amperes", "200 amperes",
         {"quantity": "current", "unit": "A", "text": "200 amperes", "value": 200}),
        ("generic:obligation:shall", "The board shall adopt rules within 180 days after the effective date of this section.",
         "shall", {"state": "NJ", "category": "requirement",
                   "text": "The board shall adopt rules within 180 days after the effective date of this section."}),
    ]
    # each obligation is linked to the entities inside it, and names the field's terms it uses
    links = [([(e["label"], e["text"]) for e in c["entities"]], c["terms"]) for c in got if c["kind"] == "obligation"]
    assert links == [
        ([("STANDARD", "UL 414")], "meter socket adapter; utility"),
        ([], "meter socket adapter; utility"),
        ([("AMPS", "200 amperes")], "meter socket adapter"),
        ([("DURATION", "within 180 days")], None),
    ]


def test_nothing_without_the_field_is_proposed(intake):
    quotes = [c["quote"] for s in ("eversource-msa-page", "nj-statute-48-3-87-13") for c in pending(intake, s)]
    assert not any("signed in" in q or "offices" in q or "As used in this section" in q for q in quotes)
    for c in pending(intake, "eversource-msa-page"):
        assert c["trigger"] and c["char_start"] <= c["trigger_start"] < c["trigger_end"] <= c["char_end"]


def test_ids_are_stable_across_builds(intake, tmp_path):
    kb, db = intake
    first = {(c["id"], c["source_id"], c["char_start"], c["char_end"], c["rule"])
             for c in pending(intake, "xcel-adapters")}
    again = rebuild(kb, tmp_path / "again.db")
    second = {(c["id"], c["source_id"], c["char_start"], c["char_end"], c["rule"])
              for c in json.loads(invoke("review", "--db", again, "--kb", kb, "--source", "xcel-adapters", "--json").output)}
    assert first == second
    for cid, source, start, end, rule in first:
        device = next(c["proposed"].get("device_id") for c in pending(intake, "xcel-adapters") if c["id"] == cid)
        assert cid in (candidate_id(source, start, end, rule), candidate_id(source, start, end, rule, device))


# The generic extractor over the five seeds, against what their dedicated parsers found:
# the share of parser rows a candidate of the same table covers (same source, overlapping
# passage; specs of the same quantity, or one the parser names more precisely; approvals of
# the same device and utility). Measured when written: restrictions 64/75 (85%), approvals
# 16/16, specs 58/58.
FLOORS = {"restrictions": 0.75, "approvals": 0.9, "specs": 0.9}


def test_generic_extractor_recovers_the_parsers_facts(built_db):
    got = overlap(built_db)
    for table, floor in FLOORS.items():
        covered, total = got[table]
        assert total >= 10, f"{table}: only {total} parser rows to compare"
        assert covered / total >= floor, f"{table}: candidates cover {covered}/{total} parser rows, floor {floor:.0%}"


def test_the_words_for_one_thing_map_to_one_term():
    from msakb.extract.candidates.cues import canonical_term, field_terms
    from msakb.extract.shared.text import whole

    text = ("A meter collar, a meter collar adapter, a meter socket adapter, a socket-mounted transfer switch, "
            "a backup power transfer meter and an MCD are one thing; an msa in lower case is not an acronym.")
    got = [(t.rule, t.label) for t in field_terms(whole(text))]
    assert got == [(w, "meter socket adapter") for w in (
        "meter collar", "meter collar adapter", "meter socket adapter", "socket-mounted transfer switch",
        "backup power transfer meter", "MCD")]
    assert canonical_term("Meter Collar Adapter") == "meter socket adapter"
    assert canonical_term("MSA") == "meter socket adapter" and canonical_term("msa") is None
