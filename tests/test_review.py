"""The review queue round trip through the real CLI: accept a candidate (it becomes an
annotation keeping its rule, and after a rebuild a fact whose quote the build verified),
reject one (not proposed again), edit one; bad requests get one clear error; and
`msakb build --report` counts facts per origin."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.intake_sources import add_all, invoke, rebuild
from tests.kbtools import db_rows, keep_sources


@pytest.fixture
def queue(kb_copy, tmp_path):
    keep_sources(kb_copy, ["sce-approved-products-2026-04-12"])
    add_all(kb_copy, tmp_path)
    db = rebuild(kb_copy, tmp_path / "kb.db")
    return kb_copy, db


def listed(kb, db, source):
    result = invoke("review", "--db", db, "--kb", kb, "--source", source, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def find(kb, db, source, kind, text):
    return next(c for c in listed(kb, db, source) if c["kind"] == kind and text in c["quote"])


rows = db_rows


def test_accept_round_trip(queue, tmp_path):
    kb, db = queue
    siemens = find(kb, db, "xcel-adapters", "approval", "Siemens")
    clause = find(kb, db, "nj-statute-48-3-87-13", "obligation", "200 amperes")
    out = invoke("review", "accept", siemens["id"], "--db", db, "--kb", kb)
    assert out.exit_code == 0, out.output
    assert out.output == (f"accepted {siemens['id']} as approvals xcel-adapters/approvals/review-{siemens['id']}; "
                          "run msakb build to have it in the database\n")
    out = invoke("review", "accept", clause["id"], "--set", "category=eligibility", "--db", db, "--kb", kb)
    assert out.exit_code == 0, out.output
    # decided: no longer listed, even before a rebuild
    assert siemens["id"] not in [c["id"] for c in listed(kb, db, "xcel-adapters")]
    ann = yaml.safe_load((kb / "annotations" / "review-xcel-adapters.yaml").read_text(encoding="utf-8"))
    assert [(r["table"], r["quote"], r["rule"], r.get("mention", False)) for r in ann["records"]] == [
        ("utilities", "Xcel Energy (Colorado)", "generic:approval:statuses", True),
        ("devices", "MC0816B1200RLTM", "generic:approval:statuses", True),
        ("approvals", "Siemens\tMC0816B1200RLTM\t200 amp\tNot approved", "generic:approval:statuses", False),
    ]
    db2 = rebuild(kb, tmp_path / "after.db")
    approval = rows(db2, "SELECT a.*, s.text FROM approvals a JOIN sources s ON s.id = a.source_id "
                         "WHERE a.source_id = 'xcel-adapters'")
    assert len(approval) == 1
    a = approval[0]
    assert (a["id"], a["device_id"], a["utility_id"], a["status"], a["status_text"], a["as_of"], a["rule"]) == (
        f"xcel-adapters/approvals/review-{siemens['id']}", "siemens-mc0816b1200rltm", "xcel-co", "not_approved",
        "Not approved", "2026-05-01", "generic:approval:statuses")
    assert a["text"][a["char_start"]:a["char_end"]] == a["quote"] == "Siemens\tMC0816B1200RLTM\t200 amp\tNot approved"
    assert rows(db2, "SELECT id, manufacturer, model, rule, quote FROM devices WHERE source_id = 'xcel-adapters'") == [
        {"id": "siemens-mc0816b1200rltm", "manufacturer": "Siemens", "model": "MC0816B1200RLTM",
         "rule": "generic:approval:statuses", "quote": "MC0816B1200RLTM"}]
    r = rows(db2, "SELECT id, state, utility_id, category, text, rule, quote FROM restrictions "
                  "WHERE source_id = 'nj-statute-48-3-87-13'")
    assert r == [{"id": f"nj-statute-48-3-87-13/restrictions/review-{clause['id']}", "state": "NJ", "utility_id": None,
                  "category": "eligibility", "text": clause["quote"], "rule": "generic:obligation:may-not",
                  "quote": "A meter collar adapter may not be installed on a service rated above 200 amperes."}]
    statuses = {c["id"]: c["status"] for c in rows(db2, "SELECT id, status FROM candidates")}
    assert statuses[siemens["id"]] == statuses[clause["id"]] == "accepted"
    report = invoke("build", "--db", tmp_path / "third.db", "--kb", kb, "--quiet", "--report")
    assert report.exit_code == 0, report.output
    lines = {ln.split()[0]: ln.split()[1:] for ln in report.output.splitlines()[2:]}
    assert report.output.splitlines()[1].split() == ["source", "parser", "accepted", "annotations", "derived",
                                                     "pending", "covered", "rejected"]
    # the approval, the device and the utility it names (no other source here names Xcel), and
    # Colorado's row, implied by the utility; 6 candidates still pending
    assert lines["xcel-adapters"] == ["0", "3", "0", "1", "6", "0", "0"]
    assert lines["nj-statute-48-3-87-13"] == ["0", "2", "0", "0", "5", "0", "0"]  # the clause and New Jersey
    assert lines["sce-approved-products-2026-04-12"][0] != "0"


def test_reject_is_not_proposed_again(queue, tmp_path):
    kb, db = queue
    spec = find(kb, db, "nj-statute-48-3-87-13", "spec", "200 amperes")
    out = invoke("review", "reject", spec["id"], "--reason", "a limit of the clause, not a device rating", "--db", db, "--kb", kb)
    assert out.output == f"rejected {spec['id']}\n"
    decisions = yaml.safe_load((kb / "review" / "decisions.yaml").read_text(encoding="utf-8"))["decisions"]
    assert [(d["id"], d["decision"], d["rule"], d["quote"], d["reason"]) for d in decisions] == [
        (spec["id"], "rejected", "generic:spec:amps-word", "200 amperes", "a limit of the clause, not a device rating")]
    db2 = rebuild(kb, tmp_path / "after.db")
    assert spec["id"] not in [c["id"] for c in listed(kb, db2, "nj-statute-48-3-87-13")]
    assert rows(db2, "SELECT status, reason FROM candidates WHERE id = ?", spec["id"]) == [
        {"status": "rejected", "reason": "a limit of the clause, not a device rating"}]
    assert rows(db2, "SELECT count(*) AS n FROM specs WHERE source_id = 'nj-statute-48-3-87-13'") == [{"n": 0}]


def test_reject_after_accept_takes_the_fact_back(queue, tmp_path):
    kb, db = queue
    fee = find(kb, db, "eversource-msa-page", "fee", "$150")
    assert invoke("review", "accept", fee["id"], "--db", db, "--kb", kb).exit_code == 0
    assert rows(rebuild(kb, tmp_path / "a.db"), "SELECT amount, currency, utility_id, rule FROM fees") == [
        {"amount": 150.0, "currency": "USD", "utility_id": "eversource-ct", "rule": "generic:fees:money-dollar-sign"}]
    assert invoke("review", "reject", fee["id"], "--db", db, "--kb", kb).exit_code == 0
    assert not (kb / "annotations" / "review-eversource-msa-page.yaml").exists()
    assert rows(rebuild(kb, tmp_path / "b.db"), "SELECT count(*) AS n FROM fees") == [{"n": 0}]


def test_edit_then_accept(queue, tmp_path):
    kb, db = queue
    c = find(kb, db, "eversource-msa-page", "obligation", "does not permit")
    out = invoke("review", "edit", c["id"], "--set", "category=disqualifier", "--set", "section=Eligibility",
                 "--db", db, "--kb", kb)
    assert out.exit_code == 0, out.output
    edited = find(kb, db, "eversource-msa-page", "obligation", "does not permit")
    assert (edited["proposed"]["category"], edited["proposed"]["section"]) == ("disqualifier", "Eligibility")
    assert invoke("review", "accept", c["id"], "--db", db, "--kb", kb).exit_code == 0
    r = rows(rebuild(kb, tmp_path / "a.db"), "SELECT category, section, utility_id, rule FROM restrictions "
                                             "WHERE source_id = 'eversource-msa-page'")
    assert r == [{"category": "disqualifier", "section": "Eligibility", "utility_id": "eversource-ct",
                  "rule": "generic:obligation:does-not-permit"}]


def test_bad_requests_get_one_clear_error(queue, tmp_path):
    kb, db = queue
    spec = find(kb, db, "xcel-adapters", "spec", "200A")
    cases = [
        (["review", "accept", "c-000000000000"], "Error: unknown candidate 'c-000000000000'; valid choices: "),
        (["review", "accept", spec["id"], "--set", "colour=red"], "Error: specs has no column colour; its columns: "),
        (["review", "accept", spec["id"], "--set", "device_id=nope"],
         "Error: specs.device_id = 'nope': no devices row has id 'nope' in the database; set another with --set device_id=..."),
        (["review", "accept", spec["id"], "--set", "quantity"], "Error: --set 'quantity': expected field=value"),
        (["review", "accept", spec["id"], "--table", "sources"], "Error: --table 'sources' is not a fact table; "),
        (["review", "edit", spec["id"]], "Error: edit: nothing to change; give --table and/or --set field=value"),
    ]
    for args, start in cases:
        out = invoke(*args, "--db", db, "--kb", kb)
        assert out.exit_code == 1 and out.output.startswith(start) and out.output.count("\n") == 1, (args, out.output)
    missing = invoke("review", "--db", tmp_path / "none.db", "--kb", kb)
    assert missing.output == f"Error: {tmp_path / 'none.db'}: no database; build it first: msakb build --db {tmp_path / 'none.db'}\n"
    assert not (kb / "review").exists() and not list((kb / "annotations").glob("review-*"))


def test_the_queue_as_a_table(queue):
    kb, db = queue
    out = invoke("review", "--db", db, "--kb", kb, "--source", "nj-statute-48-3-87-13")
    assert out.exit_code == 0
    lines = out.output.splitlines()
    first = listed(kb, db, "nj-statute-48-3-87-13")[0]
    assert lines[0] == "6 candidate(s) pending review"
    assert lines[1] == (f"{first['id']}  nj-statute-48-3-87-13  obligation/requirement -> restrictions  "
                        "[generic:obligation:shall]")
    assert lines[2] == ("    'An electric public utility shall permit a customer to install a meter collar adapter th...'"
                        "  (trigger: 'shall')")
    unknown = invoke("review", "--db", db, "--kb", kb, "--source", "nope")
    assert unknown.exit_code == 1 and unknown.output.startswith("Error: unknown source 'nope'; valid choices: ")
