"""web/plugins/follow_rebuilds.py: a running `msakb serve` serves a rebuilt file from the moment
it is renamed into place, not the build it started with."""

from __future__ import annotations

import asyncio
import os
import re
import shutil

from click.testing import CliRunner

import msakb.serve as serve
from msakb.cli import cli
from tests.kbtools import keep_sources

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
