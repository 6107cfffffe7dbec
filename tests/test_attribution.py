"""Who states each fact and whom it binds (issue 11), on the real corpus: every row's voice,
speaker and attribution; no third party's statement passes as a utility's or a state's rule, in
the tables or the canned queries; a party's own statement outranks a report; and the data errors
the issue found (1-6), each as a regression test."""

from __future__ import annotations

import json
import sqlite3
import urllib.parse

import pytest
from click.testing import CliRunner

from msakb.cli import cli
from msakb.db.pipeline.attribution import source_voices
from msakb.db.pipeline.resolve import resolve
from msakb.db.pipeline.sources import parse_sources
from msakb.db.store.models import ATTRIBUTION, ATTRIBUTIONS, FACT_TABLES, PROVENANCE, VOICES
from msakb.knowledge.annotations import load_annotations
from msakb.knowledge.gazetteer import load_gazetteer
from msakb.web.serve import load_metadata
from tests.kbtools import KB, REPO, datasette_pages, db_rows, manifest, write_manifest

GUIDE, LIST, MEETING, DECK, ARTICLE = (
    "sce-msa-program-guidelines-2025", "sce-approved-products-2026-04-12", "ct-pura-iwg-msa-subgroup-2025-02-06",
    "tesco-nysemec-msa-deck-2026-03-18", "kilowire-connectder-ev-article")
THIRD_PARTIES = {"working_group", "industry", "manufacturer", "installer"}
BINDING = {"legislature", "regulator", "utility"}


def fetch(db, paths: list[str]) -> dict[str, list[dict]]:
    """Each path's rows as JSON (`_shape=array`, every row), from the Datasette `msakb serve`
    makes of `db`, through its in-process client."""
    asked = {p: p + ("&" if "?" in p else "?") + "_shape=array&_size=max" for p in paths}
    pages = datasette_pages(db, REPO / "web", list(asked.values()))
    return {p: json.loads(pages[q]) for p, q in asked.items()}


def binds(table: str, row: dict) -> tuple[str | None, str | None]:
    """The utility and the state a row (of a table or a canned query) binds or is about."""
    utility = row.get("id") if table == "utilities" else row.get("utility_id")
    state = row.get("code") if table == "states" else row.get("state")
    return utility, state


def assert_attributed(where: str, table: str, row: dict, speakers_of: dict[str, set[str]]) -> None:
    """The attribution rule for one row: a known voice and attribution; an order is a
    regulator's or legislature's; a row bound to a utility or a state stated by a working
    group, the industry, a manufacturer or an installer is a report; a utility's own row is
    spoken by that utility."""
    voice, attribution = row["voice"], row["attribution"]
    assert voice in VOICES and attribution in ATTRIBUTIONS and row["speaker"], (where, row)
    if attribution == "order":
        assert voice in ("regulator", "legislature"), (where, row)
    utility, state = binds(table, row)
    if (utility or state) and voice in THIRD_PARTIES:
        assert attribution == "report", (where, row)
    if attribution == "own" and voice == "utility" and utility:
        assert row["speaker"] in speakers_of[utility], (where, row)


@pytest.fixture(scope="module")
def speakers_of() -> dict[str, set[str]]:
    """utility id -> the names it goes by (gazetteer name and spellings)."""
    gaz = load_gazetteer(str(KB / "gazetteer"))
    out = {uid: {u["name"]} for uid, u in gaz.utilities.items()}
    for alias, uid in gaz.utility_alias.items():
        out[uid].add(alias)
    return out


# --- every row ---------------------------------------------------------------------------------


def test_every_fact_table_ends_with_attribution_then_provenance(built_db):
    conn = sqlite3.connect(built_db)
    for table in FACT_TABLES:
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]
        assert cols[-8:] == [*ATTRIBUTION, *PROVENANCE], table
    conn.close()


def test_no_third_party_row_is_a_utility_or_state_rule(built_db, speakers_of):
    """Every row of every fact table and view, exhaustively (a few thousand rows: a loop is
    cheaper and surer than sampling)."""
    conn = sqlite3.connect(built_db)
    conn.row_factory = sqlite3.Row
    names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")]
    checked = reported = 0
    for name in names:
        cols = {r[1] for r in conn.execute(f"PRAGMA table_info([{name}])")}
        if not {"voice", "attribution"} <= cols:
            continue
        table = name.removeprefix("current_")
        for r in conn.execute(f"SELECT * FROM [{name}]"):
            row = dict(r)
            assert_attributed(name, table, row, speakers_of)
            checked += 1
            reported += bool(any(binds(table, row)) and row["voice"] in THIRD_PARTIES)
        if name in FACT_TABLES:
            assert {r[0] for r in conn.execute(f"SELECT DISTINCT typeof(voice) FROM [{name}]")} <= {"text"}
    conn.close()
    assert checked > 700 and reported > 50  # the rule had rows to hold for (candidates: one per statement now)


