"""The latency figures of `python -m bench`: each page's direct SQL is what the page computes
(rows, count, one GROUP BY per facet the metadata sets), and the stock-Datasette floor is
measured for every page, the same page: a table page asked for the same facets and search."""

from __future__ import annotations

from bench.queries import latency, pages
from msakb.web.serve import load_metadata


def test_each_page_runs_its_facets_directly(built_db):
    meta = load_metadata()["databases"]["msakb"]["tables"]
    by_name = {p["name"]: p for p in pages(built_db)}
    table = by_name["table page (devices)"]
    assert len(table["sql"]) == 2 + len(meta["devices"]["facets"]) == 6
    assert [s.split(" AS value")[0] for s in table["sql"][2:]] == [
        f"SELECT [{f}]" for f in meta["devices"]["facets"]]


def test_stock_datasette_is_asked_for_the_same_facets_and_search(built_db):
    meta = load_metadata()["databases"]["msakb"]["tables"]
    by_name = {p["name"].split(" (")[0]: p for p in pages(built_db)}
    assert by_name["search"]["stock_path"] == ("/msakb/restrictions?_search=meter&_facet=category&_facet=utility_id"
                                              "&_facet=state&_facet=attribution&_facet=voice")
    assert meta["restrictions"]["facets"] == ["category", "utility_id", "state", "attribution", "voice"]
    assert by_name["faceted page"]["stock_path"] == "/msakb/approvals?" + "&".join(
        f"_facet={f}" for f in meta["approvals"]["facets"])


def test_latency_measures_the_stock_datasette_floor(built_db):
    figures = latency(built_db, 1)
    assert [f["name"].split(" (")[0] for f in figures] == ["table page", "faceted page", "search", "OEM canned query",
                                                           "home page", "state page", "utility page", "device page"]
    for f in figures:
        assert f["error"] is None
        for side in ("html", "json"):
            if side == "json" and f["name"].startswith("home page"):
                assert f["stock"][side]["skipped"]  # no JSON twin
                continue
            assert f["stock"][side].get("error") is None and f["stock"][side]["median_ms"] > 0


def test_task_pages_run_every_statement_of_their_page_directly(built_db):
    from msakb.web.pages import device, state, utility

    by_name = {p["name"].split(" (")[0]: p for p in pages(built_db)}
    assert by_name["state page"]["path"] == "/state/CA"
    assert len(by_name["state page"]["stock_paths"]) == len(by_name["state page"]["sql"])
    assert by_name["utility page"]["path"] == "/utility/sce"
    assert set(state.QUERIES) <= set(by_name["state page"]["sql"])
    assert list(utility.QUERIES) == by_name["utility page"]["sql"] and list(device.QUERIES) == by_name["device page"]["sql"]
