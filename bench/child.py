"""One build in a fresh process, timed phase by phase: `python -m bench.child KB DB [WORKERS]`;
and the bare load of its rows: `python -m bench.child --bare DB`.

The build measured is the real `msakb.db.pipeline.builder.build`, unchanged: a full build
reports its own phases (BuildResult.timings: wall-clock in the build's process, and the
per-source work summed over the sources its workers read); the load is timed by wrapping the
insert_rows the builder calls, an incremental build's phases by wrapping what
msakb.db.pipeline.patch calls (resolve, each step's incremental form, the checks). The
process prints one JSON line: the phase times, the number of worker processes, the peak
resident memory of this process and of its largest worker (ru_maxrss; the memory of the
whole build, all processes together, is sampled from outside: bench/memory.py) and, for the
load comparison (`--bare`, a process of its own), the time of a bare `executemany` of the very
rows the build wrote, in one transaction.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import resource
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from msakb.db.pipeline import builder as b
from msakb.db.pipeline import patch, patch_writes, steps
from msakb.db.pipeline.step import Step

TIMES: dict[str, float] = defaultdict(float)


def timed(name: str, fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            TIMES[name] += time.perf_counter() - started
    return wrapper


def timed_step(step: Step) -> Step:
    """The step with each of its parts timed (`derive:<name>`, `post_write:<name>`, `patch:<name>`)."""
    parts = {part: timed(f"{part}:{step.name}", fn) for part in ("derive", "post_write", "patch")
             if (fn := getattr(step, part)) is not None}
    return dataclasses.replace(step, **parts)


def instrument() -> None:
    # the rows the build's own process writes (sources, derived rows) and copies from the
    # files its workers resolved partitions into (their own writing: `workers:write`)
    b.insert_rows = timed("write", b.insert_rows)
    b.copy_rows = timed("write", b.copy_rows)
    b.create_indexes = timed("write", b.create_indexes)
    patch.resolve = timed("resolve", patch.resolve)  # an incremental build patches the previous database
    patch.apply = timed("patch", patch.apply)
    patch_writes.check = timed("check", patch_writes.check)
    steps.STEPS = tuple(timed_step(s) for s in steps.STEPS)


def bare_executemany(db_path: Path) -> float:
    """The same rows (read back from the built file, as tuples, beforehand) into the same
    schema (its DDL), with plain executemany in one transaction."""
    src = sqlite3.connect(db_path)
    # the full-text and trigram indexes (virtual tables, and the tables they keep) are the post-write steps' work
    virtual = [n for (n,) in src.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'")]
    kept = lambda n: not n.startswith("sqlite_") and not any(n == v or n.startswith(v + "_") for v in virtual)  # noqa: E731
    tables = [(n, sql) for n, sql in src.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL") if kept(n)]
    indexes = [sql for t, sql in src.execute(
        "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL") if kept(t)]
    data = {n: src.execute(f"SELECT * FROM [{n}]").fetchall() for n, _ in tables}
    src.close()
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "bare.db", isolation_level=None)
        started = time.perf_counter()
        conn.execute("BEGIN")  # schema and rows: one transaction
        for sql in [sql for _, sql in tables] + indexes:
            conn.execute(sql)
        for name, _ in tables:
            if data[name]:
                conn.executemany(f"INSERT INTO [{name}] VALUES ({', '.join('?' * len(data[name][0]))})", data[name])
        conn.execute("COMMIT")
        took = time.perf_counter() - started
        conn.close()
    return took


def main(kb: str, db: str, workers: str = "") -> None:
    from msakb.extract.shared.entities import nlp_for

    started = time.perf_counter()
    nlp_for()  # the pipeline's construction is timed apart (the tokenizer baseline excludes it too)
    TIMES["load_nlp"] = time.perf_counter() - started
    instrument()
    started = time.perf_counter()
    result = b.build(Path(db), Path(kb), workers=int(workers) if workers else None)
    total = time.perf_counter() - started + TIMES["load_nlp"]
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = {
        "total": total, **TIMES, **result.timings, "workers": result.workers,
        "peak_rss_mb": own.ru_maxrss / 1024, "worker_peak_rss_mb": children.ru_maxrss / 1024,
        "cpu": own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime,
        "counts": result.counts,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "--bare":  # apart from the build: its memory is not the build's
        print(json.dumps({"bare_executemany": bare_executemany(Path(sys.argv[2]))}))
    else:
        main(*sys.argv[1:4])
