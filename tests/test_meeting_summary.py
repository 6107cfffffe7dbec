"""CT PURA's IWG MSA subgroup meeting summary (kind `meeting_summary`) in the built knowledge
base: Order 26's directives, the decision and meeting dates as stated (and the conflicts
between them), the data-needs table, lifespans, mentions and reviewed statements; plus the
parser on edited copies of the source (another order, consistent dates, a broken table, an
order whose docket cannot be read)."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from msakb.cli import cli
from msakb.extract.shared.text import sentences, whole
from tests.kbtools import keep_sources, rewrite_source, rows, source_bytes

SRC = "ct-pura-iwg-msa-subgroup-2025-02-06"
D = f"{SRC}/directives/order-26-item-"


def build_copy(kb, tmp_path) -> sqlite3.Connection:
    out = tmp_path / "kb.db"
    res = CliRunner().invoke(cli, ["build", "--db", str(out), "--kb", str(kb), "-q"])
    assert res.exit_code == 0, res.output
    conn = sqlite3.connect(out)
    conn.row_factory = sqlite3.Row
    return conn


def test_order_26_items(db):
    got = rows(db, "SELECT * FROM directives WHERE source_id = ? AND item > 0 ORDER BY item", SRC)
    assert [r["item"] for r in got] == [1, 2, 3, 4, 5, 6, 7, 8]
    for r in got:
        assert r["id"] == f"{D}{r['item']}"
        assert (r["regulator"], r["docket"], r["order_number"], r["due_date"], r["compliance_docket"], r["state"]) == (
            "CT PURA", "24-08-02", "26", "2025-03-31", "24-08-05", "CT")
        assert r["quote"] == r["text"]  # the item without its "(n)" marker and closing "; and"
    text = {r["item"]: r["text"] for r in got}
    assert text[1] == "a liability waiver for solar customers using MSAs"
    assert text[2] == ("a finalized list of restrictions on MSA use, with clear justification for any additional "
                       "restrictions not previously outlined in the EDCs' Order No. 32 filings")
    assert text[5] == ("an MSA allowance application, to be submitted by an MSA OEM to the EDCs for their review "
                       "and approval")
    assert text[7] == ("a list of the conditions required for a third-party other than the EDC to install, "
                       "maintain, and service an MSA")
    assert text[8].endswith("municipal inspectors, and other relevant stakeholders")


def test_consultation_is_item_0_and_its_restatements_are_citations(db):
    (r,) = rows(db, "SELECT * FROM directives WHERE id = ?", f"{D}0")
    assert r["text"] == ("The EDCs shall consult with Tesla, ConnectDER and the Interconnection Working Group in "
                         "developing the liability waiver and list of MSA use-case restrictions before submitting "
                         "their filing for the Authority's approval.")
    assert (r["order_number"], r["docket"], r["due_date"], r["rule"]) == (
        "26", "24-08-02", None, "meeting_summary:order:further_requirement")
    cites = {c["row_id"]: c["quote"] for c in rows(
        db, "SELECT * FROM citations WHERE table_name = 'directives' AND source_id = ?", SRC)}
    assert set(cites) == {f"{D}0", f"{D}6"}
    assert cites[f"{D}0"].startswith("Aileen Cole (GPI) reminded the group that under Order 26")
    assert "“any comments from the State Building Inspector”" in cites[f"{D}6"]


def test_decision_dates_as_stated(db):
    got = [(r["decision_date"], r["docket"], r["regulator"], r["quote"])
           for r in rows(db, "SELECT * FROM decisions WHERE source_id = ? ORDER BY char_start", SRC)]
    assert got == [
        ("2025-10-16", "24-08-02", "CT PURA", "PURA's [October 16, 2025 Decision](#) in Docket 24-08-02"),
        ("2024-10-16", None, "CT PURA", "Order 26 from PURA's October 16, 2024 Decision"),
        ("2024-10-16", "24-08-02", "CT PURA", "PURA’s October 16, 2024 Decision in Docket No. 24-08-02, Order 26"),
        ("2023-11-01", "23-08-02", "CT PURA", "Order 32 in PURA’s November 1, 2023, Decision in Docket No. 23-08-02"),
    ]


def test_conflicts_recorded_not_fixed(db):
    got = {r["subject"]: r for r in rows(db, "SELECT * FROM conflicts WHERE source_id = ?", SRC)}
    assert set(got) == {"PURA decision in Docket 24-08-02: date", "MSA Subgroup Meeting of February 6: date"}
    dec = got["PURA decision in Docket 24-08-02: date"]
    assert (dec["kind"], dec["quote"], dec["other_source_id"], dec["other_quote"]) == (
        "within_source", "PURA's [October 16, 2025 Decision](#) in Docket 24-08-02", SRC,
        "PURA’s October 16, 2024 Decision in Docket No. 24-08-02, Order 26")
    meet = got["MSA Subgroup Meeting of February 6: date"]
    assert (meet["kind"], meet["quote"], meet["other_quote"]) == (
        "within_source", "February 6, 2024, meeting", "February 6, 2025 | 11:00am–12:00pm EST")
    text = db.execute("SELECT text FROM sources WHERE id = ?", (SRC,)).fetchone()[0]
    for r in got.values():
        assert text[r["other_char_start"]:r["other_char_end"]] == r["other_quote"]


def test_data_needs(db):
    got = rows(db, "SELECT * FROM data_needs WHERE source_id = ? ORDER BY id", SRC)
    assert [r["responsible_party"] for r in got] == ["ConnectDER/Tesla"] * 5 + ["EDCs"]
    assert {r["identified"] for r in got} == {"1/14"} and {r["state"] for r in got} == {"CT"}
    assert got[3]["need"] == "Expected lifespan of MSA device"
    # The third row's response goes on after a blank line (a page break inside the cell).
    assert got[2]["response"].endswith(
        "then conduct socket inspection and meter installation), and in Exelon utilities (MD, DE, DC), electrician "
        "signs a terms and conditions sheet indicating that they understand how to safely remove and reinstall a meter.")
    assert "<p>" not in got[2]["response"] and "\n\n\t\tin Exelon" in got[2]["quote"]


def test_lifespans(db):
    got = [(r["manufacturer"], r["device_id"], r["min_years"], r["max_years"], r["quote"])
           for r in rows(db, "SELECT * FROM lifespans WHERE source_id = ? ORDER BY char_start", SRC)]
    # device_id stays null: ConnectDER makes three families in the gazetteer, Tesla's "device" names none
    assert got == [("ConnectDER", None, 15.0, None, "ConnectDER device: Minimum 15 years"),
                   ("Tesla", None, 20.0, None, "Tesla device: 20+ years")]


def test_state_and_utilities_named(db):
    named = {r["row_id"] for r in rows(db, "SELECT row_id FROM citations WHERE source_id = ?", SRC)}
    for table, key, col in (("states", "CT", "code"), ("utilities", "eversource-ct", "id"), ("utilities", "ui", "id")):
        (r,) = rows(db, f"SELECT * FROM {table} WHERE {col} = ?", key)
        assert r["source_id"] == SRC or key in named, (table, key)
    assert rows(db, "SELECT state FROM utilities WHERE id IN ('eversource-ct', 'ui')") == [{"state": "CT"}] * 2


def test_reviewed_statements(db):
    got = {r["id"].rsplit("/", 1)[1]: r for r in rows(db, "SELECT * FROM statements WHERE source_id = ?", SRC)}
    assert {"resale-1", "resale-2", "failure_contact-1", "failure_contact-2", "failure_contact-3",
            "failure_risk-1", "rres_diagrams-1", "rres_diagrams-2"} <= set(got)
    assert got["resale-1"]["topic"] == "resale" and got["resale-1"]["utility_id"] == "eversource-ct"
    assert "issue a rush service" in got["failure_contact-2"]["quote"]
    assert "contact Tesla, not their utility?" in got["failure_contact-3"]["quote"]


def test_sentences_keep_offsets():
    text = "26. No later than March 31, 2025, file in Docket No. 24-08-05. Then stop.\n- a. Eversource said so."
    got = [s.raw for s in sentences(whole(text))]
    assert got == ["No later than March 31, 2025, file in Docket No. 24-08-05.", "Then stop.", "Eversource said so."]


ANOTHER_ORDER = """
Order 12 in PURA's May 5, 2025 Decision in Docket 25-01-01 is quoted below.

