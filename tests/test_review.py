"""The review queue round trip through the real CLI: accept a candidate (it becomes an
annotation keeping its rule, and after a rebuild a fact whose quote the build verified),
accept all of a source's proposals of one table with per-item overrides, reject one (not
proposed again), edit one; bad requests get one clear error; the queue listed by table;
and `msakb build --report` counts facts per origin."""

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


def listed(kb, db, source, *options):
    result = invoke("review", "--db", db, "--kb", kb, "--source", source, "--json", *options)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def find(kb, db, source, kind, text):
    return next(c for c in listed(kb, db, source) if c["kind"] == kind and text in c["quote"])


rows = db_rows


def test_accept_round_trip(queue, tmp_path):
    kb, db = queue
    siemens = find(kb, db, "xcel-adapters", "approval", "Siemens")
    clause = find(kb, db, "nj-statute-48-3-87-13", "eligibility", "200 amperes")
    out = invoke("review", "accept", siemens["id"], "--db", db, "--kb", kb)
    assert out.exit_code == 0, out.output
    assert out.output == (f"accepted {siemens['id']} as approvals xcel-adapters/approvals/review-{siemens['id']}; "
                          "run msakb build to have it in the database\n")
    out = invoke("review", "accept", clause["id"], "--set", "section=(c)", "--db", db, "--kb", kb)
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
    r = rows(db2, "SELECT id, state, utility_id, category, section, text, rule, quote FROM restrictions "
                  "WHERE source_id = 'nj-statute-48-3-87-13'")
    assert r == [{"id": f"nj-statute-48-3-87-13/restrictions/review-{clause['id']}", "state": "NJ", "utility_id": None,
                  "category": "eligibility", "section": "(c)", "text": clause["quote"], "rule": "generic:eligibility:limits",
                  "quote": "A meter collar adapter may not be installed on a service rated above 200 amperes."}]
    statuses = {c["id"]: c["status"] for c in rows(db2, "SELECT id, status FROM candidates")}
    assert statuses[siemens["id"]] == statuses[clause["id"]] == "accepted"
    report = invoke("build", "--db", tmp_path / "third.db", "--kb", kb, "--quiet", "--report")
    assert report.exit_code == 0, report.output
    lines = {ln.split()[0]: ln.split()[1:] for ln in report.output.splitlines()[2:]}
    assert report.output.splitlines()[1].split() == ["source", "parser", "accepted", "annotations", "derived",
                                                     "pending", "covered", "rejected"]
    # the approval, the device and the utility it names (no other source here names Xcel), and
    # Colorado's row, implied by the utility; 3 candidates still pending
    assert lines["xcel-adapters"] == ["0", "3", "0", "1", "3", "0", "0"]
    assert lines["nj-statute-48-3-87-13"] == ["0", "2", "0", "0", "4", "0", "0"]  # the clause and New Jersey
    assert lines["sce-approved-products-2026-04-12"][0] != "0"


def test_accept_all_of_a_table_with_overrides(queue, tmp_path):
    kb, db = queue
    approvals = listed(kb, db, "eversource-msa-page", "--table", "approvals")
    assert [(c["kind"], c["proposed"]["device_id"]) for c in approvals] == [
        ("approval", "tesla-backup-switch-1624171-xx-y"), ("approval", "connectder-ev")]
    tesla, connectder = approvals
    out = invoke("review", "accept", "--source", "eversource-msa-page", "--table", "approvals", "--all",
                 "--set", f"{connectder['id']}:status=approved", "--set", "as_of=2026-05-01", "--db", db, "--kb", kb)
    assert out.exit_code == 0, out.output
    assert out.output == (f"accepted {tesla['id']} as approvals eversource-msa-page/approvals/review-{tesla['id']}\n"
                          f"accepted {connectder['id']} as approvals eversource-msa-page/approvals/review-{connectder['id']}\n"
                          "accepted 2 candidates; run msakb build to have them in the database\n")
    left = listed(kb, db, "eversource-msa-page")
    assert {c["table_name"] for c in left} == {"utilities", "restrictions", "timelines", "fees"}
    # the rest of the source, but one, in one command
    fee = next(c for c in left if c["table_name"] == "fees")
    out = invoke("review", "accept", "--source", "eversource-msa-page", "--all", "--except", fee["id"], "--db", db, "--kb", kb)
    assert out.exit_code == 0, out.output
    assert [c["id"] for c in listed(kb, db, "eversource-msa-page")] == [fee["id"]]
    db2 = rebuild(kb, tmp_path / "after.db")
    assert rows(db2, "SELECT device_id, status, as_of, rule FROM approvals WHERE source_id = 'eversource-msa-page' "
                     "ORDER BY char_start") == [
        {"device_id": "tesla-backup-switch-1624171-xx-y", "status": "approved", "as_of": "2026-05-01",
         "rule": "generic:approval:approved"},
        {"device_id": "connectder-ev", "status": "approved", "as_of": "2026-05-01", "rule": "generic:approval:pilot"}]
    assert rows(db2, "SELECT count(*) AS n FROM fees") == [{"n": 0}]
    assert rows(db2, "SELECT status, count(*) AS n FROM candidates WHERE source_id = 'eversource-msa-page' GROUP BY 1") == [
        {"status": "accepted", "n": 6}, {"status": "pending", "n": 1}]


