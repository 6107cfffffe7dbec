"""The summaries' incremental form (db/derive/summaries.py): it keeps the previous database's
summary tables and search indexes only when nothing they are worked out from changed, and
the patched file equals a full build's either way."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bench.generate import generate
from bench.measure import touch_one_source
from msakb.cli import cli
from msakb.db.derive import summaries
from msakb.db.pipeline.builder import build
from msakb.knowledge.yamlfile import dump_yaml
from tests.test_bench import _dump


@pytest.fixture
def conn(built_db, tmp_path):
    copy = tmp_path / "copy.db"
    shutil.copy(built_db, copy)
    conn = sqlite3.connect(copy)
    summaries.watch(conn)
    yield conn
    conn.close()


def test_nothing_written_is_unchanged(conn):
    assert summaries.inputs_unchanged(conn)


def test_a_source_written_again_with_other_text_is_unchanged(conn):
    """As an incremental build writes a changed source: its row deleted and inserted."""
    row = conn.execute("SELECT * FROM sources ORDER BY id LIMIT 1").fetchone()
    names = [c[0] for c in conn.execute("SELECT * FROM sources LIMIT 0").description]
    changed = [v + "\n" if n == "text" else v for n, v in zip(names, row)]
    conn.execute("DELETE FROM sources WHERE id = ?", (row[0],))
    conn.execute(f"INSERT INTO sources VALUES ({', '.join('?' * len(row))})", changed)
    assert summaries.inputs_unchanged(conn)


@pytest.mark.parametrize("write", [
    "UPDATE sources SET as_of = '1999-01-01' WHERE rowid = (SELECT min(rowid) FROM sources)",
    "UPDATE sources SET series = series || '-other' WHERE rowid = (SELECT min(rowid) FROM sources)",
    "DELETE FROM sources WHERE rowid = (SELECT max(rowid) FROM sources)",
    "UPDATE approvals SET quote = quote WHERE rowid = (SELECT min(rowid) FROM approvals)",  # any column, same value
    "DELETE FROM aliases WHERE rowid = (SELECT min(rowid) FROM aliases)",
    "INSERT INTO aliases (kind, id, alias, alias_key) SELECT kind, id, alias || ' x', alias_key || ' x' FROM aliases LIMIT 1",
    "UPDATE states SET name = name",
    "DROP TRIGGER temp.[patch_summaries_written_delete_devices]",
])
def test_a_write_to_what_they_read_is_a_change(conn, write):
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute(write)
    assert not summaries.inputs_unchanged(conn)


def test_without_a_watch_nothing_is_known_unchanged(built_db):
    conn = sqlite3.connect(f"file:{built_db}?mode=ro", uri=True)
    assert not summaries.inputs_unchanged(conn)
    conn.close()


# --- patched builds ---------------------------------------------------------------------

N = 8


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """A generated corpus of N documents and its database: (kb, db)."""
    kb = generate(tmp_path_factory.mktemp("summaries") / "kb", N, seed=11).kb
    build(kb.parent / "kb.db", kb)
    return kb, kb.parent / "kb.db"


def _patched_and_cold(built, tmp_path, change, monkeypatch) -> tuple[Path, Path, int]:
    """The built database patched after `change` of a copy of the corpus, a full build of that
    copy, and how many times the patch worked the summaries out again."""
    kb, warm = tmp_path / "kb", tmp_path / "warm.db"
    shutil.copytree(built[0], kb)
    shutil.copy(built[1], warm)
    shutil.copytree(built[1].with_name("kb.db.cache"), tmp_path / "warm.db.cache")
    change(kb)
    calls = []
    real = summaries.summarise
    monkeypatch.setattr(summaries, "summarise", lambda conn: (calls.append(1), real(conn))[1])
    result = CliRunner().invoke(cli, ["build", "--db", str(warm), "--kb", str(kb)])
    assert result.exit_code == 0, result.output
    assert "incremental build: patched the previous database (1 changed" in result.output
    cold = tmp_path / "cold.db"
    assert CliRunner().invoke(cli, ["build", "--db", str(cold), "--kb", str(kb), "-q"]).exit_code == 0
    return warm, cold, len(calls)  # (the full build calls the step's own post_write)


def _entry_change(field: str, value):
    def change(kb: Path) -> None:
        path = kb / "sources" / "manifest.yaml"
        manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
        entry = manifest["sources"][0]
        entry[field] = value
        path.write_text(dump_yaml(manifest), encoding="utf-8")
    return change


@pytest.mark.parametrize("change, worked_out", [
    (touch_one_source, 0),  # a blank line: no row changes
    (_entry_change("title", "Renamed list"), 0),  # a column the summaries do not read
    (_entry_change("as_of", "2099-12-31"), 1),  # its rows carry the date: written again
])
def test_patched_summaries_equal_a_full_builds(built, tmp_path, monkeypatch, change, worked_out):
    warm, cold, calls = _patched_and_cold(built, tmp_path, change, monkeypatch)
    assert calls == worked_out
    assert _dump(warm) == _dump(cold)


# --- what the skip relies on: the lists of what is read, kept with the SQL that reads ---------

def _summary_rows(conn) -> dict:
    summaries.summarise(conn)
    return {t: sorted(conn.execute(f"SELECT * FROM [{t}]")) for t in summaries.TABLES}


def test_the_summaries_read_no_column_of_sources_but_source_columns(built_db, tmp_path):
    """inputs_unchanged compares only SOURCE_COLUMNS of `sources`: every other column changed
    (each value that is not NULL) must leave every summary table as it was. A query of
    summaries.py (or of the current_sources view) that comes to read another column fails
    here, not silently in an incremental build."""
    shutil.copy(built_db, tmp_path / "a.db")
    conn = sqlite3.connect(tmp_path / "a.db")
    try:
        before = _summary_rows(conn)
        cols = [r[1] for r in conn.execute("PRAGMA table_info(sources)") if r[1] not in summaries.SOURCE_COLUMNS]
        assert cols
        for c in cols:
            conn.execute(f"UPDATE sources SET [{c}] = CASE typeof([{c}]) WHEN 'integer' THEN [{c}] + 7 "
                         f"WHEN 'real' THEN [{c}] + 7 WHEN 'null' THEN NULL ELSE [{c}] || '-other' END")
        assert _summary_rows(conn) == before
    finally:
        conn.close()


def test_aliases_read_only_the_columns_named(built_db):
    """The aliases' incremental form reads only NAMED's columns of each table: alias_rows
    gives the same rows from them as from whole rows (a column it comes to read that NAMED
    lacks would be None in an incremental build only)."""
    from msakb.db.derive import aliases
    from tests.kbtools import KB

    conn = sqlite3.connect(built_db)
    conn.row_factory = sqlite3.Row
    try:
        whole = {t: [dict(r) for r in conn.execute(f"SELECT * FROM [{t}] ORDER BY rowid")] for t in aliases.NAMED}
    finally:
        conn.close()
    named = {t: [{c: r[c] for c in cols} for r in whole[t]] for t, cols in aliases.NAMED.items()}
    assert aliases.alias_rows(named, KB) == aliases.alias_rows(whole, KB)
