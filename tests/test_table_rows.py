"""web/templates/_table.html renders a table's rows with the msakb_table_rows filter
(web/plugins/table_rows.py) instead of Datasette's Jinja loop: the pages must be the very
same HTML as with Datasette's own _table.html."""

from __future__ import annotations

import asyncio
import re
import shutil

import pytest
from datasette.utils import tilde_encode

import msakb.serve as serve

PAGES = ["/msakb/devices", "/msakb/approvals", "/msakb/approvals?status=approved&_sort=utility_id",
         "/msakb/specs?_size=1000", "/msakb/citations", "/msakb/conflicts", "/msakb/restrictions?_search=meter"]


def _pages(db, web, paths) -> dict[str, str]:
    async def run():
        ds = serve.make_datasette(db)
        await ds.invoke_startup()
        out = {}
        for p in paths:
            r = await ds.client.get(p)
            assert r.status_code == 200, p
            out[p] = re.sub(r"Queries took [0-9.]+ms", "", r.text)
        return out

    before = serve.WEB
    serve.WEB = web
    try:
        return asyncio.run(run())
    finally:
        serve.WEB = before


@pytest.fixture(scope="module")
def stock_web(tmp_path_factory):
    """web/ without our _table.html: Datasette's own template renders the rows."""
    web = tmp_path_factory.mktemp("web")
    shutil.copytree(serve.WEB / "templates", web / "templates", ignore=shutil.ignore_patterns("_table.html"))
    (web / "plugins").symlink_to(serve.WEB / "plugins")
    (web / "static").symlink_to(serve.WEB / "static")
    return web


def test_table_and_row_pages_are_the_html_datasette_writes(built_db, stock_web):
    import sqlite3

    conn = sqlite3.connect(built_db)
    device = conn.execute("SELECT id FROM devices ORDER BY id LIMIT 1").fetchone()[0]
    conn.close()
    paths = PAGES + [f"/msakb/devices/{tilde_encode(device)}"]
    ours, stock = _pages(built_db, serve.WEB, paths), _pages(built_db, stock_web, paths)
    for p in paths:
        assert ours[p] == stock[p], p
    assert ours["/msakb/devices"].count('<td class="col-quote type-str"><a class="msakb-passage"') > 5
    assert "<tr>" in ours[paths[-1]]