def test_a_batch_that_does_not_fit_writes_nothing(queue):
    kb, db = queue
    out = invoke("review", "accept", "--source", "nj-statute-48-3-87-13", "--all", "--set", "colour=red", "--db", db, "--kb", kb)
    assert out.exit_code == 1
    first = listed(kb, db, "nj-statute-48-3-87-13")[0]
    assert out.output == f"Error: {first['id']}: restrictions has no column colour; its columns: " + out.output.split("its columns: ")[1]
    assert not (kb / "review").exists() and not list((kb / "annotations").glob("review-*"))


def test_reject_is_not_proposed_again(queue, tmp_path):
    kb, db = queue
    deadline = find(kb, db, "nj-statute-48-3-87-13", "deadline", "180 days")
    out = invoke("review", "reject", deadline["id"], "--reason", "binds the board, not a utility", "--db", db, "--kb", kb)
    assert out.output == f"rejected {deadline['id']}\n"
    decisions = yaml.safe_load((kb / "review" / "decisions.yaml").read_text(encoding="utf-8"))["decisions"]
    assert [(d["id"], d["decision"], d["rule"], d["quote"], d["reason"]) for d in decisions] == [
        (deadline["id"], "rejected", "generic:deadline:duration",
         "The board shall adopt rules within 180 days after the effective date of this section.",
         "binds the board, not a utility")]
    db2 = rebuild(kb, tmp_path / "after.db")
    assert deadline["id"] not in [c["id"] for c in listed(kb, db2, "nj-statute-48-3-87-13")]
    assert rows(db2, "SELECT status, reason FROM candidates WHERE id = ?", deadline["id"]) == [
        {"status": "rejected", "reason": "binds the board, not a utility"}]
    assert rows(db2, "SELECT count(*) AS n FROM restrictions WHERE source_id = 'nj-statute-48-3-87-13'") == [{"n": 0}]


def test_reject_after_accept_takes_the_fact_back(queue, tmp_path):
    kb, db = queue
    fee = find(kb, db, "eversource-msa-page", "fee", "$150")
    assert invoke("review", "accept", fee["id"], "--db", db, "--kb", kb).exit_code == 0
    assert rows(rebuild(kb, tmp_path / "a.db"), "SELECT amount, currency, per, utility_id, rule FROM fees") == [
        {"amount": 150.0, "currency": "USD", "per": "installation", "utility_id": "eversource-ct",
         "rule": "generic:fees:money-dollar-sign"}]
    assert invoke("review", "reject", fee["id"], "--db", db, "--kb", kb).exit_code == 0
    assert not (kb / "annotations" / "review-eversource-msa-page.yaml").exists()
    assert rows(rebuild(kb, tmp_path / "b.db"), "SELECT count(*) AS n FROM fees") == [{"n": 0}]


def test_edit_then_accept(queue, tmp_path):
    kb, db = queue
    c = find(kb, db, "eversource-msa-page", "eligibility", "does not permit")
    out = invoke("review", "edit", c["id"], "--set", "category=disqualifier", "--set", "section=Eligibility",
                 "--db", db, "--kb", kb)
    assert out.exit_code == 0, out.output
    edited = find(kb, db, "eversource-msa-page", "eligibility", "does not permit")
    assert (edited["proposed"]["category"], edited["proposed"]["section"]) == ("disqualifier", "Eligibility")
    assert invoke("review", "accept", c["id"], "--db", db, "--kb", kb).exit_code == 0
    r = rows(rebuild(kb, tmp_path / "a.db"), "SELECT category, section, utility_id, rule FROM restrictions "
                                             "WHERE source_id = 'eversource-msa-page'")
    assert r == [{"category": "disqualifier", "section": "Eligibility", "utility_id": "eversource-ct",
                  "rule": "generic:eligibility:limits"}]


