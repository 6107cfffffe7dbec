"""The build's one list of steps (db/pipeline/steps.py): each step's declarations hold and fit
the order the steps run in; a step adding rows it does not declare fails the build; a step
without an incremental form, or a changed list, gives a full build that says why; the
benchmark times each part of each step."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest
from click.testing import CliRunner

from bench.generate import generate
from bench.measure import child_env, touch_one_source
from msakb.cli import cli
from msakb.db.pipeline import steps
from msakb.db.pipeline.step import Step
from msakb.errors import BuildError
from tests.kbtools import REPO, keep_sources

SCE_LIST = "sce-approved-products-2026-04-12"


def table_of(name: str) -> str:
    return name.split(".")[0]


def test_each_step_reads_only_what_is_written_before_it_runs():
    names = [s.name for s in steps.STEPS]
    assert len(set(names)) == len(names)
    for i, step in enumerate(steps.STEPS):
        before, after = steps.STEPS[:i], steps.STEPS[i + 1:]
        reads = set(step.reads)
        if step.derive:
            # a deriver sees the rows of the steps before it, and none of their post-write work
            # (its incremental form runs after the steps before it have patched theirs)
            assert not reads & {t for s in after for t in s.derives}, step.name
            assert not reads & {table_of(w) for s in before for w in s.writes_after}, step.name
        if step.post_write:
            assert not reads & {table_of(w) for s in after for w in s.writes_after}, step.name
        assert step.patch is not None, f"{step.name}: every step of the list can be patched"


def test_what_the_steps_write_after_is_in_the_built_database(built_db):
    conn = sqlite3.connect(built_db)
    objects = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    for step in steps.STEPS:
        for table in step.reads + step.derives:
            assert table in objects, f"{step.name} declares {table}"
        for written in step.writes_after:
            if "." in written:  # a column the step fills
                table, column = written.split(".")
                assert conn.execute(f"SELECT count(*) FROM [{table}] WHERE [{column}] IS NULL").fetchone()[0] == 0
                assert conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0] > 0
            else:
                assert written in objects, f"{step.name}: {written}"
    conn.close()


def test_a_step_must_declare_what_its_functions_write():
    with pytest.raises(BuildError, match="declare what derive writes"):
        Step("unsaid", derive=lambda rows, docs, kb: {})
    with pytest.raises(BuildError, match="declare what derive writes"):
        Step("no function", writes_after=("a view",))


def _sce_only(kb_copy):
    keep_sources(kb_copy, [SCE_LIST])
    return kb_copy


def test_a_step_adding_rows_it_does_not_declare_fails_the_build(kb_copy, tmp_path, monkeypatch):
    def adds_citations(rows, docs, kb):
        return {"conflicts": [], "citations": []}

    monkeypatch.setattr(steps, "STEPS", steps.STEPS + (
        Step("careless", derives=("conflicts",), derive=adds_citations, patch=lambda p: None),))
    db = tmp_path / "kb.db"
    result = CliRunner().invoke(cli, ["build", "--db", str(db), "--kb", str(_sce_only(kb_copy)), "-q"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        "Error: build step 'careless' added rows to citations, which it does not declare in `derives` "
        "(conflicts); db/pipeline/steps.py")
    assert not db.exists()


def test_a_step_without_an_incremental_form_gives_a_full_build_that_says_so(kb_copy, tmp_path, monkeypatch):
    kb, db = _sce_only(kb_copy), tmp_path / "kb.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["build", "--db", str(db), "--kb", str(kb), "-q"]).exit_code == 0
    touch_one_source(kb)
    later = Step("later", writes_after=("nothing",), post_write=lambda conn: None)
    monkeypatch.setattr(steps, "STEPS", steps.STEPS + (later,))
    result = runner.invoke(cli, ["build", "--db", str(db), "--kb", str(kb)])
    assert result.exit_code == 0, result.output
    assert "full build: the build's steps changed" in result.output  # the list differs from the last build's
    touch_one_source(kb)
    result = runner.invoke(cli, ["build", "--db", str(db), "--kb", str(kb)])
    assert result.exit_code == 0, result.output
    assert "full build: the build step 'later' has no incremental form" in result.output
    assert "incremental build" not in result.output


def test_the_benchmark_times_each_part_of_each_step(tmp_path):
    corpus = generate(tmp_path / "kb", 4, seed=3)
    db = tmp_path / "kb.db"

    def child() -> dict:
        proc = subprocess.run([sys.executable, "-m", "bench.child", str(corpus.kb), str(db)], cwd=REPO,
                              capture_output=True, text=True, env=child_env())
        assert proc.returncode == 0, proc.stderr[-2000:]
        return json.loads(proc.stdout.strip().splitlines()[-1])

    full = child()
    touch_one_source(corpus.kb)
    incremental = child()
    for step in steps.STEPS:
        for part in ("derive", "post_write"):
            assert (f"{part}:{step.name}" in full) == (getattr(step, part) is not None), (part, step.name)
        assert f"patch:{step.name}" in incremental and f"patch:{step.name}" not in full
    assert {"parse", "resolve", "write", "check"} <= set(full) and {"patch", "check"} <= set(incremental)
