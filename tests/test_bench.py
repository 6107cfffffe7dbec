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
from bench.measure import table_counts, touch_one_source
from msakb.cli import cli
from msakb.paths import REPO

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
    conn = sqlite3.connect(db)
    names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'build_info'")]
    out = {n: sorted(map(repr, conn.execute(f"SELECT * FROM [{n}]"))) for n in names}
    conn.close()
    return out


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
    cold = tmp_path / "cold.db"
    assert runner.invoke(cli, ["build", "--db", str(cold), "--kb", str(kb), "-q"]).exit_code == 0
    assert _dump(warm) == _dump(cold)
    # the entries of the source as it was are pruned; one records and one candidates entry per source remain
    assert len(list((tmp_path / "warm.db.cache").glob("*-records.pickle"))) == N


STALL = """
import pathlib, sys, time
from db import hooks
from db.build import build
def stall(conn):
    pathlib.Path(sys.argv[3]).write_text("in post-write")
    time.sleep(120)
hooks.POST_WRITE.append(stall)
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
    (kb / "sources" / "manifest.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
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


def test_bench_command_rejects_a_bad_size():
    result = CliRunner().invoke(cli, ["bench", "--sizes", "seeds,ten"])
    assert result.exit_code == 2
    assert "--sizes: 'ten' is not a number of documents (or 'seeds')" in result.output
