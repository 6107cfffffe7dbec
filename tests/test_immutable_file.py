"""web/plugins/immutable_file.py: the schema read once per file, a rebuilt file served once it is
renamed into place, and the pages unchanged."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from datasette.database import Database
from datasette.plugins import pm

import msakb.web.serve as serve
from msakb.cli import cli
from tests.kbtools import KB, datasette_pages, keep_sources, run_with_web
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


def test_a_build_file_answers_each_schema_question_once(tmp_path):
    from datasette.app import Datasette

    path = tmp_path / "kb.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE devices (id TEXT PRIMARY KEY, name TEXT)")
    conn.close()
    ds = Datasette()
    db = ds.add_database(immutable_file.BuildFile(ds, str(path)), name="kb")
    asked = []
    execute_fn = Database.execute_fn

    async def counting(self, fn):
        asked.append(fn)
        return await execute_fn(self, fn)

    async def ask():
        return await db.table_columns("devices"), await db.primary_keys("devices")

    Database.execute_fn = counting
    try:
        first = asyncio.run(ask())
        first[0].append("changed by a caller")
        assert asyncio.run(ask()) == (["id", "name"], ["id"])  # kept, and a copy given each time
    finally:
        Database.execute_fn = execute_fn
    assert len(asked) == 2  # one query per question, the second time none
    assert db.identity == immutable_file.file_key(path)


SCE_LIST = "sce-approved-products-2026-04-12"


@pytest.fixture(scope="module")
def smaller_db(tmp_path_factory) -> Path:
    """A build of SCE's list alone."""
    folder = tmp_path_factory.mktemp("smaller")
    kb = folder / "kb"
    shutil.copytree(KB, kb)
    keep_sources(kb, [SCE_LIST])
    result = CliRunner().invoke(cli, ["build", "--db", str(folder / "smaller.db"), "--kb", str(kb), "-q"])
    assert result.exit_code == 0, result.output
    return folder / "smaller.db"


def _before_and_after_a_rebuild(built_db, smaller, tmp_path, web):
    """What the Datasette `msakb serve` makes with the web/ folder `web` answers (the sources'
    ids, the database page) before and after a smaller build is renamed over its file."""
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
        return before, after, held_open(served)

    return run_with_web(web, run)


def held_open(path) -> int:
    """How many of this process's file descriptors are on the file that was at `path` before
    it was replaced (Linux: /proc/self/fd)."""
    held = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            held += os.readlink(f"/proc/self/fd/{fd}") == f"{path} (deleted)"
        except OSError:  # the descriptor of the listing itself, closed since
            pass
    return held


def _rows_of_sources(html: str) -> str:
    """The database page's row count of the sources table."""
    return re.search(r'<a href="/msakb/sources">sources</a></h3>\s*<p><em>[^<]*</em></p>\s*<p>([^<]+)</p>', html).group(1)


def test_a_rebuilt_file_is_served_once_renamed_in(built_db, smaller_db, tmp_path):
    before, after, held = _before_and_after_a_rebuild(built_db, smaller_db, tmp_path, serve.WEB)
    assert all(len(s) == 5 for s, _ in before)
    assert all(s == [SCE_LIST] for s, _ in after)  # every request, whichever thread answers it
    # the database page's table counts, which Datasette keeps for an immutable file, follow too
    assert _rows_of_sources(before[-1][1]) == "5 rows" and _rows_of_sources(after[-1][1]) == "1 row"
    assert held == 0  # the replaced file is let go: its connections are closed


def test_without_the_plugin_datasette_goes_on_serving_the_replaced_file(built_db, smaller_db, tmp_path):
    """Why the plugin exists: Datasette keeps the connections and counts of the file it opened."""
    web = tmp_path / "web"
    shutil.copytree(serve.WEB, web, ignore=shutil.ignore_patterns("immutable_file.py", "__pycache__"))
    if pm.get_plugin("immutable_file.py") is not None:  # Datasette registers plugins process-wide
        pm.unregister(name="immutable_file.py")
    before, after, held = _before_and_after_a_rebuild(built_db, smaller_db, tmp_path, web)
    assert pm.get_plugin("immutable_file.py") is None
    assert all(len(s) == 5 for s, _ in before)
    assert _rows_of_sources(after[-1][1]) == "5 rows"
    assert any(len(s) == 5 for s, _ in after) and held > 0  # the threads' connections to the replaced file
