"""Shared fixtures: the real corpus built once per test session, and helpers to make a
throw-away copy of kb/ that a test may break."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from msakb.db.pipeline.builder import build
from tests.kbtools import KB


@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Path:
    """The knowledge base built from the real kb/ (read-only for tests: do not modify)."""
    path = tmp_path_factory.mktemp("kb") / "msakb.db"
    build(path, KB)
    return path


@pytest.fixture
def kb_copy(tmp_path) -> Path:
    """A writable copy of kb/ for tests that edit sources, manifest or annotations."""
    dest = tmp_path / "kb"
    shutil.copytree(KB, dest)
    return dest


@pytest.fixture(scope="module")
def db(built_db):
    """A connection to the built knowledge base, rows as sqlite3.Row."""
    conn = sqlite3.connect(built_db)
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()
