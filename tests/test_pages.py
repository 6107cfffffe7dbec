"""The pages people start from, over HTTP from the real `msakb serve`: /state/<XX>,
/utility/<id>, /device/<id> and their JSON twins with exact facts of the seed corpus; every
spelling the gazetteer knows finding the same rows; the .ics and Atom feeds parsing; table,
query and CSV cells free of the sources' markup; the canned-query fixes of issue 14."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from urllib.parse import quote, urlencode

import pytest

from msakb.web.pages.readable import plain_text
from msakb.web.pages.tilemap import GRID, NAMES
from tests.site_server import serve_copy

TESLA = "tesla-backup-switch-1624171-xx-y"
ENPHASE = "enphase-mc-200-011-v01"
RAW_MARKUP = re.compile(r"&lt;/?(?:b|a|sup|p)\b|\*\*")


@pytest.fixture(scope="module")
def server(built_db, tmp_path_factory):
    srv, _ = serve_copy(built_db, tmp_path_factory.mktemp("pages"))
    yield srv
    srv.stop()


def text(server, path: str) -> str:
    status, body = server.get(path)
    assert status == 200, f"GET {path}: HTTP {status}"
    return body.decode("utf-8")


def rows(server, path: str, **params) -> list[dict]:
    return server.json(f"{path}.json?" + urlencode({**params, "_shape": "array"}))


def test_state_page_json_twin(server):
    ca = server.json("/state/CA.json")
    assert (ca["name"], ca["state"]["framework_status"], ca["state"]["speaker"]) == (
        "California", "existing", "TESCO Metering")
    assert ca["state"]["attribution"] == "report" and ca["state"]["passage"].startswith("/msakb/passage?source_id=")
    by_id = {u["id"]: u for u in ca["utilities"]}
    assert set(by_id) == {"sce", "pge", "sdge", "ladwp"}
    assert (by_id["sce"]["approved"], by_id["sce"]["pilot"]) == (2, 5)
    assert [d["id"] for d in by_id["pge"]["approved_devices"]] == [ENPHASE, TESLA]
    assert by_id["ladwp"]["installation_model"] is None
    ct = server.json("/state/CT.json")
    due = [d for d in ct["directives"] if d["due_date"]]
    assert len(due) == 8 and {d["due_date"] for d in due} == {"2025-03-31"}
    assert ct["summary"]["directives"] == 9


def test_state_pages_for_every_tile(server):
    assert set(GRID) == set(NAMES) and "DC" in GRID and len([c for c in GRID if c not in ("DC", "PR")]) == 50
    wyoming = text(server, "/state/WY")
    assert "The knowledge base holds nothing on Wyoming: no source names it." in wyoming
    status, _ = server.get("/state/ZZ")
    assert status == 404
    ct = text(server, "/state/ct")
    assert "status unknown: no source in the knowledge base says whether it was met" in ct
    assert 'href="/msakb/directive_due_dates.ics?state=CT"' in ct


def test_utility_page_directives_of_its_group_and_editions(server):
    ev = server.json("/utility/eversource-ct.json")
    items = sorted(d["item"] for d in ev["directives"])
    assert items == list(range(9)) and {d["regulator"] for d in ev["directives"]} == {"CT PURA"}
    sce = server.json("/utility/sce.json")
    assert [(e["source_id"], e["current"]) for e in sce["editions"]] == [("sce-approved-products-2026-04-12", True)]
    tesla = [a for a in sce["editions"][0]["approvals"] if a["device_id"] == TESLA]
    assert sorted((a["technology"], [[r["name"] for r in o] for o in a["required"]]) for a in tesla) == [
        ("Battery Energy Storage", [["Tesla Powerwall +"], ["Tesla Powerwall 3"]]),
        ("Electric Vehicle", [["Tesla Cybertruck", "Tesla Gateway 3V"]]),
    ]
    assert len(sce["panels"]) == 10 and len(sce["rules"]) > 0
    page = text(server, "/utility/sce")
    assert "Only one edition of this list is in the knowledge base" in page


def test_device_page_json_twin(server):
    dev = server.json(f"/device/{TESLA}.json")
    said = sorted((a["utility_id"], a["status"], a["technology"]) for a in dev["approvals"])
    assert said == [("pge", "approved", None), ("sce", "approved", "Battery Energy Storage"),
                    ("sce", "approved", "Electric Vehicle")]
    assert dev["map_status"]["CA"] == "approved" and dev["map_status"]["NJ"] == "not_listed"
    assert [s["code"] for s in dev["not_listed_states"]] == ["NJ"]
    # PG&E's approval reaches us only through TESCO's deck: the map says so, never PG&E's word
    assert re.fullmatch(r"approved \(according to Pacific Gas and Electric as reported by TESCO Metering, "
                        r"Southern California Edison; \d+ utilities of the state in the knowledge base\)",
                        dev["map_notes"]["CA"]), dev["map_notes"]["CA"]
    family = server.json("/device/connectder-ev.json")
    vias = sorted((a["device_id"], a["via"]) for a in family["approvals"])
    assert vias[0] == ("connectder-ev", "this model") and {v for _, v in vias[1:]} == {"member model"}


@pytest.mark.parametrize("spelling, page", [
    ("PSE&G", "/utility/pseg"), ("pse&g", "/utility/pseg"), ("Public Service Electric and Gas", "/utility/pseg"),
    ("SCE", "/utility/sce"), ("PG&E", "/utility/pge"),
])
def test_utility_spellings_open_the_same_page(server, spelling, page):
    assert server.json(f"/utility/{quote(spelling, safe='')}.json")["utility"]["id"] == page.rsplit("/", 1)[1]


def test_alias_search_everywhere(server):
    assert server.json("/device/" + quote("IQ Collar") + ".json")["device"]["id"] == ENPHASE
    assert server.json("/device/" + quote("enphase iq collar") + ".json")["device"]["id"] == ENPHASE
    found = server.json("/find.json?q=" + quote("tesla backup switch"))["matches"]
    assert [(m["kind"], m["id"]) for m in found] == [("device", TESLA)]
    # canned-query parameters: any spelling, any case
    assert rows(server, "/msakb/approval_history", utility="pg&e") == []  # PG&E publishes no list of its own here
    assert {r["utility_id"] for r in rows(server, "/msakb/approval_history", utility="SCE")} == {"sce"}
    # table search: a utility's or device's other names are searchable
    assert [r["id"] for r in rows(server, "/msakb/utilities", _search="PSE&G")] == ["pseg"]
    assert [r["id"] for r in rows(server, "/msakb/devices", _search="IQ Collar")] == [ENPHASE]


def test_ics_of_due_dates_parses(server):
    from ics import Calendar

    body = text(server, "/msakb/directive_due_dates.ics")
    assert body.startswith("BEGIN:VCALENDAR")
    calendar = Calendar(body)
    assert len(calendar.events) == 8
    assert {e.begin.date().isoformat() for e in calendar.events} == {"2025-03-31"}
    assert text(server, "/msakb/directive_due_dates.ics?state=CA").count("BEGIN:VEVENT") == 0


def test_atom_feed_parses(server):
    feed = ET.fromstring(text(server, "/msakb/approval_changes_feed.atom"))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert feed.find("a:title", ns).text == "Changes to utilities' approved lists"
    titles = [e.find("a:title", ns).text for e in feed.findall("a:entry", ns)]
    assert titles == ["Southern California Edison: Meter Socket Adapter Approved Product List, edition of 2026-04-12"]


TABLE_PAGES = ["/msakb/restrictions?_size=max", "/msakb/approvals", "/msakb/manufacturers", "/msakb/definitions",
               "/msakb/candidates?_size=max", "/msakb/utility_allows?utility=sce", "/msakb/specs?_size=max",
               "/msakb/conflicts_side_by_side"]


@pytest.mark.parametrize("path", TABLE_PAGES)
def test_no_raw_tags_in_cells(server, path):
    cells = re.findall(r"<td[^>]*>(.*?)</td>", text(server, path), re.S)
    assert cells and [c for c in cells if RAW_MARKUP.search(c)] == []


def test_csv_reads_as_text_and_json_keeps_the_quote(server):
    for path in ("/msakb/restrictions.csv?_size=max", "/msakb/restrictions.csv?_stream=on"):
        table = list(csv.reader(io.StringIO(text(server, path))))
        header = table[0]
        assert len(table) == 1 + len(rows(server, "/msakb/restrictions", _size="max"))
        assert not [c for r in table for c in r if "<sup>" in c or "**" in c or "<b>" in c]
        quotes = {r[header.index("id")]: r[header.index("quote")] for r in table[1:]}
        stored = {r["id"]: r["quote"] for r in rows(server, "/msakb/restrictions", _size="max")}
        assert quotes == {k: plain_text(v) for k, v in stored.items()}
        assert any("<sup>" in v for v in stored.values())


def test_sources_table_lists_documents_with_a_link_to_read(server):
    page = text(server, "/msakb/sources")
    assert "read the text" in page and "RRES" not in page  # no source's text in the list
    one = text(server, "/msakb/sources/sce-approved-products-2026-04-12")
    assert '<h2 id="text">Text</h2>' in one and 'href="http://sce.com/msa"' in one


def test_canned_query_pages_titled_and_deadlines_with_status(server):
    page = text(server, "/msakb/regulatory_deadlines")
    assert "<title>Regulatory deadlines</title>" in page and "Custom SQL query" not in page
    deadlines = rows(server, "/msakb/regulatory_deadlines")
    assert {r["status"].split(":")[0] for r in deadlines} == {"unknown"}
    assert "no source in the knowledge base says whether it was met" in deadlines[0]["status"]
    history = rows(server, "/msakb/approval_history")
    assert [(r["utility_id"], r["change"]) for r in history] == [
        ("sce", "only one edition in the knowledge base: nothing to compare")]
    columns = list(rows(server, "/msakb/conflicts_side_by_side")[0])
    assert columns[:3] == ["subject", "quote", "other_quote"]


PROVENANCE = ("source_id", "quote", "char_start", "char_end", "rule")


def test_provenance_columns_last_in_tables_and_queries(server, built_db):
    import sqlite3

    from msakb.db.store.models import FACT_TABLES
    from msakb.web.serve import load_metadata

    for table in FACT_TABLES:
        columns = server.json(f"/msakb/{table}.json?_size=1")["columns"]
        assert tuple(columns[-len(PROVENANCE):]) == PROVENANCE, table
    queries = load_metadata()["databases"]["msakb"]["queries"]
    conn = sqlite3.connect(built_db)
    try:
        for name, query in queries.items():
            if name == "conflicts_side_by_side":
                continue  # its two quotes are the facts it compares, side by side
            params = {p: "" for p in re.findall(r"(?<!:):(\w+)", query["sql"])}
            columns = [d[0] for d in conn.execute(query["sql"], params).description]
            first = min((i for i, c in enumerate(columns) if c in PROVENANCE or c.startswith("other_")), default=None)
            if first is not None:
                after = [c for c in columns[first:] if c not in PROVENANCE and not c.startswith("other_")
                         and not c.endswith("_id")]
                assert after == [], f"{name}: {after} after the provenance columns"
    finally:
        conn.close()


@pytest.mark.parametrize("spelling", ["PSE&G", "pse&g", "PSEG", "pseg"])
def test_utility_allows_takes_any_spelling(server, spelling):
    found = rows(server, "/msakb/utility_allows", utility=spelling)
    assert found and {r["utility_id"] for r in found} == {"pseg"}


def test_utility_allows_lists_the_orders_to_the_states_utilities(server):
    found = rows(server, "/msakb/utility_allows", utility="eversource-ct")
    directives = [r for r in found if r["part"] == "directive to the utilities of CT"]
    assert len(directives) == 9 and {r["speaker"] for r in directives} == {"CT PURA"}
    assert "a liability waiver for solar customers using MSAs" in {r["detail"] for r in directives}
    assert {r["status"] for r in directives if r["status"]} == {"due 2025-03-31; status unknown"}


def test_oem_matrix_spellings_technology_notes_and_every_utility(server):
    enphase = rows(server, "/msakb/oem_matrix", device="IQ Collar")
    assert sorted(r["utility_id"] for r in enphase) == ["pge", "sce"] and {r["device_id"] for r in enphase} == {ENPHASE}
    tesla = rows(server, "/msakb/oem_matrix", device="tesla", every_utility="no")
    assert sorted((r["utility_id"], r["technology"]) for r in tesla) == [
        ("pge", None), ("sce", "Battery Energy Storage"), ("sce", "Electric Vehicle")]
    assert all("INSTALL ON ANSI C12" in r["notes"] for r in tesla if r["utility_id"] == "sce")
    pge = rows(server, "/msakb/oem_matrix", device="connectder-islandder")
    assert any("select pilot" in (r["notes"] or "") and r["utility_id"] == "pge" for r in pge)
    everyone = rows(server, "/msakb/oem_matrix", device="tesla", every_utility="yes")
    assert len(everyone) == 3 + 30 - 2 and everyone[-1]["utility_id"] == "na-unresolved"  # no state: last


def test_restrictions_and_states_queries(server):
    assert {r["utility_id"] for r in rows(server, "/msakb/restrictions_by_category", utility="Southern California Edison",
                                          _size="max")} == {"sce"}
    states = {r["code"]: r for r in rows(server, "/msakb/states_by_framework")}
    assert (states["CA"]["utilities"], states["CA"]["approvals"], states["CT"]["directives"]) == (4, 13, 9)


@pytest.mark.parametrize("path", ["/utility/%00", "/utility/%01x", "/device/%00.json", "/utility/nope"])
def test_a_name_no_row_has_is_not_found(server, path):
    status, body = server.get(path)
    assert status == 404, (path, body[:200])
    assert b"in the knowledge base" in body


def test_the_passages_naming_a_utility_are_not_all_called_reports(server):
    """The utility's own passages naming it are among them: each says who states it."""
    page = text(server, "/utility/sce")
    summary = re.search(r"<summary>Also named in (\d+) other passages, each with who states it</summary>", page)
    assert summary and int(summary.group(1)) > 1
    assert "(reports)</summary>" not in page
    assert "Southern California Edison (utility), its own statement" in page.split(summary.group(0), 1)[1].split("</details>", 1)[0]
