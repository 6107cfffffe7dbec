"""web/plugins/schema_cache.py: an immutable database's schema read once, the pages unchanged."""

from __future__ import annotations

import asyncio
import os
import shutil

import msakb.serve as serve
from datasette.database import Database
from datasette.plugins import pm
from tests.kbtools import datasette_pages
from tests.test_table_rows import PAGES

import importlib.util

_spec = importlib.util.spec_from_file_location("schema_cache_under_test", serve.WEB / "plugins" / "schema_cache.py")
schema_cache = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(schema_cache)


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
    shutil.copytree(serve.WEB, web, ignore=shutil.ignore_patterns("schema_cache.py", "__pycache__"))
    paths = PAGES + ["/msakb", "/", "/msakb/devices?_facet=technology"]
    if pm.get_plugin("schema_cache.py") is not None:  # Datasette registers plugins process-wide
        pm.unregister(name="schema_cache.py")
    without, ran_without = datasette_pages(built_db, web, paths, _statements_of_a_table_page)
    assert pm.get_plugin("schema_cache.py") is None
    ours, ran = datasette_pages(built_db, serve.WEB, paths, _statements_of_a_table_page)  # registers it again
    assert pm.get_plugin("schema_cache.py") is not None
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
    schema_cache.cache_schema(db)

    async def ask():
        return await db.table_columns("devices")

    first = asyncio.run(ask())
    first.append("changed by a caller")
    assert asyncio.run(ask()) == ["devices-1"] and db.asked == 1  # kept, and a copy given each time
    replacement = tmp_path / "new.db"
    replacement.write_bytes(b"two, rebuilt")
    os.replace(replacement, path)  # a rebuild renames its file into place
    assert asyncio.run(ask()) == ["devices-2"] and db.asked == 2