def test_a_utilitys_rows_carry_its_state(built_db):
    conn = sqlite3.connect(built_db)
    state = dict(conn.execute("SELECT id, state FROM utilities"))
    n = 0
    for table, model in FACT_TABLES.items():
        if {"utility_id", "state"} <= set(model.model_fields):
            for uid, code in conn.execute(f"SELECT utility_id, state FROM [{table}] WHERE utility_id IS NOT NULL"):
                assert code == state[uid], (table, uid, code)
                n += 1
    conn.close()
    assert n > 150


def test_canned_queries_list_own_rules_first_and_reports_apart(built_db, speakers_of):
    """Every canned query, with each utility, category and device of the corpus: each row says
    who states it, no report passes as a rule, and within a utility (a category, a device) the
    own statements and orders come before the reports."""
    conn = sqlite3.connect(built_db)
    utilities = [u for (u,) in conn.execute("SELECT id FROM utilities")]
    categories = [c for (c,) in conn.execute("SELECT DISTINCT category FROM restrictions")]
    devices = [d for (d,) in conn.execute("SELECT id FROM devices")]
    conn.close()
    queries = load_metadata()["databases"]["msakb"]["queries"]
    params = {"utility": ["", *utilities], "category": ["", *categories], "device": devices,
              "every_utility": [""], "framework_status": [""], "model": [""], "kind": [""], "state": [""]}
    paths = []
    for name, q in queries.items():
        asked = q.get("params", [])
        varying = next((p for p in asked if len(params[p]) > 1), None)
        for value in params[varying] if varying else [""]:
            args = {p: (value if p == varying else params[p][0]) for p in asked}
            paths.append(f"/msakb/{name}.json?" + urllib.parse.urlencode(args))
    got = fetch(built_db, paths)
    grouping = {"utility_allows": "utility", "restrictions_by_category": "category", "oem_matrix": "device",
                "incompatible_panels": "utility"}
    rows_seen = 0
    for path, found in got.items():
        name = path.split("/")[2].split(".")[0]
        for row in found:
            assert "attribution" in row and "speaker" in row, (name, list(row))
            if row["attribution"] is None:  # oem_matrix's "no statement" rows
                continue
            table = "states" if name == "states_by_framework" else name
            assert_attributed(name, table, row, speakers_of)
            rows_seen += 1
        if name in grouping:
            rank = {}
            for row in found:
                if row["attribution"] is not None:
                    rank.setdefault(row[grouping[name]], []).append(row["attribution"] == "report")
            assert all(ranks == sorted(ranks) for ranks in rank.values()), path
    assert rows_seen > 300


# --- precedence --------------------------------------------------------------------------------


def test_a_partys_own_statement_outranks_a_report_in_any_order():
    """SCE's own statement of its installation model is the row whichever record comes first:
    resolving the corpus's records backwards, the row is still one of SCE's own two statements
    (the first of them read), the reports its citations, KiloWire's the conflict's other side."""
    docs, records, _ = parse_sources(KB, lambda s: None)
    records += load_annotations(KB / "annotations", {d.id: d.text for d in docs})
    gaz = load_gazetteer(str(KB / "gazetteer"))
    voices = source_voices(docs, gaz)
    sce = [r for r in records if r.table == "utilities" and r.key == "sce"]
    forward, backward = resolve(sce, gaz, voices), resolve(sce[::-1], gaz, voices)
    for out in (forward, backward):
        (row,) = out["utilities"]
        assert (row["source_id"], row["attribution"], row["installation_model"]) == (GUIDE, "own", "utility")
    reports = lambda out: sorted((c["source_id"], c["quote"]) for c in out["citations"] if c["attribution"] == "report")  # noqa: E731
    assert reports(forward) == reports(backward) and {s for s, _ in reports(forward)} == {DECK, ARTICLE}
    assert [(c["source_id"], c["other_source_id"]) for c in forward["conflicts"]] == [(GUIDE, ARTICLE)]
    # read backwards, KiloWire's report is met first and the deck's disagrees with it too
    assert {(c["source_id"], c["other_source_id"]) for c in backward["conflicts"]} == {(GUIDE, ARTICLE), (ARTICLE, DECK)}