12. By June 30, 2026, the EDCs shall file the following as a compliance filing in Docket No. 25-01-09:

- (1) a revised MSA tariff; and*
- (2) a customer notice.*
"""


def test_another_order_and_consistent_dates(kb_copy, tmp_path):
    keep_sources(kb_copy, ["sce-approved-products-2026-04-12", SRC])
    text = source_bytes(kb_copy, SRC).decode("utf-8")
    text = text.replace("October 16, 2025 Decision", "October 16, 2024 Decision").replace(
        "February 6, 2024, meeting", "February 6, 2025, meeting") + ANOTHER_ORDER
    rewrite_source(kb_copy, SRC, text.encode("utf-8"))
    conn = build_copy(kb_copy, tmp_path)
    assert rows(conn, "SELECT id FROM conflicts WHERE source_id = ?", SRC) == []
    got = rows(conn, "SELECT item, text, docket, due_date, compliance_docket FROM directives "
                     "WHERE order_number = '12' ORDER BY item")
    assert got == [
        {"item": 1, "text": "a revised MSA tariff", "docket": "25-01-01", "due_date": "2026-06-30",
         "compliance_docket": "25-01-09"},
        {"item": 2, "text": "a customer notice", "docket": "25-01-01", "due_date": "2026-06-30",
         "compliance_docket": "25-01-09"},
    ]
    assert conn.execute("SELECT count(*) FROM directives WHERE order_number = '26'").fetchone()[0] == 9


def test_data_needs_table_without_party_column_fails_clearly(kb_copy, tmp_path):
    keep_sources(kb_copy, [SRC])
    text = source_bytes(kb_copy, SRC).decode("utf-8").replace("\tResponsible Party\t", "\tOwner\t")
    rewrite_source(kb_copy, SRC, text.encode("utf-8"))
    res = CliRunner().invoke(cli, ["build", "--db", str(tmp_path / "x.db"), "--kb", str(kb_copy), "-q"])
    assert res.exit_code == 1
    assert "data-needs table without a responsible_party column" in res.output
    assert SRC in res.output and not (tmp_path / "x.db").exists()


def test_order_without_a_named_regulator_fails_clearly(kb_copy, tmp_path):
    keep_sources(kb_copy, [SRC])
    text = source_bytes(kb_copy, SRC).decode("utf-8").replace("PURA's", "the").replace("PURA’s", "the")
    rewrite_source(kb_copy, SRC, text.encode("utf-8"))
    res = CliRunner().invoke(cli, ["build", "--db", str(tmp_path / "x.db"), "--kb", str(kb_copy), "-q"])
    assert res.exit_code == 1
    assert res.output.strip() == (
        f"Error: {SRC}, line 17: Order 26 is quoted but no \"<Regulator>'s <date> Decision\" names its regulator; "
        "set `options: {regulator: ...}` in the manifest")



def broken_build(kb, tmp_path, passage: str, broken: str) -> tuple[int, str]:
    """The exit status and output of a build of the summary with `passage` replaced by
    `broken`, over a good build's database, which must be left as it was."""
    keep_sources(kb, [SRC])
    db = tmp_path / "msakb.db"
    assert CliRunner().invoke(cli, ["build", "--db", str(db), "--kb", str(kb), "-q"]).exit_code == 0
    before = db.read_bytes()
    text = source_bytes(kb, SRC).decode("utf-8")
    assert text.count(passage) == 1
    rewrite_source(kb, SRC, text.replace(passage, broken).encode("utf-8"))
    res = CliRunner().invoke(cli, ["build", "--db", str(db), "--kb", str(kb), "-q"])
    assert db.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".msakb.db.tmp")] == []
    return res.exit_code, res.output.strip()


