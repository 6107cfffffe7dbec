"""The benchmark's corpus and the limits it checks: a generated corpus builds with the real
extractors into exactly the rows the generator planted; a build killed half-way leaves the
previous database whole; the record cache changes nothing in the output."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bench.generate import generate
from bench.measure import _STATUS_SWAPS, table_counts, touch_one_source
from msakb.cli import cli
from msakb.db.store.models import SEARCH_ROWID
from msakb.knowledge.yamlfile import dump_yaml
from tests.kbtools import REPO

N = 20


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("bench") / "kb", N, seed=6)


@pytest.fixture(scope="module")
def built(corpus, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("benchdb") / "kb.db"
    result = CliRunner().invoke(cli, ["build", "--db", str(db), "--kb", str(corpus.kb), "-q"])
    assert result.exit_code == 0, result.output
    return db


def test_generated_corpus_builds_to_the_planted_rows(corpus, built):
    counts = table_counts(built)
    assert {t: counts.get(t, 0) for t in corpus.planted} == corpus.planted
    # the figures of this seed, so that a change in the generator or the extractors shows
    assert corpus.planted == {
        "sources": 20, "utilities": 6, "states": 7, "devices": 13, "approvals": 139, "required_devices": 221,
        "specs": 585, "restrictions": 227, "definitions": 26, "manufacturers": 6, "directives": 5, "decisions": 1,
        "citations": 203, "conflicts": 0,
    }
    conn = sqlite3.connect(built)
    assert dict(conn.execute("SELECT status, count(*) FROM approvals GROUP BY status")) == dict(corpus.statuses)
    # every generated utility named in the manifest was found in its text, and is a row
    manifest = yaml.safe_load((corpus.kb / "sources" / "manifest.yaml").read_text(encoding="utf-8"))
    kinds = {s["kind"] for s in manifest["sources"]}
    assert kinds == {"approved_product_list", "meeting_summary"}  # lists and orders
    assert {s["utility"] for s in manifest["sources"] if s["utility"]} == {u for (u,) in conn.execute("SELECT id FROM utilities")}
    # the order's items, in order, are its directives, due the date its lead line states
    (order,) = [s for s in manifest["sources"] if s["kind"] == "meeting_summary"]
    text = (corpus.kb / "sources" / order["file"]).read_text(encoding="utf-8")
    due = dt.datetime.strptime(re.search(r"No later than (\w+ \d+, \d{4})", text).group(1), "%B %d, %Y").date().isoformat()
    items = re.findall(r"^- \((\d)\) (.+?)(?:; and|;|\.)$", text, re.M)
    assert conn.execute("SELECT item, text, due_date FROM directives ORDER BY item").fetchall() == [
        (int(k), t, due) for k, t in items]
    assert len(items) == 5
    conn.close()


def test_generator_is_deterministic(corpus, tmp_path):
    again = generate(tmp_path / "kb", N, seed=6)
    for f in sorted((corpus.kb / "sources").iterdir()):
        assert (again.kb / "sources" / f.name).read_bytes() == f.read_bytes()
    assert again.planted == corpus.planted


def _dump(db: Path) -> dict:
    """Every table's rows, sorted (build_info aside); the indexes, triggers and views; a
    full-text index as its instances (term, the key of the row it indexes, column, offset):
    its shadow tables hold rowids, which a patched build (db/pipeline/patch.py) does not keep,
    and what a search finds is the rows the instances name. So does search_rowid: its value is
    the row's rowid in every row (asserted here), the rest of the row is what is compared."""
    conn = sqlite3.connect(db)
    out = {"schema": sorted(conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('index', 'trigger', 'view')"))}
    fts = {n: sql for n, sql in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%'")}
    shadows = {f"{n}_{part}" for n in fts for part in ("data", "idx", "docsize", "config", "content")}
    for n in [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'build_info'")]:
        if n in fts:
            out[n] = _instances(conn, n, fts[n])
        elif n not in shadows:
            cols = [c for (_, c, *_) in conn.execute(f"PRAGMA table_info([{n}])")]
            if SEARCH_ROWID in cols:
                assert conn.execute(f"SELECT count(*) FROM [{n}] WHERE {SEARCH_ROWID} IS NOT rowid").fetchone() == (0,), n
            kept = ", ".join(f"[{c}]" for c in cols if c != SEARCH_ROWID)
            out[n] = sorted(map(repr, conn.execute(f"SELECT {kept} FROM [{n}]")))
    conn.close()
    return out


def _instances(conn: sqlite3.Connection, index: str, sql: str) -> list[tuple]:
    """A full-text index's instances, each with the key of the row it indexes: a row of its
    content table, or (contentless: content='') of the table db/derive/summaries.py SEARCH
    fills it from, by rowid. A rowid that names no row is kept as such: the index is stale."""
    from msakb.db.derive.summaries import SEARCH
    from msakb.db.pipeline.patch_writes import key_column

    content = re.search(r"\bcontent\s*=\s*(['\"])(.*?)\1", sql)
    table = content.group(2) if content and content.group(2) else SEARCH[index][0]
    keys = dict(conn.execute(f"SELECT rowid, [{key_column(table)}] FROM [{table}]"))
    conn.execute(f"CREATE VIRTUAL TABLE temp.[instances_{index}] USING fts5vocab(main, [{index}], 'instance')")
    return sorted((term, str(keys.get(doc, f"no row: rowid {doc}")), col, offset)
                  for term, doc, col, offset in conn.execute(f"SELECT * FROM temp.[instances_{index}]"))


def _copy(db: Path, tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copy(db, tmp_path / "copy.db"))


def test_dump_sees_which_row_a_full_text_index_finds(built_db, tmp_path):
    """A device given another rowid, its indexes left as they were: they find no row for its
    terms, though every term is counted as before. _dump names the rows found."""
    copy = _copy(built_db, tmp_path)
    before = _dump(copy)
    conn = sqlite3.connect(copy)
    conn.execute(f"UPDATE devices SET rowid = rowid + 100000, {SEARCH_ROWID} = rowid + 100000 "
                 "WHERE rowid = (SELECT min(rowid) FROM devices)")
    conn.commit()
    conn.close()
    after = _dump(copy)
    assert {k for k in before if before[k] != after[k]} == {"devices_fts", "devices_names_fts"}


def test_dump_compares_a_full_text_index_whatever_the_rowids(built_db, tmp_path):
    """A panel model written again (another rowid, as an incremental build writes it) and its
    trigram index made again: the same rows, the same index."""
    copy = _copy(built_db, tmp_path)
    before = _dump(copy)
    conn = sqlite3.connect(copy)
    first = "rowid = (SELECT min(rowid) FROM panel_models)"
    conn.execute(f"CREATE TEMP TABLE moved AS SELECT * FROM panel_models WHERE {first}")
    conn.execute(f"DELETE FROM panel_models WHERE {first}")
    conn.execute("INSERT INTO panel_models SELECT * FROM temp.moved")
    conn.execute("INSERT INTO panel_models_trigram (panel_models_trigram) VALUES ('rebuild')")
    conn.commit()
    assert conn.execute("SELECT count(*) FROM panel_models").fetchone()[0] > 1
    conn.close()
    assert _dump(copy) == before


def test_cached_rebuild_after_one_change_equals_a_cold_build(corpus, built, tmp_path):
    import shutil

    kb = tmp_path / "kb"
    shutil.copytree(corpus.kb, kb)
    warm = tmp_path / "warm.db"
    shutil.copy(built, warm)
    shutil.copytree(built.with_name("kb.db.cache"), tmp_path / "warm.db.cache")
    touch_one_source(kb)
    runner = CliRunner()
    result = runner.invoke(cli, ["build", "--db", str(warm), "--kb", str(kb)])
    assert result.exit_code == 0, result.output
    assert f"cache: {N - 1} sources unchanged (not parsed again), 1 parsed" in result.output
    assert "incremental build: patched the previous database (1 changed, 0 added, 0 removed; 0 row keys" in result.output
    cold = tmp_path / "cold.db"
    assert runner.invoke(cli, ["build", "--db", str(cold), "--kb", str(kb), "-q"]).exit_code == 0
    assert _dump(warm) == _dump(cold)
    # the entries of the source as it was are pruned; one records and one candidates entry per source remain
    assert len(list((tmp_path / "warm.db.cache").glob("*-records.json"))) == N


def _manifest(kb: Path) -> dict:
    return yaml.safe_load((kb / "sources" / "manifest.yaml").read_text(encoding="utf-8"))


def _save(kb: Path, manifest: dict) -> None:
    (kb / "sources" / "manifest.yaml").write_text(dump_yaml(manifest), encoding="utf-8")


def _edit(kb: Path, sid: str, fn) -> None:
    """Rewrite source `sid`'s text with fn(text) and update its sha256 (an edited edition)."""
    import hashlib

    manifest = _manifest(kb)
    (entry,) = [e for e in manifest["sources"] if e["id"] == sid]
    path = kb / "sources" / entry["file"]
    path.write_text(fn(path.read_text(encoding="utf-8")), encoding="utf-8")
    entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    _save(kb, manifest)


def _incremental(tmp_path: Path, db: Path, kb: Path, change) -> tuple[str, Path]:
    """Copy db (and its cache) and kb, change the kb copy, rebuild the db copy: (output, db)."""
    import shutil

    warm, kb2 = tmp_path / "warm.db", tmp_path / "kb"
    shutil.copy(db, warm)
    shutil.copytree(db.with_name(f"{db.name}.cache"), tmp_path / "warm.db.cache")
    shutil.copytree(kb, kb2)
    change(kb2)
    result = CliRunner().invoke(cli, ["build", "--db", str(warm), "--kb", str(kb2)])
    assert result.exit_code == 0, result.output
    return result.output, warm


def _cold(tmp_path: Path) -> Path:
    cold = tmp_path / "cold.db"
    result = CliRunner().invoke(cli, ["build", "--db", str(cold), "--kb", str(tmp_path / "kb"), "-q"])
    assert result.exit_code == 0, result.output
    return cold


def _mid(text: str) -> str:
    """A paragraph inserted a third of the way in: every passage after it moves."""
    i = text.index("\n\n", len(text) // 3) + 1
    return text[:i] + "\nA paragraph added by a later edition.\n" + text[i:]


def _mid_and_last_status(text: str) -> str:
    """_mid, and the last approval status of the list changed: passages move, one fact changes."""
    text = _mid(text)
    old, new = max(((text.rindex(a), a, b) for a, b in _STATUS_SWAPS if a in text))[1:]
    i = text.rindex(old)
    return text[:i] + new + text[i + len(old):]


def test_patched_build_of_an_edited_source_equals_a_cold_build(corpus, built, tmp_path):
    sid = _manifest(corpus.kb)["sources"][2]["id"]
    out, warm = _incremental(tmp_path, built, corpus.kb, lambda kb: _edit(kb, sid, _mid))
    # a paragraph inserted: every passage after it moves, no fact changes
    assert re.search(r"incremental build: patched the previous database \(1 changed, 0 added, 0 removed; "
                     r"0 row keys resolved again, [1-9]\d* rows moved\)", out)
    assert _dump(warm) == _dump(_cold(tmp_path))


def test_patched_build_of_a_moved_and_changed_source_equals_a_cold_build(corpus, built, tmp_path):
    sid = next(e["id"] for e in _manifest(corpus.kb)["sources"][3:] if e["kind"] == "approved_product_list")
    out, warm = _incremental(tmp_path, built, corpus.kb, lambda kb: _edit(kb, sid, _mid_and_last_status))
    assert re.search(r"incremental build: patched the previous database \(1 changed, 0 added, 0 removed; "
                     r"[1-9]\d* row keys resolved again, [1-9]\d* rows moved\)", out)
    assert _dump(warm) == _dump(_cold(tmp_path))


def _removed(corpus, built, tmp_path: Path, index: int) -> Path:
    """Source `index` taken out of the manifest, the database patched: it equals a cold build's."""
    def remove(kb):
        manifest = _manifest(kb)
        manifest["sources"].pop(index)
        _save(kb, manifest)

    out, warm = _incremental(tmp_path, built, corpus.kb, remove)
    assert "incremental build: patched the previous database (0 changed, 0 added, 1 removed;" in out
    assert _dump(warm) == _dump(_cold(tmp_path))
    return warm


def test_patched_build_of_a_removed_source_equals_a_cold_build(corpus, built, tmp_path):
    assert table_counts(_removed(corpus, built, tmp_path, 3))["sources"] == N - 1


def test_patched_build_of_the_only_source_of_a_utility_removed_equals_a_cold_build(corpus, built, tmp_path):
    """The first source alone states its utility: removed, the utility's row and its spellings
    go (the aliases are written again: db/derive/aliases.py patch_aliases)."""
    utility = _manifest(corpus.kb)["sources"][0]["utility"]
    warm = _removed(corpus, built, tmp_path, 0)
    count = "SELECT count(*) FROM aliases WHERE id = ?"
    assert sqlite3.connect(built).execute(count, (utility,)).fetchone()[0]
    assert not sqlite3.connect(warm).execute(count, (utility,)).fetchone()[0]


def test_patched_build_of_an_added_source_equals_a_cold_build(corpus, built, tmp_path):
    """The database built without source 5, then source 5 added back: the full corpus's database."""
    import shutil

    kb = tmp_path / "without"
    shutil.copytree(corpus.kb, kb)
    manifest = _manifest(kb)
    manifest["sources"].pop(5)
    _save(kb, manifest)
    db = tmp_path / "without.db"
    assert CliRunner().invoke(cli, ["build", "--db", str(db), "--kb", str(kb), "-q"]).exit_code == 0
    (tmp_path / "next").mkdir()
    out, warm = _incremental(tmp_path / "next", db, kb, lambda k: shutil.copy(corpus.kb / "sources" / "manifest.yaml",
                                                                              k / "sources" / "manifest.yaml"))
    assert "incremental build: patched the previous database (0 changed, 1 added, 0 removed;" in out
    assert _dump(warm) == _dump(built)


def test_patched_build_moves_a_shared_row_to_the_source_that_still_states_it(corpus, built, tmp_path):
    """A device listed by two sources: its line dropped from the one whose passage was the
    row, the row becomes the other's passage, and the citations follow."""
    conn = sqlite3.connect(built)
    did, sid, start = conn.execute(
        "SELECT d.id, d.source_id, d.char_start FROM devices d WHERE EXISTS (SELECT 1 FROM citations c WHERE "
        "c.table_name = 'devices' AND c.row_id = d.id AND c.source_id != d.source_id) ORDER BY d.id").fetchone()
    conn.close()

    def drop_line(text: str) -> str:
        return text[:text.rfind("\n", 0, start) + 1] + text[text.index("\n", start) + 1:]

    def change(kb):
        _edit(kb, sid, drop_line)
        manifest = _manifest(kb)
        for e in manifest["sources"]:
            e.pop("expect", None) if e["id"] == sid else None
        _save(kb, manifest)

    out, warm = _incremental(tmp_path, built, corpus.kb, change)
    assert "incremental build: patched the previous database (1 changed," in out
    cold = _cold(tmp_path)
    assert _dump(warm) == _dump(cold)
    conn = sqlite3.connect(warm)
    (now,) = conn.execute("SELECT source_id FROM devices WHERE id = ?", (did,)).fetchone()
    assert now != sid
    assert sid not in {s for (s,) in conn.execute(
        "SELECT source_id FROM citations WHERE table_name = 'devices' AND row_id = ?", (did,))}
    conn.close()


def test_patched_build_of_the_seed_corpus_equals_a_cold_build(built_db, tmp_path):
    from tests.kbtools import KB

    out, warm = _incremental(tmp_path, built_db, KB, lambda kb: _edit(kb, "sce-approved-products-2026-04-12", _mid_and_last_status))
    assert re.search(r"incremental build: patched the previous database \(1 changed, 0 added, 0 removed; "
                     r"[1-9]\d* row keys resolved again, [1-9]\d* rows moved\)", out)
    cold = tmp_path / "cold.db"
    result = CliRunner().invoke(cli, ["build", "--db", str(cold), "--kb", str(tmp_path / "kb")])
    assert result.exit_code == 0, result.output
    assert _dump(warm) == _dump(cold)
    summary = lambda text: [line for line in text.splitlines() if line.startswith("  ")]  # noqa: E731
    assert summary(out) == summary(result.output)  # the rows per table, as a full build reports them
    assert len(summary(out)) > 20


def test_a_search_after_a_patched_build_finds_the_edited_row_and_counts_its_facets(built_db, tmp_path):
    """A restriction's text edited: the patched database's search (Datasette's ?_search=,
    matched on search_rowid) finds the row as it is now, and its count and facets count the
    rows whose text holds the word, as SQL on the rows themselves counts them."""
    import json

    from msakb.web.serve import WEB, load_metadata
    from tests.kbtools import KB, datasette_pages

    def zeppelin(text: str) -> str:
        assert text.count("Solar Edge or FranklinWH") == 1
        return _mid(text).replace("Solar Edge or FranklinWH", "Solar Edge or Zeppelin FranklinWH")

    out, warm = _incremental(tmp_path, built_db, KB, lambda kb: _edit(kb, "sce-approved-products-2026-04-12", zeppelin))
    assert "incremental build: patched the previous database (1 changed, 0 added, 0 removed;" in out
    facets = load_metadata()["databases"]["msakb"]["tables"]["restrictions"]["facets"]
    conn = sqlite3.connect(warm)
    for word in ("zeppelin", "franklinwh"):
        page = f"/msakb/restrictions.json?_search={word}&_size=max&_shape=objects"
        found = json.loads(datasette_pages(warm, WEB, [page])[page])
        where = f"WHERE text LIKE '%{word}%' OR justification LIKE '%{word}%'"
        assert sorted(r["id"] for r in found["rows"]) == [i for (i,) in conn.execute(
            f"SELECT id FROM restrictions {where} ORDER BY id")]
        assert found["filtered_table_rows_count"] == len(found["rows"]) > 0
        for column in facets:
            counted = {(f["value"], f["count"]) for f in found["facet_results"][column]["results"]}
            assert counted == set(conn.execute(f"SELECT [{column}], count(*) FROM restrictions {where} "
                                               f"AND [{column}] IS NOT NULL GROUP BY 1")), column
    (text,) = conn.execute("SELECT text FROM restrictions WHERE text LIKE '%Zeppelin%'").fetchone()
    assert text == "MSA should be paired with Solar Edge or Zeppelin FranklinWH Energy Storage and Controller"
    conn.close()


def test_a_changed_annotation_or_step_gives_a_full_build(corpus, built, tmp_path):
    def annotate(kb):
        (kb / "annotations").mkdir(exist_ok=True)
        (kb / "annotations" / "empty.yaml").write_text("records: []\n", encoding="utf-8")

    out, warm = _incremental(tmp_path, built, corpus.kb, annotate)
    assert f"full build: the knowledge folder {tmp_path / 'kb'} changed beyond its sources (annotations, gazetteer, rules, conflicts, decisions)" in out
    assert "incremental build" not in out
    assert _dump(warm) == _dump(built)


def test_a_failing_incremental_build_fails_as_a_full_build_and_keeps_the_old_file(corpus, built, tmp_path):
    """A changed source that no longer yields what the manifest expects: the patch gives way
    to a full build, whose error is the answer; the previous database stays as it was."""
    import shutil

    sid = _manifest(corpus.kb)["sources"][0]["id"]
    warm, kb = tmp_path / "warm.db", tmp_path / "kb"
    shutil.copy(built, warm)
    shutil.copytree(built.with_name("kb.db.cache"), tmp_path / "warm.db.cache")
    shutil.copytree(corpus.kb, kb)
    _edit(kb, sid, lambda text: text.split("\n", 1)[0] + "\n")
    result = CliRunner().invoke(cli, ["build", "--db", str(warm), "--kb", str(kb)])
    assert result.exit_code == 1
    assert "full build: the incremental build stopped on an error\n" in result.output
    error = result.output.strip().splitlines()[-1]
    assert error.startswith(f"Error: {sid}: ") and "never names it" in error
    assert result.output.count("never names it") == 1  # said once, by the full build
    assert _dump(warm) == _dump(built)


STALL = """
import pathlib, sys, time
from msakb.db.pipeline import steps
from msakb.db.pipeline.builder import build
from msakb.db.pipeline.step import Step
def stall(conn):
    pathlib.Path(sys.argv[3]).write_text("in post-write")
    time.sleep(120)
steps.STEPS += (Step("stall", writes_after=("nothing",), post_write=stall),)
build(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]))
"""


def test_killed_build_leaves_the_previous_database(corpus, built, tmp_path):
    import shutil

    db = tmp_path / "kb.db"
    shutil.copy(built, db)
    before = table_counts(db)
    kb = tmp_path / "kb"
    shutil.copytree(corpus.kb, kb)
    manifest = yaml.safe_load((kb / "sources" / "manifest.yaml").read_text(encoding="utf-8"))
    manifest["sources"] = manifest["sources"][:5]  # the new build would hold fewer rows
    (kb / "sources" / "manifest.yaml").write_text(dump_yaml(manifest), encoding="utf-8")
    marker = tmp_path / "writing"
    child = subprocess.Popen([sys.executable, "-c", STALL, str(db), str(kb), str(marker)], cwd=REPO)
    try:
        deadline = time.time() + 120
        while not marker.exists():
            assert child.poll() is None and time.time() < deadline, "the build never reached its temporary file"
            time.sleep(0.1)
        temp = db.with_name(f".{db.name}.tmp-{child.pid}")
        assert temp.exists() and temp.stat().st_size > 0  # killed with the new file written, not renamed
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA quick_check").fetchone() == ("ok",)
    conn.close()
    assert table_counts(db) == before
    assert temp.exists()  # what the killed process left behind ...
    result = CliRunner().invoke(cli, ["build", "--db", str(db), "--kb", str(kb), "-q"])
    assert result.exit_code == 0, result.output
    assert not temp.exists()  # ... the next build removes, and never renames into place
    assert table_counts(db)["sources"] == 5
    assert not list(tmp_path.glob(".kb.db.tmp-*"))


def test_bench_command_rejects_a_bad_size(monkeypatch):
    """A usage error is said first, with or without the bench extras (matplotlib) installed."""
    import importlib.util

    for missing in (False, True):
        if missing:
            find_spec = importlib.util.find_spec
            monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else find_spec(name, *a))
        result = CliRunner().invoke(cli, ["bench", "--sizes", "seeds,ten"])
        assert result.exit_code == 2, result.output
        assert "--sizes: 'ten' is not a number of documents (or 'seeds')" in result.output
    result = CliRunner().invoke(cli, ["bench", "--sizes", "seeds"])
    assert result.exit_code == 1 and result.output.startswith("Error: msakb bench draws its plot with matplotlib")


def test_extraction_is_measured_against_the_tokenizer_round_by_round():
    from bench.measure import extraction_vs_tokenizer
    from tests.kbtools import KB

    got = extraction_vs_tokenizer(KB, 2)
    assert len(got["extract"]) == len(got["tokenizer"]) == 2
    assert got["extract_best"] == min(got["extract"]) > 0 and got["tokenizer_best"] == min(got["tokenizer"]) > 0