def test_a_third_partys_passage_cannot_be_made_a_utilitys_own_rule(kb_copy, tmp_path):
    """An annotation that calls KiloWire's report SCE's own rule fails the build, naming the
    row and why; the database already built is untouched."""
    db = tmp_path / "kb.db"
    assert CliRunner().invoke(cli, ["build", "--db", str(db), "--kb", str(kb_copy), "-q"]).exit_code == 0
    before = db.read_bytes()
    path = kb_copy / "annotations" / "kilowire-article.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("attribution: report", "attribution: own"),
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "--db", str(db), "--kb", str(kb_copy), "-q"])
    assert (result.exit_code, result.output) == (1, (
        f"Error: {ARTICLE}, annotation:kilowire-article.yaml#1: utilities row 'sce' is stated by KiloWire "
        "(installer) about sce, so it is a report, not 'own': a third party's account of a utility's or a "
        "state's rule never passes as that rule\n"))
    assert db.read_bytes() == before


def test_a_manifest_speaker_names_who_speaks_and_a_changed_voice_rebuilds_in_full(kb_copy, tmp_path):
    db = tmp_path / "kb.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["build", "--db", str(db), "--kb", str(kb_copy), "-q"]).exit_code == 0
    data = manifest(kb_copy)
    deck = next(s for s in data["sources"] if s["id"] == DECK)
    deck["speaker"] = "TESCO Metering (Dan Falcone)"
    write_manifest(kb_copy, data)
    result = runner.invoke(cli, ["build", "--db", str(db), "--kb", str(kb_copy)])
    assert result.exit_code == 0, result.output
    assert "full build: a source's voice or speaker changed" in result.output
    speakers = db_rows(db, "SELECT DISTINCT speaker FROM states")
    assert speakers == [{"speaker": "TESCO Metering (Dan Falcone)"}]
    # PSE&G's requirements the deck reproduces are still PSE&G's word
    assert db_rows(db, "SELECT DISTINCT speaker, attribution FROM restrictions WHERE utility_id = 'pseg'") == [
        {"speaker": "Public Service Electric and Gas", "attribution": "own"}]


# --- the data errors of issue 11 ---------------------------------------------------------------


def test_1_a_rebate_program_reported_by_an_installer_is_no_sce_eligibility_rule(db, built_db):
    (row,) = [dict(r) for r in db.execute("SELECT * FROM restrictions WHERE quote LIKE '%Charge Ready Home program requires%'")]
    assert (row["utility_id"], row["category"], row["voice"], row["speaker"], row["attribution"]) == (
        "sce", "rebate_program", "installer", "KiloWire", "report")
    path = "/msakb/restrictions_by_category.json?category=eligibility&utility="
    found = fetch(built_db, [path])[path]
    assert found[0]["attribution"] == "own" and found[0]["speaker"] == "Southern California Edison"
    assert ARTICLE not in {r["source_id"] for r in found}


def test_2_an_installers_california_sentences_bind_no_utility(db, built_db):
    stated = {r["quote"][:40]: dict(r) for r in db.execute(
        "SELECT * FROM restrictions WHERE source_id = ? AND utility_id IS NULL", (ARTICLE,))}
    assert set(stated) == {"And it requires a licensed, authorized i", "The installation does require a permit i"}
    assert {(r["state"], r["voice"], r["speaker"], r["attribution"]) for r in stated.values()} == {
        ("CA", "installer", "KiloWire", "report")}
    # PG&E's list: its own word (none in the corpus) first, then what others report, each named
    path = "/msakb/utility_allows.json?utility=pge"
    found = fetch(built_db, [path])[path]
    from_article = [r for r in found if r["source_id"] == ARTICLE]
    assert len(from_article) == 2 and {(r["part"], r["attribution"], r["speaker"]) for r in from_article} == {
        ("state-wide restriction", "report", "KiloWire")}
    assert all(r["attribution"] == "report" for r in found)  # PG&E states nothing of its own here


def test_3_restrictions_of_california_include_sces_own(db, built_db):
    path = "/msakb/restrictions.json?state=CA"
    found = fetch(built_db, [path])[path]
    own = [r for r in found if r["utility_id"] == "sce" and r["attribution"] == "own"]
    assert len(own) == 18 + 32 and {r["source_id"] for r in own} == {LIST, GUIDE}
    assert len(found) == len(own) + 5 + 2  # KiloWire's 5 reports; the TESCO deck's 2 about PG&E
    assert db.execute("SELECT count(*) FROM restrictions WHERE utility_id IS NOT NULL AND state IS NULL").fetchone()[0] == 0


