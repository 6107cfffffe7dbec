"""The summaries' incremental form (db/derive/summaries.py): it keeps the previous database's
summary tables and search indexes when nothing they are worked out from changed, makes again
the rows of the keys that changed when only approvals, restrictions or directives did, and the
patched file equals a full build's in every case."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from click.testing import CliRunner

from bench.generate import generate
from bench.measure import edit_one_status, touch_one_source
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
    "UPDATE approvals SET status = status WHERE rowid = (SELECT min(rowid) FROM approvals)",  # a column read, same value
    "UPDATE devices SET model = model WHERE rowid = (SELECT min(rowid) FROM devices)",
    "DELETE FROM aliases WHERE rowid = (SELECT min(rowid) FROM aliases)",
    "INSERT INTO aliases (kind, id, alias, alias_key) SELECT kind, id, alias || ' x', alias_key || ' x' FROM aliases LIMIT 1",
    "UPDATE states SET code = code",
    "DROP TRIGGER temp.[patch_summaries_written_delete_utilities]",
])
def test_a_write_to_what_they_read_is_a_change(conn, write):
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute(write)
    assert not summaries.inputs_unchanged(conn)


@pytest.mark.parametrize("table", ["approvals", "devices", "restrictions", "panel_models"])
def test_a_passage_moved_is_no_change(conn, table):
    """An edit above a row moves its passage (db/pipeline/shift.py): nothing read changes."""
    conn.execute(f"UPDATE [{table}] SET char_start = char_start + 1, char_end = char_end + 1, quote = quote")
    assert summaries.inputs_unchanged(conn)


def test_without_a_watch_nothing_is_known_unchanged(built_db):
    conn = sqlite3.connect(f"file:{built_db}?mode=ro", uri=True)
    assert not summaries.inputs_unchanged(conn)
    conn.close()


# Writes to the keyed tables, as a patch makes them: a status changed, a listing moved to
# another device and utility, one dropped and one added (a new pair), a restriction moved to
# another utility, a directive to another state.
KEYED_WRITES = [
    ("UPDATE approvals SET status = CASE status WHEN 'approved' THEN 'pilot' ELSE 'approved' END "
     "WHERE rowid IN (SELECT rowid FROM approvals ORDER BY rowid LIMIT 3)"),
    ("UPDATE approvals SET device_id = (SELECT max(id) FROM devices), utility_id = (SELECT max(id) FROM utilities) "
     "WHERE rowid = (SELECT max(rowid) FROM approvals)"),
    "DELETE FROM approvals WHERE rowid = (SELECT min(rowid) + 1 FROM approvals)",
    "CREATE TEMP TABLE added AS SELECT * FROM approvals WHERE rowid = (SELECT min(rowid) FROM approvals)",
    "UPDATE temp.added SET id = id || '-added', device_id = (SELECT max(id) FROM devices)",
    "INSERT INTO approvals SELECT * FROM temp.added",
    "UPDATE approvals SET device_id = (SELECT min(id) FROM devices) WHERE rowid = (SELECT max(rowid) FROM approvals)",
    "UPDATE restrictions SET utility_id = (SELECT min(id) FROM utilities) WHERE rowid = (SELECT max(rowid) FROM restrictions)",
    "UPDATE directives SET state = 'ZZ' WHERE rowid = (SELECT min(rowid) FROM directives)",
    # a device written again (a new rowid), and one renamed
    "CREATE TEMP TABLE device AS SELECT * FROM devices WHERE rowid = (SELECT min(rowid) FROM devices)",
    "DELETE FROM devices WHERE rowid = (SELECT min(rowid) FROM devices)",
    "INSERT INTO devices SELECT * FROM temp.device",
    "UPDATE devices SET name = name || ' renamed' WHERE rowid = (SELECT max(rowid) FROM devices)",
]


def _outputs(conn) -> dict:
    """Every summary table's rows, and each search and trigram index as its instances (term,
    row, column, offset)."""
    out = {t: sorted(conn.execute(f"SELECT * FROM [{t}]")) for t in summaries.TABLES}
    for index in (*summaries.SEARCH, *summaries.TRIGRAM):
        conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.[vocab_{index}] USING fts5vocab(main, [{index}], 'instance')")
        out[index] = sorted(conn.execute(f"SELECT * FROM temp.[vocab_{index}]"))
    return out


@pytest.mark.parametrize("writes", [KEYED_WRITES[:1], KEYED_WRITES[1:2], KEYED_WRITES[2:6], KEYED_WRITES[7:8],
                                    KEYED_WRITES[8:9], KEYED_WRITES[9:12], KEYED_WRITES[12:], KEYED_WRITES])
def test_the_rows_of_the_keys_written_made_again_equal_all_made_again(conn, writes):
    """The step's incremental form after writes to the KEYED tables only: what it keeps and
    what it makes again equals everything made again."""
    conn.execute("PRAGMA foreign_keys = OFF")
    for write in writes:
        before = conn.total_changes
        conn.execute(write)
        assert conn.total_changes > before or write.startswith("CREATE"), write
    assert summaries.changes(conn).tables == "keys"
    summaries.patch_summaries(SimpleNamespace(writer=SimpleNamespace(db=conn)))
    patched = _outputs(conn)
    summaries.summarise(conn)
    assert patched == _outputs(conn)


@pytest.mark.parametrize("write", [
    "UPDATE sources SET as_of = '1999-01-01' WHERE rowid = (SELECT min(rowid) FROM sources)",
    "UPDATE utilities SET state = 'ZZ' WHERE rowid = (SELECT min(rowid) FROM utilities)",
    "DROP TRIGGER temp.[patch_summaries_keys_approvals_update]",
])
def test_a_write_beyond_the_keyed_tables_makes_them_all_again(conn, write):
    conn.execute(KEYED_WRITES[0])
    conn.execute(write)
    assert summaries.changes(conn).tables == "all"


# --- patched builds ---------------------------------------------------------------------

N = 8


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """A generated corpus of N documents and its database: (kb, db)."""
    kb = generate(tmp_path_factory.mktemp("summaries") / "kb", N, seed=11).kb
    build(kb.parent / "kb.db", kb)
    return kb, kb.parent / "kb.db"


def _patched_and_cold(built, tmp_path, change, monkeypatch) -> tuple[Path, Path, list[str]]:
    """The built database patched after `change` of a copy of the corpus, a full build of that
    copy, and how the patch worked the summaries out again (each call: "all" or "keys")."""
    kb, warm = tmp_path / "kb", tmp_path / "warm.db"
    shutil.copytree(built[0], kb)
    shutil.copy(built[1], warm)
    shutil.copytree(built[1].with_name("kb.db.cache"), tmp_path / "warm.db.cache")
    change(kb)
    calls = []
    for name, how in (("make_tables", "all"), ("refresh", "keys")):
        real = getattr(summaries, name)
        monkeypatch.setattr(summaries, name, lambda conn, real=real, how=how: (calls.append(how), real(conn))[1])
    result = CliRunner().invoke(cli, ["build", "--db", str(warm), "--kb", str(kb)])
    assert result.exit_code == 0, result.output
    assert "incremental build: patched the previous database (1 changed" in result.output
    made = list(calls)  # (the full build's summarise below makes the tables too)
    cold = tmp_path / "cold.db"
    assert CliRunner().invoke(cli, ["build", "--db", str(cold), "--kb", str(kb), "-q"]).exit_code == 0
    return warm, cold, made


def _entry_change(field: str, value):
    def change(kb: Path) -> None:
        path = kb / "sources" / "manifest.yaml"
        manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
        entry = manifest["sources"][0]
        entry[field] = value
        path.write_text(dump_yaml(manifest), encoding="utf-8")
    return change


@pytest.mark.parametrize("change, worked_out", [
    (touch_one_source, []),  # a blank line: no row changes
    (_entry_change("title", "Renamed list"), []),  # a column the summaries do not read
    (_entry_change("as_of", "2099-12-31"), ["all"]),  # its rows carry the date: written again
    (edit_one_status, ["keys"]),  # one approval's status: its device and utility's rows
])
def test_patched_summaries_equal_a_full_builds(built, tmp_path, monkeypatch, change, worked_out):
    warm, cold, calls = _patched_and_cold(built, tmp_path, change, monkeypatch)
    assert calls == worked_out
    assert _dump(warm) == _dump(cold)


# --- what the skip relies on: the lists of what is read, kept with the SQL that reads ---------

def _summary_rows(conn) -> dict:
    summaries.summarise(conn)
    return {t: sorted(conn.execute(f"SELECT * FROM [{t}]")) for t in summaries.TABLES}


def _change_every_value(conn, table: str, columns) -> None:
    """Every value of `columns` changed (but NULL), each row's differently: a column read only to
    compare rows (editions are grouped by their series) reads otherwise after it, as one read
    for its value does."""
    for c in columns:
        conn.execute(f"UPDATE [{table}] SET [{c}] = CASE typeof([{c}]) WHEN 'integer' THEN [{c}] + 7 + rowid "
                     f"WHEN 'real' THEN [{c}] + 7 + rowid WHEN 'null' THEN NULL ELSE [{c}] || '-other-' || rowid END")


@pytest.fixture(params=["seeds", "generated"])
def a_built_db(request) -> Path:
    """The seed corpus's database, and a generated corpus's (whose lists have several editions)."""
    return request.getfixturevalue("built_db") if request.param == "seeds" else request.getfixturevalue("built")[1]


def test_the_summaries_read_no_column_of_sources_but_source_columns(a_built_db, tmp_path):
    """inputs_unchanged compares only SOURCE_COLUMNS of `sources`: every other column changed
    (each value that is not NULL) must leave every summary table as it was. A query of
    summaries.py (or of the current_sources view) that comes to read another column fails
    here, not silently in an incremental build."""
    shutil.copy(a_built_db, tmp_path / "a.db")
    conn = sqlite3.connect(tmp_path / "a.db")
    try:
        before = _summary_rows(conn)
        cols = [r[1] for r in conn.execute("PRAGMA table_info(sources)") if r[1] not in summaries.SOURCE_COLUMNS]
        assert cols
        _change_every_value(conn, "sources", cols)
        assert _summary_rows(conn) == before
    finally:
        conn.close()


@pytest.mark.parametrize("table", sorted(summaries.COLUMNS_READ))
def test_the_summaries_read_no_column_of_a_table_but_those_listed(built_db, tmp_path, table):
    """The watch's triggers see an update of a table only in COLUMNS_READ's columns: every
    other column changed must leave every output of the step (summary tables, search and
    trigram indexes) as it was. A query of summaries.py that comes to read another column
    fails here, not silently in an incremental build."""
    shutil.copy(built_db, tmp_path / "a.db")
    conn = sqlite3.connect(tmp_path / "a.db")
    try:
        summaries.summarise(conn)
        before = _outputs(conn)
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])") if r[1] not in summaries.COLUMNS_READ[table]]
        assert conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]  # (aliases: every column is read)
        _change_every_value(conn, table, cols)
        summaries.summarise(conn)
        assert _outputs(conn) == before
    finally:
        conn.close()


def test_aliases_read_only_the_columns_named(built_db):
    """The aliases' incremental form reads only NAMED's columns of each table: alias_rows
    gives the same rows from them as from whole rows (a column it comes to read that NAMED
    lacks would be None in an incremental build only), both as built and with every text
    changed, each column's of each row differently (a name that is also the gazetteer's, or
    its id in other case, gives the same spellings whether it is read or not)."""
    from msakb.db.derive import aliases
    from tests.kbtools import KB

    conn = sqlite3.connect(built_db)
    conn.row_factory = sqlite3.Row
    try:
        whole = {t: [dict(r) for r in conn.execute(f"SELECT * FROM [{t}] ORDER BY rowid")] for t in aliases.NAMED}
    finally:
        conn.close()
    changed = {t: [{c: f"{v} {c} {i}" if isinstance(v, str) else v for c, v in r.items()} for i, r in enumerate(rows)]
               for t, rows in whole.items()}
    for rows in (whole, changed):
        named = {t: [{c: r[c] for c in cols} for r in rows[t]] for t, cols in aliases.NAMED.items()}
        assert aliases.alias_rows(named, KB) == aliases.alias_rows(rows, KB)


def test_a_panel_model_renamed_patched_equals_a_full_build(built_db, kb_copy, tmp_path):
    """A model in SCE's list of incompatible panels renamed: the panel models are written
    again (other rowids) and their trigram index made again; the patched file equals a full
    build's (the index compared by the rows it finds: tests/test_bench.py _dump)."""
    warm = tmp_path / "warm.db"
    shutil.copy(built_db, warm)
    shutil.copytree(built_db.with_name(f"{built_db.name}.cache"), tmp_path / "warm.db.cache")
    path = kb_copy / "sources" / "manifest.yaml"
    manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry = next(e for e in manifest["sources"] if e["id"] == "sce-msa-program-guidelines-2025")
    src = kb_copy / "sources" / entry["file"]
    text = src.read_text(encoding="utf-8")
    assert text.count("- MBE1836B125BS/MBE1836B125BF\n") == 1
    data = text.replace("- MBE1836B125BS/MBE1836B125BF\n", "- MBE1836B125BS/MBE1836B150BF\n").encode("utf-8")
    src.write_bytes(data)
    entry["sha256"] = hashlib.sha256(data).hexdigest()
    path.write_text(dump_yaml(manifest), encoding="utf-8")
    calls = []
    real = summaries.trigram_indexes
    with pytest.MonkeyPatch.context() as m:
        m.setattr(summaries, "trigram_indexes", lambda conn: (calls.append(1), real(conn))[1])
        result = CliRunner().invoke(cli, ["build", "--db", str(warm), "--kb", str(kb_copy)])
    assert result.exit_code == 0, result.output
    assert "incremental build: patched the previous database (1 changed" in result.output
    assert calls == [1]
    cold = tmp_path / "cold.db"
    assert CliRunner().invoke(cli, ["build", "--db", str(cold), "--kb", str(kb_copy), "-q"]).exit_code == 0
    conn = sqlite3.connect(warm)
    try:
        assert conn.execute("SELECT model FROM panel_models_trigram WHERE model MATCH '36B150'").fetchall() == [
            ("MBE1836B150BF",)]
    finally:
        conn.close()
    assert _dump(warm) == _dump(cold)
