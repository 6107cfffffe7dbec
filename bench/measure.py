"""The build measurements at one corpus size: a full build, an incremental build after one
source changed, the load against a bare executemany, peak memory, and the extraction time
against spaCy's bare tokenizer over the same text. Builds run in child processes
(bench/child.py), so that each starts cold and its peak memory is its own."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import yaml

from bench import REPO

from .generate import Corpus, write_yaml
from .memory import run_sampled


class BenchError(RuntimeError):
    pass


def child_env() -> dict:
    """The environment of child processes: this checkout's code first (so a run from a
    snapshot of the repository measures the snapshot, not the editable install)."""
    return {**os.environ, "PYTHONPATH": str(REPO)}


def child_build(kb: Path, db: Path, workers: int | None = None, bare: bool = False) -> dict:
    """Build kb into db in a fresh process (with `workers` worker processes; default: the
    build's own, one per core); its phase times, peak memory (bench/memory.py) and counts;
    with `bare`, the time of a bare load of its rows too (`bare_executemany`)."""
    args = [sys.executable, "-m", "bench.child", str(kb), str(db)] + ([str(workers)] if workers else [])
    proc, memory = run_sampled(args, cwd=REPO, env=child_env())
    if proc.returncode != 0:
        raise BenchError(f"build of {kb} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    out = {**json.loads(proc.stdout.strip().splitlines()[-1]), **memory}
    if not bare:
        return out
    bare = subprocess.run([sys.executable, "-m", "bench.child", "--bare", str(db)], cwd=REPO,
                          capture_output=True, text=True, env=child_env())
    if bare.returncode != 0:
        raise BenchError(f"the bare load of {db} failed (exit {bare.returncode}):\n{bare.stderr[-3000:]}")
    return {**out, **json.loads(bare.stdout.strip().splitlines()[-1])}


def extraction_rounds(corpus: Corpus) -> int:
    """Rounds of the side-by-side extraction measurement: more on a small corpus, where one
    round is short and noise large; one on a national-size corpus (a round is a minute)."""
    return 10 if corpus.chars < 1e6 else 3 if corpus.chars < 1e7 else 1


def extraction_vs_tokenizer(kb: Path, rounds: int) -> dict:
    """bench/extraction.py in a fresh process: the seconds of each round of extraction and of
    `make_doc` over the same texts, and the best of each."""
    proc = subprocess.run([sys.executable, "-m", "bench.extraction", str(kb), str(rounds)], cwd=REPO,
                          capture_output=True, text=True, env=child_env())
    if proc.returncode != 0:
        raise BenchError(f"extraction measurement of {kb} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    rounds_ = json.loads(proc.stdout.strip().splitlines()[-1])
    return {**rounds_, "extract_best": min(rounds_["extract"]), "tokenizer_best": min(rounds_["tokenizer"])}


def touch_one_source(kb: Path) -> str:
    """Change one source (a blank line appended to the first) and its sha256 in the manifest,
    as an edited edition would. Returns its id."""
    path = kb / "sources" / "manifest.yaml"
    manifest = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    entry = manifest["sources"][0]
    src = kb / "sources" / entry["file"]
    data = src.read_bytes() + b"\n"
    src.write_bytes(data)
    entry["sha256"] = hashlib.sha256(data).hexdigest()
    write_yaml(path, manifest)
    return entry["id"]


# Status wordings of the generated lists, each replaced by another in an edited edition.
_STATUS_SWAPS = [("Approved for MSA application", "Currently undergoing pilot phase."),
                 ("Currently undergoing pilot phase.", "Approved for MSA application")]


def edit_one_status(kb: Path) -> str:
    """A real content edit: one approval's status changes in an approved list in the middle
    of the corpus (the passage's length, and every later offset, change with it). Returns
    the edited source's id. The blank line of touch_one_source changes no fact."""
    path = kb / "sources" / "manifest.yaml"
    manifest = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    entries = manifest["sources"]
    for entry in entries[len(entries) // 2:] + entries[: len(entries) // 2]:
        if entry["kind"] != "approved_product_list":
            continue
        src = kb / "sources" / entry["file"]
        text = src.read_text(encoding="utf-8")
        for old, new in _STATUS_SWAPS:
            if old in text:
                data = text.replace(old, new, 1).encode("utf-8")
                src.write_bytes(data)
                entry["sha256"] = hashlib.sha256(data).hexdigest()
                write_yaml(path, manifest)
                return entry["id"]
    raise BenchError("no approved list with a status to edit")


def table_counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%'")]
        return {n: conn.execute(f"SELECT count(*) FROM [{n}]").fetchone()[0] for n in names}
    finally:
        conn.close()


def lost_rows(corpus: Corpus, counts: dict[str, int]) -> dict[str, tuple[int, int]]:
    """Tables whose row count differs from what the generator planted: {table: (planted, built)}."""
    return {t: (n, counts.get(t, 0)) for t, n in corpus.planted.items() if counts.get(t, 0) != n}


def status_mismatch(corpus: Corpus, db: Path) -> dict:
    if not corpus.statuses:
        return {}
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    got = dict(conn.execute("SELECT status, count(*) FROM approvals GROUP BY status"))
    conn.close()
    return {} if got == dict(corpus.statuses) else {"planted": dict(corpus.statuses), "built": got}


INCREMENTAL_ROUNDS = 5  # bench/report.py says how many


def incremental_build(corpus: Corpus, db: Path, change, what: str, progress,
                      rounds: int = INCREMENTAL_ROUNDS) -> tuple[str, dict]:
    """`rounds` times: apply `change` to the corpus (a new change each time), rebuild, check
    no row was lost. One incremental build is short enough that a moment of other work on the
    machine shows: the fastest round is the figure, and every round's total is kept. Returns (source changed, timings of the fastest round)."""
    progress(f"  incremental builds after {what} ({rounds} rounds) ...")
    runs = []
    for _ in range(max(1, rounds)):
        source = change(corpus.kb)
        timings = child_build(corpus.kb, db)
        lost = lost_rows(corpus, table_counts(db))
        if lost:
            raise BenchError(f"rows lost or added by the incremental build after {what}: {lost}")
        runs.append((timings["total"], source, timings))
    total, source, best = min(runs, key=lambda r: r[0])
    progress(f"  incremental build {total:.2f}s (rounds: {', '.join(f'{r[0]:.2f}' for r in runs)})")
    return source, {**best, "rounds": [r[0] for r in runs]}


def measure_builds(corpus: Corpus, db: Path, progress) -> dict:
    """Full build (cold cache), then incremental build after one source changed."""
    cache = db.with_name(f"{db.name}.cache")
    shutil.rmtree(cache, ignore_errors=True)
    db.unlink(missing_ok=True)
    progress(f"  full build of {corpus.documents} documents ...")
    full = child_build(corpus.kb, db, bare=True)
    counts = table_counts(db)
    lost = lost_rows(corpus, counts)
    if lost:
        raise BenchError(f"rows lost or added at {corpus.documents} documents: {lost}")
    mismatch = status_mismatch(corpus, db)
    if mismatch:
        raise BenchError(f"approval statuses differ from the planted ones: {mismatch}")
    progress(f"  full build {full['total']:.1f}s ...")
    changed, incr = incremental_build(corpus, db, touch_one_source, "one source changed (a blank line)", progress)
    edited, incr_edit = incremental_build(corpus, db, edit_one_status, "one approval's status changed", progress)
    rounds = extraction_rounds(corpus)
    progress(f"  extraction against the bare tokenizer over the same text ({rounds} rounds) ...")
    side = extraction_vs_tokenizer(corpus.kb, rounds)
    return {
        "documents": corpus.documents, "chars": corpus.chars, "full": full,
        "incremental": incr, "changed_source": changed, "incremental_edit": incr_edit, "edited_source": edited,
        "extraction": side, "tokenizer": side["tokenizer_best"], "counts": counts,
        "planted": corpus.planted, "db_bytes": db.stat().st_size,
    }
