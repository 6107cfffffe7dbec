"""web/templates/_table.html and query.html render a page's rows with the msakb_table_rows and
msakb_query_rows filters (web/plugins/table_rows.py), which also make the provenance links,
instead of Datasette's Jinja loops and a render_cell hook: the pages must be the very same
HTML as Datasette's own templates write with a render_cell hook giving the same links."""

from __future__ import annotations

import re
import shutil
from urllib.parse import urlencode

import pytest
from datasette.plugins import pm
from datasette.utils import tilde_encode

import msakb.web.serve as serve
from tests.kbtools import datasette_pages

PAGES = ["/msakb/devices", "/msakb/approvals", "/msakb/approvals?status=approved&_sort=utility_id",
         "/msakb/specs?_size=1000", "/msakb/citations", "/msakb/conflicts", "/msakb/restrictions?_search=meter",
         "/msakb/approvals?_labels=off", "/msakb/devices?_nocol=quote", "/msakb/current_approvals",
         "/msakb/oem_matrix?device=Tesla&every_utility=yes", "/msakb/utility_allows?utility=sce",
         "/msakb/conflicts_side_by_side", "/msakb/approval_history",
         "/msakb?" + urlencode({"sql": "select c.*, 'CA' as state, 'sce' as utility_id from citations c"})]
SCE_LIST = "sce-approved-products-2026-04-12"
ENPHASE_SCE = f"{SCE_LIST}/approvals/4-enphase-mc-200-011-v01"
# What web/plugins had before the links moved into the filters: a render_cell hook. With
# Datasette's own templates, it is the reference the filters must match.
RENDER_CELL_HOOK = """
from datasette import hookimpl


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    return datasette.jinja_env.globals["msakb_cell_links"](row, value, column, table, database)
"""


@pytest.fixture(scope="module")
def stock_web(tmp_path_factory):
    """web/ without our _table.html and query.html (Datasette's own templates render the rows)
    and with a render_cell hook making the provenance links."""
    web = tmp_path_factory.mktemp("web")
    shutil.copytree(serve.WEB / "templates", web / "templates", ignore=shutil.ignore_patterns("_table.html", "query.html"))
    (web / "plugins").mkdir()
    for plugin in (serve.WEB / "plugins").glob("*.py"):
        (web / "plugins" / plugin.name).symlink_to(plugin)
    (web / "plugins" / "render_cell_hook.py").write_text(RENDER_CELL_HOOK, encoding="utf-8")
    (web / "static").symlink_to(serve.WEB / "static")
    return web


def test_table_and_row_pages_are_the_html_datasette_writes(built_db, stock_web):
    import sqlite3

    conn = sqlite3.connect(built_db)
    device = conn.execute("SELECT id FROM devices ORDER BY id LIMIT 1").fetchone()[0]
    start, end = conn.execute("SELECT char_start, char_end FROM approvals WHERE id = ?", [ENPHASE_SCE]).fetchone()
    conn.close()
    paths = PAGES + [f"/msakb/devices/{tilde_encode(device)}", f"/msakb/approvals/{tilde_encode(ENPHASE_SCE)}"]
    ours = datasette_pages(built_db, serve.WEB, paths)
    try:
        stock = datasette_pages(built_db, stock_web, paths)
    finally:
        pm.unregister(name="render_cell_hook.py")  # Datasette registers plugins process-wide
    for p in paths:
        assert _rows_part(ours[p]) == _rows_part(stock[p]), p
    assert ours["/msakb/devices"].count('<td class="col-quote type-str"><a class="msakb-passage"') > 5
    assert "<tr>" in ours[paths[-2]]
    # the links the filters made, exactly: a quote (passage page) and an id (its row) ...
    quote = re.search(r'<td class="col-quote type-str">(<a class="msakb-passage" href="[^"]+"[^>]*>)', ours[paths[-1]])
    assert quote.group(1) == (f'<a class="msakb-passage" href="/msakb/passage?source_id={SCE_LIST}&amp;start={start}'
                              f'&amp;end={end}" title="Read this passage in its source">')
    assert (f'<td class="col-utility_id"><a href="/msakb/utilities/sce">sce</a></td>'
            in ours["/msakb?" + urlencode({"sql": "select c.*, 'CA' as state, 'sce' as utility_id from citations c"})])
    # ... and a canned query's quote cell
    assert re.search(r'<td class="col-quote"><a class="msakb-passage" href="/msakb/passage\?source_id=[^"&]+&amp;start=\d+&amp;end=\d+" '
                     r'title="Read this passage in its source">', ours["/msakb/utility_allows?utility=sce"])


