"""web/plugins/immutable_file.py: the schema read once per file, a rebuilt file served once it is
renamed into place, and the pages unchanged."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
import shutil

from click.testing import CliRunner
from datasette.database import Database
from datasette.plugins import pm

import msakb.web.serve as serve
from msakb.cli import cli
from tests.kbtools import datasette_pages, keep_sources
from tests.test_table_rows import PAGES

_spec = importlib.util.spec_from_file_location("immutable_file_under_test", serve.WEB / "plugins" / "immutable_file.py")
immutable_file = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(immutable_file)


async def _statements_of_a_table_page(ds) -> list[str]:
    """The SQL statements one table page runs (after the pages before it)."""
    ran = []
    execute = Database.execute

    async def counting(self, sql, *args, **kwargs):
        ran.append(sql)
        return await execute(self, sql, *args, **kwargs)

    Database.execute = counting
    try:
        await ds.client.get("/msakb/devices")
    finally:
        Database.execute = execute
    return ran


def test_pages_are_the_same_with_the_schema_read_once(built_db, tmp_path):
    web = tmp_path / "web"
    shutil.copytree(serve.WEB, web, ignore=shutil.ignore_patterns("immutable_file.py", "__pycache__"))
    paths = PAGES + ["/msakb", "/", "/msakb/devices?_facet=technology"]
    if pm.get_plugin("immutable_file.py") is not None:  # Datasette registers plugins process-wide
        pm.unregister(name="immutable_file.py")
    without, ran_without = datasette_pages(built_db, web, paths, _statements_of_a_table_page)
    assert pm.get_plugin("immutable_file.py") is None
    ours, ran = datasette_pages(built_db, serve.WEB, paths, _statements_of_a_table_page)  # registers it again
    assert pm.get_plugin("immutable_file.py") is not None
    assert ours == without
    schema = lambda sqls: [s for s in sqls if "sqlite_master" in s or s.lower().startswith("pragma table")]  # noqa: E731
    assert len(schema(ran_without)) > len(schema(ran)) and len(ran) < len(ran_without)


class FakeDatabase:
    def __init__(self, path):
        self.path, self.asked = path, 0

    async def table_columns(self, table):
        self.asked += 1
        return [f"{table}-{self.asked}"]


def test_answers_are_kept_until_the_file_is_replaced(tmp_path):
    path = tmp_path / "kb.db"
    path.write_bytes(b"one")
    db = FakeDatabase(path)
    immutable_file.cache_schema(db)

    async def ask():
        return await db.table_columns("devices")

    first = asyncio.run(ask())
    first.append("changed by a caller")
    assert asyncio.run(ask()) == ["devices-1"] and db.asked == 1  # kept, and a copy given each time
    replacement = tmp_path / "new.db"
    replacement.write_bytes(b"two, rebuilt")
    os.replace(replacement, path)  # a rebuild renames its file into place
    assert asyncio.run(ask()) == ["devices-2"] and db.asked == 2


SCE_LIST = "sce-approved-products-2026-04-12"


def test_a_rebuilt_file_is_served_once_renamed_in(built_db, kb_copy, tmp_path):
    keep_sources(kb_copy, [SCE_LIST])
    smaller = tmp_path / "smaller.db"
    result = CliRunner().invoke(cli, ["build", "--db", str(smaller), "--kb", str(kb_copy), "-q"])
    assert result.exit_code == 0, result.output
    served = tmp_path / "served.db"
    shutil.copy(built_db, served)

    async def run():
        ds = serve.make_datasette(served)
        await ds.invoke_startup()

        async def state():
            sources = (await ds.client.get("/msakb/sources.json?_shape=arrayfirst&_col=id&_size=max")).json()
            home = (await ds.client.get("/msakb")).text
            return sources, home

        before = [await state() for _ in range(8)]  # enough requests for every SQL thread to connect
        staged = tmp_path / ".served.db.tmp"
        shutil.copy(smaller, staged)
        os.replace(staged, served)  # what a build does
        after = [await state() for _ in range(8)]
        return before, after

    before, after = asyncio.run(run())
    assert all(len(s) == 5 for s, _ in before)
    assert all(s == [SCE_LIST] for s, _ in after)  # every request, whichever thread answers it
    # the database page's table counts, which Datasette keeps for an immutable file, follow too
    count = lambda html: re.search(r'<a href="/msakb/sources">sources</a></h3>\s*<p><em>[^<]*</em></p>\s*<p>([^<]+)</p>', html).group(1)  # noqa: E731
    assert count(before[-1][1]) == "5 rows" and count(after[-1][1]) == "1 row"
