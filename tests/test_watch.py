"""The watches of the steps' incremental forms (db/pipeline/watch.py): which tables were
written since, and the keys of the rows written; and the aliases step, which keeps its table
when no row it names was written."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from click.testing import CliRunner

from bench.measure import touch_one_source
from msakb.cli import cli
from msakb.db.derive import aliases
from msakb.db.pipeline import watch

COLUMNS = {"devices": ("id", "model"), "utilities": ("id", "name")}


@pytest.fixture
def conn(built_db, tmp_path):
    shutil.copy(built_db, tmp_path / "copy.db")
    conn = sqlite3.connect(tmp_path / "copy.db")
    conn.execute("PRAGMA foreign_keys = OFF")
    watch.watch_writes(conn, "test", COLUMNS)
    watch.watch_keys(conn, "test", "approvals", ("device_id", "utility_id"), ("device_id", "utility_id", "status"))
    yield conn
    conn.close()


@pytest.mark.parametrize("write, written", [
    ("UPDATE devices SET char_start = char_start + 1, quote = quote", set()),  # a column not read
    ("UPDATE devices SET model = model WHERE rowid = (SELECT min(rowid) FROM devices)", {"devices"}),
    ("DELETE FROM utilities WHERE rowid = (SELECT min(rowid) FROM utilities)", {"utilities"}),
    ("INSERT INTO utilities SELECT * FROM utilities WHERE 0", set()),  # no row
    ("UPDATE states SET code = code", set()),  # not watched
])
def test_the_tables_written(conn, write, written):
    conn.execute(write)
    assert watch.tables_written(conn, "test", COLUMNS) == written
    assert watch.keys_written(conn, "test", "approvals") is False


def test_the_keys_written_before_and_after(conn):
    before = conn.execute("SELECT device_id, utility_id FROM approvals ORDER BY rowid LIMIT 1").fetchone()
    conn.execute("UPDATE approvals SET utility_id = 'elsewhere' WHERE rowid = (SELECT min(rowid) FROM approvals)")
    assert watch.keys_written(conn, "test", "approvals") is True
    assert sorted(conn.execute(f"SELECT * FROM temp.{watch.keys_table('test', 'approvals')}")) == \
        sorted([before, (before[0], "elsewhere")])


def test_a_trigger_gone_is_not_knowing(conn):
    conn.execute(f"DROP TRIGGER temp.[{watch.written_table('test')}_delete_devices]")
    conn.execute(f"DROP TRIGGER temp.[{watch.keys_table('test', 'approvals')}_update]")
    assert watch.tables_written(conn, "test", COLUMNS) is None
    assert watch.keys_written(conn, "test", "approvals") is None


def test_unwatch_leaves_nothing(conn):
    watch.unwatch(conn, "test")
    assert conn.execute("SELECT name FROM sqlite_temp_master").fetchall() == []
    assert watch.tables_written(conn, "test", COLUMNS) is None


def test_without_a_watch_nothing_is_known(built_db):
    conn = sqlite3.connect(f"file:{built_db}?mode=ro", uri=True)
    assert watch.tables_written(conn, "test", COLUMNS) is None
    assert watch.keys_written(conn, "test", "approvals") is None
    conn.close()


def test_the_aliases_are_kept_when_no_row_they_name_was_written(built_db, tmp_path, monkeypatch):
    """A blank line in a source writes no row: the patch does not work the aliases out again
    (and the file equals a full build's: tests/test_patch_summaries.py)."""
    from tests.kbtools import KB

    kb, db = tmp_path / "kb", tmp_path / "kb.db"
    shutil.copytree(KB, kb)
    assert CliRunner().invoke(cli, ["build", "--db", str(db), "--kb", str(kb), "-q"]).exit_code == 0
    touch_one_source(kb)
    calls = []
    real = aliases.alias_rows
    monkeypatch.setattr(aliases, "alias_rows", lambda *a: (calls.append(1), real(*a))[1])
    result = CliRunner().invoke(cli, ["build", "--db", str(db), "--kb", str(kb)])
    assert result.exit_code == 0, result.output
    assert "incremental build: patched the previous database (1 changed" in result.output
    assert calls == []