def _rows_part(page: str) -> str:
    """A page but for what our query.html words differently on purpose: a canned query's
    <title> and the heading of its form are its title and row count, not its SQL."""
    page = re.sub(r"<title>.*?</title>", "<title></title>", page, count=1, flags=re.S)
    return re.sub(r'(<form class="sql"[^>]*>\s*)<h3>.*?</h3>', r"\1<h3></h3>", page, count=1, flags=re.S)


def test_cell_text_is_escaped_as_jinja_escapes_it():
    """The filters escape plain text with their own replacements (no Markup per cell): the
    very text markupsafe (Jinja's autoescape) writes."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("msakb_table_rows", serve.WEB / "plugins" / "table_rows.py")
    table_rows = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(table_rows)
    from markupsafe import Markup, escape

    for text in ["plain", "A & B <b>'x'</b> \"y\"", "&amp; already", "120/240 V — 200A", ""]:
        assert table_rows.escape_text(text) == str(escape(text))
    assert table_rows.html(Markup("<a href='x'>x</a>")) == "<a href='x'>x</a>"
    assert table_rows.html(None) == "None"
    assert table_rows.html(12) == "12"


def test_an_id_link_made_once_per_instance_is_the_link_datasette_makes():
    """A page links the same ids again and again: each link is made once per Datasette
    instance (a bounded number kept), the very link made afresh."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("msakb_provenance", serve.WEB / "plugins" / "provenance.py")
    provenance = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(provenance)

    class Urls:
        made = 0

        def row(self, database, table, row_path):
            self.made += 1
            return f"/{database}/{table}/{row_path}"

    class Instance:
        urls = Urls()

    ds = Instance()
    first = provenance._id_link(ds, "msakb", None, "utility_id", "a&b")
    assert first == provenance._id_link(ds, "msakb", None, "utility_id", "a&b")
    assert str(first) == '<a href="/msakb/utilities/a~26b">a&amp;b</a>' and ds.urls.made == 1
    provenance.ID_LINKS_KEPT = 2
    links = [str(provenance._id_link(ds, "msakb", None, "utility_id", v)) for v in ("x", "y", "z", "x")]
    assert links == [f'<a href="/msakb/utilities/{v}">{v}</a>' for v in ("x", "y", "z", "x")]
    assert len(provenance._ID_LINKS[ds]) <= 2 and ds.urls.made == 5


def test_a_long_id_from_a_custom_query_is_linked_but_not_kept():
    """A visitor's SQL can name ids of any length (`select printf('%0*d', 12000, 1) AS
    device_id`): such a link is made afresh each time, never kept by the instance (else
    twenty thousand of them stay in the server's memory)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("msakb_provenance", serve.WEB / "plugins" / "provenance.py")
    provenance = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(provenance)

    class Urls:
        def row(self, database, table, row_path):
            return f"/{database}/{table}/{row_path}"

    class Instance:
        urls = Urls()

    ds = Instance()
    long_id = "d" * 12_000
    link = provenance._id_link(ds, "msakb", None, "device_id", long_id)
    assert str(link) == f'<a href="/msakb/devices/{long_id}">{long_id}</a>'
    short = provenance._id_link(ds, "msakb", None, "device_id", "enphase-iq")
    assert str(short) == '<a href="/msakb/devices/enphase-iq">enphase-iq</a>'
    assert list(provenance._ID_LINKS[ds]) == [("msakb", "devices", "enphase-iq")]
