"""The file work of an incremental build done in threads (db/pipeline/background.py): the copy
of the previous database is its bytes, a failed copy is the build's error, nothing is left behind
when the patch is given up; the replaced database's connection is closed once joined."""

from __future__ import annotations

import os
import sqlite3

import pytest

from msakb.db.pipeline.background import BackgroundCopy, close_in_background


def test_the_copy_is_the_previous_file_and_the_previous_file_is_untouched(tmp_path):
    previous = tmp_path / "kb.db"
    data = os.urandom(3 * 1024 * 1024 + 17)
    previous.write_bytes(data)
    before = os.stat(previous)
    copy = BackgroundCopy(previous, tmp_path / ".kb.db.tmp-1")
    assert copy.wait() == tmp_path / ".kb.db.tmp-1"
    assert (tmp_path / ".kb.db.tmp-1").read_bytes() == data
    after = os.stat(previous)
    assert previous.read_bytes() == data and (after.st_mtime_ns, after.st_ino) == (before.st_mtime_ns, before.st_ino)
    copy.discard()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb.db"]


def test_a_failed_copy_is_the_builds_error_and_leaves_nothing(tmp_path):
    copy = BackgroundCopy(tmp_path / "gone.db", tmp_path / ".gone.db.tmp-1")
    with pytest.raises(FileNotFoundError):
        copy.wait()
    copy.discard()
    assert list(tmp_path.iterdir()) == []


def test_a_copy_given_up_before_it_is_used_is_deleted(tmp_path):
    previous = tmp_path / "kb.db"
    previous.write_bytes(b"x" * 100_000)
    BackgroundCopy(previous, tmp_path / ".kb.db.tmp-1").discard()  # (it may still be copying)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb.db"]


def test_a_connection_closed_in_the_background_is_closed_once_joined(tmp_path):
    conn = sqlite3.connect(tmp_path / "kb.db", check_same_thread=False)
    conn.execute("CREATE TABLE t (x)")
    close_in_background(conn).join()
    with pytest.raises(sqlite3.ProgrammingError):
        conn.execute("SELECT 1")
