"""The site in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright):
home page and its US map, a canned query, a fact followed to its source passage and on to the
source, a search with its facets, and each task page (/state, /utility, /device) with its key
facts. One browser for the module, a fresh page per test. Saves tests/artifacts/home.png and
search.png."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.site_server import serve_copy

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
ENPHASE_SCE = "sce-approved-products-2026-04-12/approvals/4-enphase-mc-200-011-v01"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def site(built_db, tmp_path_factory):
    srv, db = serve_copy(built_db, tmp_path_factory.mktemp("site"))
    yield srv, db
    srv.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("profile")), executable_path=str(CHROMIUM), args=FLAGS, headless=True,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser):
    tab = browser.new_page()
    try:
        yield tab
    finally:
        tab.close()


def test_home_page(site, page):
    server, _ = site
    page.goto(server.base + "/")
    assert page.locator("h1").inner_text() == "Meter Socket Adapter Knowledge Base"
    assert "Every fact row quotes the exact passage" in page.locator("body").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)
    assert page.locator("table.msakb-tables").get_by_role("link", name="approvals", exact=True).count() == 1
    page.get_by_role("link", name="What a utility allows", exact=True).click()
    page.wait_for_url("**/msakb/utility_allows")
    assert page.locator("h1").inner_text() == "What a utility allows"


def test_follow_a_fact_to_its_source_passage(site, page):
    server, db = site
    conn = sqlite3.connect(db)
    quote, start, end, line = conn.execute(
        "SELECT a.quote, a.char_start, a.char_end, "
        "length(substr(s.text, 1, a.char_start)) - length(replace(substr(s.text, 1, a.char_start), char(10), '')) + 1 "
        "FROM approvals a JOIN sources s ON s.id = a.source_id WHERE a.id = ?", (ENPHASE_SCE,)).fetchone()
    conn.close()

    # home -> the OEM matrix -> ask for Enphase
    page.goto(server.base + "/")
    page.get_by_role("link", name="A device across utilities (OEM matrix)", exact=True).click()
    page.fill("input[name=device]", "Enphase")
    page.get_by_role("button", name="Run SQL").click()
    page.wait_for_url("**/msakb/oem_matrix?device=Enphase*")
    row = page.locator("tr", has=page.get_by_role("link", name="sce-approved-products-2026-04-12", exact=True))
    assert "Southern California Edison" in row.first.inner_text()
    assert "Approved for MSA application" in row.first.inner_text()

    # the quote cell is a link to the passage page
    row.first.locator("a.msakb-passage").first.click()
    page.wait_for_url("**/msakb/passage?*")
    assert page.locator("h1").inner_text() == "Passage in “Meter Socket Adapter Approved Product List”"
    assert page.locator("mark#passage").text_content() == quote
    where = page.locator("dl.passage-where").inner_text()
    assert f"line {line}, characters {start}–{end}" in where
    assert "Southern California Edison, as of 2026-04-12" in where
    page.get_by_role("link", name=ENPHASE_SCE, exact=True).click()
    assert page.locator("h1").inner_text().startswith("approvals: ")

    # and the fact row links to its source document
    page.locator("td.col-source_id").get_by_role("link", name="sce-approved-products-2026-04-12", exact=True).click()
    assert page.locator("h1").inner_text() == "sources: sce-approved-products-2026-04-12"


def test_search_a_table_from_the_form(site, page):
    server, _ = site
    page.goto(server.base + "/msakb/restrictions")
    page.fill("input#_search", "FranklinWH")
    page.locator("input#_search").press("Enter")
    page.wait_for_url("**_search=FranklinWH*")
    body = page.locator("body").inner_text()
    assert "Cannot sort table" not in body
    assert "MSA should be paired with Solar Edge or FranklinWH Energy Storage and Controller" in body
    # the metadata's facets, counted over the rows found (search_rowid's index: db/derive/fts.py)
    assert "3 rows where search matches" in body
    facets = page.locator(".facet-info")
    assert {facets.nth(i).get_attribute("data-column") for i in range(facets.count())} == {
        "category", "utility_id", "state", "attribution", "voice"}  # (Datasette orders them by their values)
    assert "Southern California Edison 3" in page.locator('.facet-info[data-column="utility_id"]').inner_text()
    # the copy of the rowid the search matches on is not shown, in the header nor the cells
    assert page.locator("th.col-search_rowid").count() == 1
    assert not page.locator("th.col-search_rowid").is_visible()
    assert not page.locator("td.col-search_rowid").first.is_visible()
    assert page.locator("th.col-justification").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "search.png"), full_page=True)


def test_quote_in_a_table_view_opens_its_passage(site, page):
    server, db = site
    conn = sqlite3.connect(db)
    quote, = conn.execute("SELECT quote FROM approvals WHERE id = ?", (ENPHASE_SCE,)).fetchone()
    conn.close()
    page.goto(server.base + "/msakb/approvals?source_id=sce-approved-products-2026-04-12")
    row = page.locator("tr", has=page.get_by_role("link", name=ENPHASE_SCE, exact=True))
    assert "Southern California Edison" in row.inner_text()  # the utility's label, not its id
    row.locator("td.col-quote a.msakb-passage").click()
    page.wait_for_url("**/msakb/passage?*")
    assert page.locator("mark#passage").text_content() == quote
    assert page.locator("#quoting-rows").get_by_role("link", name=ENPHASE_SCE, exact=True).count() == 1


CSP_PAGES = ["/", "/msakb", "/msakb/approvals?_facet=status", "/msakb/devices/tesla-backup-switch-1624171-xx-y",
             "/msakb?sql=select+id+from+devices", "/msakb/oem_matrix", "/msakb/sources", "/msakb/nope",
             "/state/CA", "/utility/sce", "/device/tesla-backup-switch-1624171-xx-y", "/matrix", "/find?q=PSE%26G"]


def test_pages_work_under_the_content_security_policy(site, page):
    """Every page renders with Datasette's scripts running (the SQL editor, column menus) and
    no Content-Security-Policy violation in the console; a script smuggled into a page does
    not run."""
    server, db = site
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.on("pageerror", lambda e: console.append(str(e)))
    conn = sqlite3.connect(db)
    source, start, end = conn.execute("SELECT source_id, char_start, char_end FROM approvals LIMIT 1").fetchone()
    conn.close()
    for path in CSP_PAGES + [f"/msakb/passage?source_id={source}&start={start}&end={end}"]:
        console.clear()
        response = page.goto(server.base + path)
        page.wait_for_load_state("networkidle")
        assert "content-security-policy" in response.headers, path
        assert [m for m in console if "Content Security Policy" in m or "Refused" in m] == [], (path, console)
    page.goto(server.base + "/msakb?sql=select+id+from+devices")
    assert page.locator(".CodeMirror").count() == 1  # Datasette's inline script ran
    console.clear()
    ran = page.evaluate("""() => { const s = document.createElement('script');
        s.textContent = 'window.smuggled = 1'; document.body.appendChild(s); return window.smuggled === 1; }""")
    assert ran is False
    assert any("Content Security Policy" in m for m in console), console


def test_home_map_has_every_state_and_opens_california(site, page):
    from msakb.web.pages.tilemap import GRID

    server, _ = site
    page.goto(server.base + "/")
    tiles = page.locator("svg.msakb-map a")
    assert sorted(tiles.evaluate_all("els => els.map(e => e.dataset.state)")) == sorted(GRID)
    assert page.locator('svg.msakb-map a[data-state="DC"] text').text_content() == "DC"
    assert "California: existing framework, as reported by TESCO Metering" in \
        page.locator('svg.msakb-map a[data-state="CA"] title').text_content()
    assert "existing framework (11)" in page.locator("ul.msakb-legend").inner_text()
    page.locator('svg.msakb-map a[data-state="CA"]').click()
    page.wait_for_url("**/state/CA")
    assert page.locator("h1").inner_text() == "Meter socket adapters in California (CA)"


def test_state_page_key_facts(site, page):
    server, _ = site
    page.goto(server.base + "/state/CT")
    body = page.locator("body").inner_text()
    assert "Existing framework for MSAs" in body and "reported by TESCO Metering (industry)" in body
    row = page.locator("#orders tr", has_text="order 26, item 1")
    assert "due 2025-03-31; status unknown" in row.inner_text()
    assert page.locator("#utilities").get_by_role("link", name="Eversource (Connecticut)", exact=True).count() == 1


def test_utility_page_key_facts_and_a_quote_opens_its_passage(site, page):
    server, _ = site
    page.goto(server.base + "/utility/eversource-ct")
    assert page.locator("h1").inner_text() == "Eversource (Connecticut)"
    directives = page.locator("#directives").inner_text()
    assert "a liability waiver for solar customers using MSAs" in directives and "CT PURA docket 24-08-02" in directives
    page.goto(server.base + "/utility/sce")
    row = page.locator("#approvals tr", has_text="Vehicle to Home")
    assert "Tesla Cybertruck and Tesla Gateway 3V" in row.inner_text()
    quote = row.locator("a.msakb-passage")
    shown = quote.inner_text()
    quote.click()
    page.wait_for_url("**/msakb/passage?*")
    assert page.locator("h1").inner_text() == "Passage in “Meter Socket Adapter Approved Product List”"
    from msakb.web.pages.readable import plain_text

    # the link shows the passage as text; the passage page shows the source as it is
    assert shown.rstrip("…") in " ".join(plain_text(page.locator("mark#passage").inner_text()).split())


def test_device_page_key_facts_and_map(site, page):
    server, _ = site
    page.goto(server.base + "/device/Tesla%20Backup%20Switch")  # a spelling: redirected to its page
    page.wait_for_url("**/device/tesla-backup-switch-1624171-xx-y")
    assert page.locator("h1").inner_text() == "Tesla Backup Switch 1624171-xx-y"
    utilities = page.locator("#status tbody tr td:first-child").all_inner_texts()
    assert sorted(utilities) == ["Pacific Gas and Electric (CA)", "Southern California Edison (CA)",
                                 "Southern California Edison (CA)"]
    assert page.locator("#status tbody tr", has_text="Tesla Powerwall 3").count() == 1
    ca = page.locator('svg.msakb-map a[data-state="CA"]')
    assert ca.get_attribute("class") == "tile tile-approved"
    assert page.locator('svg.msakb-map a[data-state="NJ"]').get_attribute("class") == "tile tile-not_listed"