def test_bad_requests_get_one_clear_error(queue, tmp_path):
    kb, db = queue
    tesla = find(kb, db, "xcel-adapters", "approval", "Tesla")
    cases = [
        (["review", "accept", "c-000000000000"], "Error: unknown candidate 'c-000000000000'; valid choices: "),
        (["review", "accept", tesla["id"], "--set", "colour=red"], "Error: approvals has no column colour; its columns: "),
        (["review", "accept", tesla["id"], "--set", "device_id=nope"],
         "Error: approvals.device_id = 'nope': no devices row has id 'nope' in the database; set another with --set device_id=..."),
        (["review", "accept", tesla["id"], "--set", "status=yes"],
         f"Error: approvals row 'xcel-adapters/approvals/review-{tesla['id']}': status must be text, not the yes/no "
         "value true: write the text in quotes\n"),
        (["review", "accept", tesla["id"], "--set", "status"],
         "Error: --set 'status': expected field=value (or CANDIDATE_ID:field=value for one candidate)"),
        (["review", "accept", tesla["id"], "--set", "c-000000000000:status=pilot"],
         "Error: --set c-000000000000:...: c-000000000000 is not among the candidates accepted"),
        (["review", "accept", tesla["id"], "--table", "sources"], "Error: --table 'sources' is not a fact table; "),
        (["review", "accept", "--source", "xcel-adapters", "--all", "--except", "c-000000000000"],
         "Error: --except c-000000000000: not a pending candidate of xcel-adapters"),
        (["review", "accept", tesla["id"], "--all", "--source", "xcel-adapters"], "Error: give candidate ids or --all, not both"),
        (["review", "edit", tesla["id"]], "Error: edit: nothing to change; give --table and/or --set field=value"),
    ]
    for args, start in cases:
        out = invoke(*args, "--db", db, "--kb", kb)
        assert out.exit_code == 1 and out.output.startswith(start) and out.output.count("\n") == 1, (args, out.output)
    usage = invoke("review", "accept", "--all", "--db", db, "--kb", kb)
    assert usage.exit_code == 2 and "--all needs --source" in usage.output
    missing = invoke("review", "--db", tmp_path / "none.db", "--kb", kb)
    assert missing.output == f"Error: {tmp_path / 'none.db'}: no database; build it first: msakb build --db {tmp_path / 'none.db'}\n"
    assert not (kb / "review").exists() and not list((kb / "annotations").glob("review-*"))


def test_the_queue_grouped_by_table(queue):
    kb, db = queue
    out = invoke("review", "--db", db, "--kb", kb, "--source", "xcel-adapters")
    assert out.exit_code == 0
    got = listed(kb, db, "xcel-adapters")
    tesla, connectder, siemens, install = got
    assert out.output.splitlines() == [
        "4 candidate(s) pending review",
        "",
        "xcel-adapters",
        "  approvals (3): accept all with msakb review accept --source xcel-adapters --table approvals --all",
        f"    {tesla['id']}  approval/approved  as_of=2026-05-01  device_id=tesla-backup-switch-1624171-xx-y  "
        "state=CO  status=approved  utility_id=xcel-co  (own: Xcel Energy, utility)  [generic:approval:statuses]",
        "        'Tesla Backup Switch 1624171-xx-y 200A Approved'",
        f"    {connectder['id']}  approval/pilot  as_of=2026-05-01  device_id=connectder-c-b-5-22-60  state=CO  "
        "status=pilot  utility_id=xcel-co  (own: Xcel Energy, utility)  new device manufacturer=ConnectDER, product=ConnectDER Solar Meter Socket Adapter, "
        "model=C-B-5-22-60, family_id=connectder-solar  [generic:approval:statuses]",  # a model of a gazetteer family
        "        'ConnectDER C-B-5-22-60 60 A breaker Pilot'",
        f"    {siemens['id']}  approval/not_approved  as_of=2026-05-01  device_id=siemens-mc0816b1200rltm  "
        "state=CO  status=not_approved  utility_id=xcel-co  (own: Xcel Energy, utility)  new device manufacturer=Siemens, model=MC0816B1200RLTM  "
        "[generic:approval:statuses]",
        "        'Siemens MC0816B1200RLTM 200 amp Not approved'",
        "  utilities (1): accept all with msakb review accept --source xcel-adapters --table utilities --all",
        f"    {install['id']}  installation_model/utility  id=xcel-co  installation_model=utility  state=CO  "
        "(own: Xcel Energy, utility)  [generic:installation_model:installed-by]",
        "        'Adapters must be installed by an Xcel Energy meter technician.'",
    ]
    unknown = invoke("review", "--db", db, "--kb", kb, "--source", "nope")
    assert unknown.exit_code == 1 and unknown.output.startswith("Error: unknown source 'nope'; valid choices: ")