NO_DOCKET = (f"Error: {SRC}, line 17: Order 26 names no docket the parser can read{{hint}}; write its Decision's "
             "docket as 'Docket NN-NN-NN' in the order's first line or in a line above it that names the Decision, "
             "then update the file's sha256 in the manifest")


@pytest.mark.parametrize("broken, hint", [
    # markup copied from a web page splits the docket's number from the word
    ("in Docket 24-08-02</b> contains", " (line 13 has 'Docket 24-08-02</b>', which is not one)"),
    ("contains", ""),  # no docket at all
])
def test_order_without_a_readable_docket_fails_clearly(kb_copy, tmp_path, broken, hint):
    got = broken_build(kb_copy, tmp_path, "in Docket 24-08-02 contains", broken)
    assert got == (1, NO_DOCKET.format(hint=hint))


@pytest.mark.parametrize("broken", ["- (3) ;*", "- (3) <b></b>;*"])
def test_order_item_without_words_fails_clearly(kb_copy, tmp_path, broken):
    item = "- (3) clean and redlined Program documents, including updated RRES wiring diagrams, as needed;*"
    assert broken_build(kb_copy, tmp_path, item, broken) == (1, (
        f"Error: {SRC}, line 21: item (3) of Order 26 has no text after its number; write the item's words as the "
        "order states them, then update the file's sha256 in the manifest"))
