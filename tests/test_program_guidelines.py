"""SCE's MSA program guidelines (kind `program_guidelines`) in the built knowledge base:
exact rows, each quoting its passage; and a changed source format fails the build clearly."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from msakb.cli import cli
from msakb.extract.shared.justifications import split_justification
from msakb.extract.shared.text import whole
from tests.kbtools import keep_sources, rewrite_source, rows, source_bytes

SRC = "sce-msa-program-guidelines-2025"
R = f"{SRC}/restrictions/"
TABLES = ("utilities", "restrictions", "panel_models", "fees", "timelines", "process_steps", "system_statuses", "faqs",
          "decisions", "conflicts", "citations")


def test_every_quote_is_the_source_slice(db):
    text = db.execute("SELECT text FROM sources WHERE id = ?", (SRC,)).fetchone()[0]
    n = 0
    for table in TABLES:
        for r in rows(db, f"SELECT * FROM {table} WHERE source_id = ?", SRC):
            assert text[r["char_start"]:r["char_end"]] == r["quote"], (table, r["id"])
            if table == "conflicts" and r["other_source_id"] == SRC:
                assert text[r["other_char_start"]:r["other_char_end"]] == r["other_quote"], r["id"]
            n += 1
    # 29 parsed + 3 annotated restrictions, 10 models, fee, 2 timelines, 5 steps, 9 statuses,
    # 14 FAQs, 2 decisions, 4 conflicts, 10 further model listings + the SCE mention (a
    # citation of the utilities row) + SCE's two statements of its installation model (the row
    # and a citation) + the conflict with KiloWire's report of it
    assert n == 29 + 3 + 10 + 1 + 2 + 5 + 9 + 14 + 2 + 4 + 10 + 1 + 2 + 1


def test_panel_models_with_listed_counts(db):
    got = {r["model"]: (r["listed_count"], r["entry"], r["quote"])
           for r in rows(db, "SELECT * FROM panel_models WHERE source_id = ?", SRC)}
    a, b, c = "MBED2040B200BF/MBED2040B225BF", "MBE1836B125BS/MBE1836B125BF", "MBED2040B200BFN/MBED2040B225BFN"
    d, e = "MBED3042B200BF/MBED3042B200BF6/MBED3042B200PV", "MBED2040B200BS/MBED2040B200BF"
    assert got == {
        "MBED2040B200BF": (5, a, "MBED2040B200BF"), "MBED2040B225BF": (4, a, "MBED2040B225BF"),
        "MBE1836B125BS": (1, b, "MBE1836B125BS"), "MBE1836B125BF": (1, b, "MBE1836B125BF"),
        "MBED2040B200BFN": (1, c, "MBED2040B200BFN"), "MBED2040B225BFN": (1, c, "MBED2040B225BFN"),
        "MBED3042B200BF": (2, d, "MBED3042B200BF"), "MBED3042B200BF6": (2, d, "MBED3042B200BF6"),
        "MBED3042B200PV": (2, d, "MBED3042B200PV"), "MBED2040B200BS": (1, e, "MBED2040B200BS"),
    }
    ids = {r["id"] for r in rows(db, "SELECT id FROM panel_models WHERE source_id = ?", SRC)}
    assert f"{SRC}/panel_models/MBED2040B200BF" in ids
    # every further listing is a citation of the model's row, quoting that listing
    cites = rows(db, "SELECT row_id, quote, char_start FROM citations WHERE table_name = 'panel_models' "
                     "AND source_id = ? ORDER BY char_start", SRC)
    per_row = {}
    for c in cites:
        assert c["row_id"] == f"{SRC}/panel_models/{c['quote']}"
        per_row[c["quote"]] = per_row.get(c["quote"], 0) + 1
    assert per_row == {"MBED2040B200BF": 4, "MBED2040B225BF": 3, "MBED3042B200BF": 1, "MBED3042B200BF6": 1,
                       "MBED3042B200PV": 1}
    first = {r["model"]: r["char_start"] for r in rows(db, "SELECT * FROM panel_models WHERE source_id = ?", SRC)}
    assert all(c["char_start"] > first[c["quote"]] for c in cites)


def test_duplicate_list_entries_are_conflicts(db):
    got = rows(db, "SELECT * FROM conflicts WHERE source_id = ? AND kind = 'within_source' ORDER BY other_char_start", SRC)
    a, d = "MBED2040B200BF/MBED2040B225BF", "MBED3042B200BF/MBED3042B200BF6/MBED3042B200PV"
    assert [(r["quote"], r["other_quote"]) for r in got] == [(a, a), (a, a), (a, a), (d, d)]
    assert {r["kind"] for r in got} == {"within_source"}
    assert {r["subject"] for r in got} == {"sce incompatible panel list: duplicate entry"}
    assert got[0]["description"] == f"the entry {a!r} is listed 4 times (list lines 1, 2, 5, 6 of 9)"
    assert got[3]["description"] == f"the entry {d!r} is listed 2 times (list lines 7, 9 of 9)"
    assert all(r["other_source_id"] == SRC and r["char_start"] < r["other_char_start"] for r in got)
    assert len({r["char_start"] for r in got[:3]}) == 1  # each repeat names the first listing


def test_fee(db):
    (fee,) = rows(db, "SELECT * FROM fees WHERE source_id = ?", SRC)
    assert (fee["utility_id"], fee["amount"], fee["currency"], fee["per"]) == ("sce", 279.22, "USD", "site visit")
    assert fee["quote"] == "\\$279.22 per site visit"
    assert fee["text"] == "$279.22 per site visit"


def test_timelines(db):
    got = rows(db, "SELECT * FROM timelines WHERE source_id = ? ORDER BY char_start", SRC)
    assert [(t["min_value"], t["max_value"], t["unit"], t["activity"]) for t in got] == [
        (5, 10, "business days", "SCE to issue a service request"),
        (None, 30, "business days", "the site visit to install or remove the MSA"),
    ]
    assert got[0]["quote"] == "It generally takes 5 to 10 business days for SCE to issue a service request"
    assert got[1]["quote"].endswith("within 30 business days of the application submission")


def test_process_steps_and_statuses(db):
    steps = rows(db, "SELECT * FROM process_steps WHERE source_id = ? ORDER BY number", SRC)
    assert [(s["phase"], s["number"], s["title"]) for s in steps] == [
        ("A. MSA Request", 1, "Complete and Submit Request"),
        ("A. MSA Request", 2, "Submit MSA Fee"),
        ("B. MSA Reservation", 3, "SCE Screens MSA Request"),
        ("B. MSA Reservation", 4, "SCE Issues Request for Meter Technician Site Visit"),
        ("C. MSA Site Visit", 5, "Meter Technician Schedules and Completes Site Visit"),
    ]
    assert steps[2]["description"] == "SCE screens MSA request for completeness and eligibility."
    assert steps[2]["customer_activities"] == "None."
    assert steps[2]["utility_activities"] == ("Verify the program agreement and application are filled out "
                                              "correctly and that customer information matches SCE records")
    assert steps[0]["documents_required"] == ("Signed MSA Customer Agreement (available for download in "
                                              "program enrollment portal)")
    assert steps[1]["customer_activities"].split("; ")[0] == "Complete the MSA payment form and submit payment"
    assert steps[0]["quote"].startswith("1. Complete and Submit Request\t\nDescription\t")
    statuses = rows(db, "SELECT s.status, p.number FROM system_statuses s JOIN process_steps p ON p.id = s.step_id "
                        "WHERE s.source_id = ? ORDER BY p.number, s.char_start", SRC)
    assert [(s["number"], s["status"]) for s in statuses] == [
        (1, "Unsubmitted"), (2, "Unsubmitted"), (3, "Request Submitted"), (3, "Corrections Required"),
        (4, "Pending Service Order"), (5, "Service Order Issued"), (5, "Installation Complete"),
        (5, "Site Visit Unsuccessful"), (5, "Reschedule Requested"),
    ]


def test_faqs(db):
    got = rows(db, "SELECT * FROM faqs WHERE source_id = ? ORDER BY number", SRC)
    assert [f["number"] for f in got] == list(range(1, 15))
    assert got[6]["question"] == "Is an MSA permitted with overhead service?" and got[6]["answer"] == "Yes."
    assert got[9]["answer"] == "Yes, $279.22 per site visit."
    assert got[13]["question"] == "How do I request a lock ring removal if I need to perform maintenance on my MSA?"
    assert got[13]["answer"] == ("Please reach out to the SCE Interconnection Team at 800-600-6290 to request "
                                 "a lock ring removal.")
    assert got[4]["answer"].startswith("- MSA isn't left next to the meter panel")
    assert {f["utility_id"] for f in got} == {"sce"}


def test_decisions(db):
    got = rows(db, "SELECT * FROM decisions WHERE source_id = ? ORDER BY char_start", SRC)
    assert [(d["regulator"], d["decision_number"], d["decision_date"]) for d in got] == [
        ("CPUC", "21-01-018", "2021-01"), ("CPUC", "25-06-034", None),
    ]
    assert got[0]["quote"].startswith("In January 2021, the CPUC, via Decision 21-01-018, facilitated")


def test_restriction_ids_and_categories(db):
    got = {r["id"].removeprefix(R): r["category"] for r in rows(db, "SELECT * FROM restrictions WHERE source_id = ?", SRC)}
    expected = {f"eligibility-{n}": "eligibility" for n in (1, 2, 3, 4, 5, 6, "6-1", "6-2")}
    expected |= {f"installation-{n}": "installation" for n in range(1, 5)}
    expected |= {"screening-1": "screening", "screening-2": "screening"}
    expected |= {f"disqualifier-{n}": "disqualifier" for n in (*range(1, 12), "5-1", "5-2")}
    expected |= {"compatibility-1": "compatibility", "process-1": "process",
                 "faq-2": "installation", "faq-7": "permission", "faq-11": "eligibility"}
    assert got == expected


def restriction(db, local):
    (r,) = rows(db, "SELECT * FROM restrictions WHERE id = ?", R + local)
    return r


def test_justification_is_split_off_and_never_invented(db):
    r = restriction(db, "eligibility-5")
    assert r["text"] == "No liquid tight conduit is used for communication cables for isolating MSAs"
    assert r["justification"] == "communication cables have low or no voltage"
    assert r["quote"] == ("No liquid tight conduit is used for communication cables for isolating MSAs, "
                          "as communication cables have low or no voltage")
    others = rows(db, "SELECT id FROM restrictions WHERE source_id = ? AND justification IS NOT NULL", SRC)
    assert [o["id"] for o in others] == [R + "eligibility-5"]


def test_nested_items_keep_their_parent(db):
    r = restriction(db, "disqualifier-5-2")
    assert r["text"] == "Liquid-tight conduit is not used to cover energized conductors such as: 120 and 240V EV charging cable"
    assert r["quote"] == "120 and 240V EV charging cable"
    r = restriction(db, "eligibility-6-1")
    assert r["text"] == ("Liquid tight must be used to cover energized conductors, such as: Solar load-side TAP "
                         "covering 120 and 240V wiring to the A/C disconnect")
    assert (r["section"], r["utility_id"]) == ("Program Eligibility", "sce")


def test_sections_and_prose_restrictions(db):
    assert restriction(db, "screening-2")["section"] == "3. SCE Screens MSA Request"
    assert restriction(db, "installation-3")["text"] == (
        "MSA should be installed to meet manufacturer requirements (please see MSA Approved Product List)")
    assert restriction(db, "disqualifier-11")["section"] == "5. Which conditions automatically disqualify installations?"
    r = restriction(db, "process-1")
    assert r["quote"] == ("third-party contractors are not permitted to remove the utility meter to install, "
                          "uninstall, or complete maintenance on an MSA")
    assert (r["section"], r["justification"]) == ("1. Complete and Submit Request", None)
    r = restriction(db, "compatibility-1")
    assert r["text"].startswith("MSAs are not compatible with any panels that have a meter socket with double-sided clips")
    assert r["section"] == "4. Is an MSA compatible with all meter panel types?"
    assert restriction(db, "faq-11")["quote"] == "Is there an MSA available for a 400-amp service?\n\nNo."


@pytest.mark.parametrize("passage, text, reason", [
    ("A, as b", "A", "b"),
    ("Adapter may not be used on X. Concern of fault current > 22 kA.", "Adapter may not be used on X",
     "Concern of fault current > 22 kA"),
    ("Clean documents, as needed;", "Clean documents, as needed;", None),
    ("Liquid tight must be used to cover energized conductors, such as:", None, None),
])
def test_split_justification(passage, text, reason):
    head, why = split_justification(whole(passage))
    assert head.raw == (passage if text is None else text)
    assert (why.raw if why is not None else None) == reason


def test_unknown_list_fails_the_build_naming_it(kb_copy, tmp_path):
    keep_sources(kb_copy, [SRC])
    data = source_bytes(kb_copy, SRC).replace(b"Incompatible Panel Types:", b"Panels we dislike:")
    rewrite_source(kb_copy, SRC, data)
    result = CliRunner().invoke(cli, ["build", "--db", str(tmp_path / "x.db"), "--kb", str(kb_copy), "-q"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {SRC}, line 157: a dash list introduced by 'Panels we dislike:' matches no `lists` rule in "
        "extract/patterns/program_guidelines.yaml; add a rule (category, or `ignore`)"
    ]
    assert not (tmp_path / "x.db").exists()
