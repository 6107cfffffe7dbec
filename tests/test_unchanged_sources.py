"""An incremental build does not read again a source file unchanged since before the previous
build (db/pipeline/unchanged.py): its rows are still those of a cold build, and any edit of the
file, even one that keeps its size and sets its modification time back, is read and refused."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.generate import generate
from msakb.cli import cli
from msakb.db.pipeline import patch, unchanged
from msakb.db.pipeline.cache import RecordCache
from msakb.db.pipeline.fingerprints import code_fingerprint
from msakb.knowledge.manifest import load_manifest
from tests.test_bench import _dump, _edit, _mid_and_last_status


def build(kb: Path, db: Path):
    return CliRunner().invoke(cli, ["build", "--db", str(db), "--kb", str(kb)])


def statuses(kb: Path, db: Path) -> dict:
    cache = RecordCache(db.with_name(db.name + ".cache"), code_fingerprint(), kb)
    return cache.read_json(patch.INDEX)["statuses"]


@pytest.fixture
def settled(tmp_path, monkeypatch):
    """A generated corpus built once, its files counted as settled before the build (no margin:
    they were written before it began)."""
    monkeypatch.setattr(unchanged, "MARGIN_NS", 0)
    kb = generate(tmp_path / "kb", 6, seed=3).kb
    db = tmp_path / "kb.db"
    assert build(kb, db).exit_code == 0
    return kb, db


def test_files_edited_just_before_a_build_are_read_by_the_next(tmp_path):
    kb = generate(tmp_path / "kb", 3, seed=3).kb
    assert build(kb, tmp_path / "kb.db").exit_code == 0
    assert statuses(kb, tmp_path / "kb.db") == {}


def test_unchanged_files_are_not_read_and_the_rows_are_a_cold_builds(settled, tmp_path, monkeypatch):
    kb, db = settled
    ids = [e.id for e in load_manifest(kb / "sources" / "manifest.yaml").sources]
    assert sorted(statuses(kb, db)) == sorted(ids)
    _edit(kb, ids[2], _mid_and_last_status)
    read = []
    real = patch.read_source
    monkeypatch.setattr(patch, "read_source", lambda entry, folder: read.append(entry.id) or real(entry, folder))
    result = build(kb, db)
    assert result.exit_code == 0, result.output
    assert "incremental build: patched the previous database (1 changed" in result.output
    assert read == []
    cold = tmp_path / "cold.db"
    assert build(kb, cold).exit_code == 0
    assert _dump(db) == _dump(cold)


def test_an_edit_keeping_size_and_modification_time_is_refused(settled):
    kb, db = settled
    entry = load_manifest(kb / "sources" / "manifest.yaml").sources[1]
    path = kb / "sources" / entry.file
    before, data = os.stat(path), path.read_bytes()
    i = next(i for i in range(len(data) // 2, len(data)) if data[i:i + 1].isalpha())
    path.write_bytes(data[:i] + (b"X" if data[i:i + 1] != b"X" else b"Y") + data[i + 1:])  # one letter
    assert os.stat(path).st_size == before.st_size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    old = hashlib.sha256(db.read_bytes()).hexdigest()
    result = build(kb, db)
    assert result.exit_code == 1
    assert f"{entry.file} has sha256" in result.output and "the manifest says" in result.output
    assert hashlib.sha256(db.read_bytes()).hexdigest() == old