def test_4_sces_own_guidelines_state_its_installation_model(db):
    (sce,) = [dict(r) for r in db.execute("SELECT * FROM utilities WHERE id = 'sce'")]
    assert (sce["installation_model"], sce["source_id"], sce["voice"], sce["speaker"], sce["attribution"], sce["quote"]) == (
        "utility", GUIDE, "utility", "Southern California Edison", "own",
        "All MSA installations and removals will be completed by an SCE meter technician.")
    cites = {(r["source_id"], r["quote"], r["attribution"]) for r in db.execute(
        "SELECT * FROM citations WHERE table_name = 'utilities' AND row_id = 'sce'")}
    assert (GUIDE, "No. An SCE meter technician must install or remove the MSA.", "own") in cites
    assert (DECK, "SCE", "report") in cites  # the deck's "CA – SCE PGE SDGE" under Utility Model
    assert (ARTICLE, "Installation: ConnectDER adapter installed at meter socket", "report") in cites


def test_4_a_reviewed_conflict_is_also_found_by_rule(db):
    """kb/conflicts/reviewed.yaml's one conflict (KiloWire's installer installing the adapter
    against SCE's meter technicians) is found by the build's rule too: the same two sources, the
    same KiloWire passage, and on SCE's side a statement of the same fact (the reviewed one
    quotes FAQ 2, a citation of the row the rule quotes)."""
    (reviewed,) = [dict(r) for r in db.execute("SELECT * FROM conflicts WHERE id LIKE 'conflict/reviewed/%'")]
    ruled = [dict(r) for r in db.execute("SELECT * FROM conflicts WHERE rule NOT LIKE 'kb/conflicts/%' "
                                         "AND kind = 'across_sources'")]
    (found,) = [c for c in ruled if {c["source_id"], c["other_source_id"]} == {reviewed["source_id"], reviewed["other_source_id"]}]
    assert (found["rule"], found["subject"]) == ("resolve:utilities.installation_model", "utilities sce: installation_model")
    assert (found["other_quote"], found["other_speaker"], found["other_attribution"]) == (
        reviewed["quote"], "KiloWire", "report")
    statements = {(r["source_id"], r["char_start"]) for r in db.execute(
        "SELECT source_id, char_start FROM utilities WHERE id = 'sce' UNION ALL "
        "SELECT source_id, char_start FROM citations WHERE table_name = 'utilities' AND row_id = 'sce'")}
    assert (found["source_id"], found["char_start"]) in statements
    assert (reviewed["other_source_id"], reviewed["other_char_start"]) in statements
    assert (found["speaker"], found["attribution"]) == ("Southern California Edison", "own")


def test_5_vendors_answers_are_their_own_word_and_eversources_model_a_report(db):
    lifespans = {r["manufacturer"]: dict(r) for r in db.execute("SELECT * FROM lifespans")}
    assert {m: (r["voice"], r["speaker"], r["attribution"], r["quote"]) for m, r in lifespans.items()} == {
        "ConnectDER": ("manufacturer", "ConnectDER", "own", "ConnectDER device: Minimum 15 years"),
        "Tesla": ("manufacturer", "Tesla", "own", "Tesla device: 20+ years")}
    # nothing the CT meeting records binds SCE or PSE&G, and no vendor's word there binds anyone
    assert db.execute("SELECT count(*) FROM restrictions WHERE source_id = ?", (MEETING,)).fetchone()[0] == 0
    vendors = [dict(r) for r in db.execute("SELECT * FROM statements WHERE voice = 'manufacturer'")]
    assert len(vendors) == 6 and {(r["attribution"], r["state"]) for r in vendors} == {("report", "CT")}
    (ev,) = [dict(r) for r in db.execute("SELECT * FROM utilities WHERE id = 'eversource-ct'")]
    assert (ev["installation_model"], ev["attribution"], ev["speaker"], ev["source_id"]) == (
        "installer", "report", "TESCO Metering", DECK)
    order = {(r["voice"], r["speaker"], r["attribution"]) for r in db.execute(
        "SELECT * FROM directives WHERE source_id = ?", (MEETING,))}
    assert order == {("regulator", "CT PURA", "order")}


def test_6_every_framework_status_says_the_industry_deck_reports_it(db, built_db):
    stated = [dict(r) for r in db.execute("SELECT * FROM states WHERE framework_status IS NOT NULL")]
    assert len(stated) == 21
    assert {(r["voice"], r["speaker"], r["attribution"], r["source_id"]) for r in stated} == {
        ("industry", "TESCO Metering", "report", DECK)}
    paths = ["/msakb/states_by_framework.json?framework_status=", "/msakb/oem_matrix.json?device=Tesla&every_utility="]
    got = fetch(built_db, paths)
    framework = [r for r in got[paths[0]] if r["framework_status"] != "not stated"]
    assert len(framework) == 21 and {(r["attribution"], r["speaker"]) for r in framework} == {("report", "TESCO Metering")}
    ca = [r for r in got[paths[1]] if r["state"] == "CA"]
    assert ca and {(r["state_framework"], r["state_framework_attribution"], r["state_framework_speaker"]) for r in ca} == {
        ("existing", "report", "TESCO Metering")}
