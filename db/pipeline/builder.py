"""`msakb build`: sources -> records -> one SQLite file, atomically.

1. read the manifest; read each source (hash and encoding checked); run its kind's parser
   and the steps' per-source work (candidate facts), in worker processes, one per core
   (db/pipeline/workers.py); each source's text, records and results are written into the
   new file as they arrive, in the manifest's order (db/pipeline/stored.py);
2. read the reviewed annotations (their quotes verified against the sources);
3. resolve records into rows, each saying who states it and whom it binds: one row per key
   (a party's own statement or an order before a report), a repeated statement becomes a
   citation, a contradicting one a conflict (nothing is merged silently); a slice of keys at
   a time, written as resolved;
4. run the build's steps (db/pipeline/steps.py) that derive more rows from them;
5. check every row's quote against its source and every foreign key of the new file (a
   temporary one beside the old), run the steps' post-write parts on it, then rename it over
   the old file. On any error the old file is untouched.

When the previous build's record allows, an incremental build patches a copy of the previous
database instead (db/pipeline/patch.py).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections import Counter
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Callable, Iterable, Iterator

from msakb.db.pipeline import steps
from msakb.db.pipeline.attribution import fill as fill_attribution
from msakb.db.pipeline.attribution import source_voices
from msakb.db.pipeline.cache import RecordCache
from msakb.db.pipeline.checks import check_database
from msakb.db.pipeline.fingerprints import build_info, code_fingerprint
from msakb.db.pipeline.patch import try_patch, write_index
from msakb.db.pipeline.step import hand_over
from msakb.db.pipeline.stored import Staged, StagingFile, StoredRows, copy_rows, partitions_for
from msakb.db.pipeline.texts import DocTexts, StoredDoc
from msakb.db.pipeline.workers import Workers, default_workers, partition_path, raise_error
from msakb.db.store import models
from msakb.db.store.build_info import read_build_info
from msakb.db.store.write import (create_indexes, insert_rows, open_database, remove_stale_temps, source_row,
                                  sync_file, temp_path)
from msakb.errors import BuildError
from msakb.extract.shared.patterns import check_pattern_files
from msakb.extract.shared.records import SourceDoc
from msakb.knowledge.annotations import load_annotations
from msakb.knowledge.gazetteer import load_gazetteer


@dataclass
class BuildResult:
    db_path: Path
    counts: dict[str, int]
    seconds: float
    per_source: dict[str, Counter] = field(default_factory=dict)
    workers: int = 1
    """worker processes of a full build (0: an incremental build)"""
    timings: dict[str, float] = field(default_factory=dict)
    """a full build's phases (s): wall-clock in this process, and (`workers:<part>`) the
    seconds of each part of the per-source work summed over the sources"""


def build(db_path: Path, kb: Path, progress: Callable[[str], None] = lambda s: None,
          workers: int | None = None) -> BuildResult:
    """Build the knowledge base at `db_path` from `kb`, parsing in `workers` processes (default:
    one per core). Atomic: the file at db_path is replaced only when everything succeeded."""
    started, started_ns = time.perf_counter(), time.time_ns()
    db_path = Path(db_path)
    _refuse_foreign_file(db_path)
    cache = RecordCache(db_path.with_name(f"{db_path.name}.cache"), code_fingerprint(), kb, warn=progress)
    # a patch runs only on code (pattern files included) identical to the previous build's,
    # whose full build checked these very files: the check is the full build's
    patched = try_patch(db_path, kb, progress, cache)
    if patched is not None:
        return BuildResult(db_path, patched[0], time.perf_counter() - started, patched[1], workers=0)
    check_pattern_files()
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise ValueError("workers: at least 1")
    result = _full_build(db_path, kb, progress, cache, workers, started_ns)
    result.seconds = time.perf_counter() - started
    return result


def _refuse_foreign_file(db_path: Path) -> None:
    """A file at db_path that msakb did not build is someone else's data: never replace it."""
    if not db_path.exists():
        return
    try:
        read_build_info(db_path)
    except sqlite3.DatabaseError as e:
        raise BuildError(f"{db_path} exists and is not a knowledge base built by msakb ({e}); "
                         "give --db a new file name, or delete the file and build again") from None


def _full_build(db_path: Path, kb: Path, progress, cache: RecordCache, workers: int, started_ns: int) -> BuildResult:
    timings: Counter = Counter()
    clock = _Clock(timings)
    manifest = cache.manifest(kb / "sources" / "manifest.yaml")
    gaz = load_gazetteer(str(kb / "gazetteer"))
    entries = {e.id: e for e in manifest.sources}
    tmp = temp_path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(db_path)
    partitions = partitions_for(len(manifest.sources))
    said: set[str] = set()

    def say_once(line: str) -> None:  # the cache's warnings: the workers' copies warn alike
        if line not in said:
            said.add(line)
            progress(line)

    cache.warn = say_once
    per_source: dict[str, Counter] = {}
    docs: list[SourceDoc] = []
    staging: list[str] = []
    conn = staged = None
    try:
        per_source_work = [(s.name, s.per_source) for s in steps.STEPS if s.per_source]
        # the workers start before this process opens the file: none inherits a connection
        with Workers(kb, tmp, partitions, cache, per_source_work, min(workers, len(entries) or 1)) as pool:
            conn = open_database(tmp, indexes=False)
            from_cache, n = 0, len(manifest.sources)
            for i, w in enumerate(_unbroken(pool.parse(manifest.sources)), 1):
                if w.error is not None:
                    raise_error(w.error, f"read {w.source_id}")
                insert_rows(conn, "sources", [source_row(SourceDoc(w.source_id, w.text, entries[w.source_id]))])
                docs.append(StoredDoc(w.source_id, entries[w.source_id], conn))  # its text: in the file
                if w.staging not in staging:
                    staging.append(w.staging)
                for line in w.warnings:
                    say_once(line)
                per_source[w.source_id] = w.counts
                from_cache += w.from_cache
                cache.used |= w.cache_used
                for part, took in w.seconds.items():
                    timings[f"workers:{part}"] += took
                for part, took in w.cpu.items():
                    timings[f"cpu:workers:{part}"] += took
                progress(f"[{i}/{n}] {w.source_id} ({w.kind}): {sum(w.counts.values())} rows in "
                         f"{w.seconds.get('parse', 0) + sum(w.seconds.get(s, 0) for s, _ in per_source_work):.2f}s")
            clock.lap("parse")
            if from_cache:
                progress(f"cache: {from_cache} sources unchanged (not parsed again), {len(docs) - from_cache} parsed")
            ann = load_annotations(kb / "annotations", DocTexts(docs))
            if ann:
                progress(f"annotations: {len(ann)} reviewed rows, quotes verified")
            own = StagingFile(tmp.with_name(f"{tmp.name}-stage-annotations"), partitions)
            try:
                own.add(len(docs), "", None, ann, {})
            finally:
                own.close()
            staging.append(str(own.path))
            voices = source_voices(docs, gaz)
            clock.lap("annotations")
            tables = _table_order(conn)
            conn.execute("COMMIT")
            for p, seconds, error in _unbroken(pool.resolve(staging, voices)):
                if error is not None:
                    raise_error(error, "resolved the records")
                for part, took in seconds.items():
                    timings[f"cpu:workers:{part[4:]}" if part.startswith("cpu:") else f"workers:{part}"] += took
                part = partition_path(tmp, p)
                copy_rows(conn, part, tables)
                part.unlink()
            clock.lap("resolve")
        conn.execute("BEGIN")
        # after the rows the workers resolved, before the steps read by them; the indexes of
        # the tables the steps add rows to (no step reads them) once those rows are written
        derived = {t for step in steps.STEPS for t in step.derives}
        create_indexes(conn, [t for t in models.ALL_TABLES if t not in derived])
        clock.lap("indexes")
        staged = Staged([Path(s) for s in staging])
        rows = StoredRows(conn)

        def write(out: dict) -> None:
            """A step's rows into the file, a batch at a time (it may hand them over as it works
            them out); those without attribution take their source's (attribution.fill)."""
            for table, table_rows in out.items():
                for batch in batches(table_rows):
                    fill_attribution({table: batch}, voices)
                    insert_rows(conn, table, batch)

        hand_over(staged.results)
        try:
            for step in steps.STEPS:
                if step.derive:
                    write(step.run_derive(rows, docs, kb))
                    clock.lap(f"derive:{step.name}")
        finally:
            hand_over(None)
        create_indexes(conn, derived)
        clock.lap("indexes")
        insert_rows(conn, "build_info", [{"key": k, "value": v} for k, v in build_info(docs, kb).items()])
        conn.execute("COMMIT")
        clock.lap("commit")
        # the rows the workers resolved were checked as they wrote them: the derived rows here
        check_database(tmp, tables={t for step in steps.STEPS for t in step.derives})
        clock.lap("check")
        conn.execute("BEGIN")
        for step in steps.STEPS:
            if step.post_write:
                step.post_write(conn)
                clock.lap(f"post_write:{step.name}")
        conn.execute("COMMIT")
        counts = stored_counts(conn)
        conn.close()
        conn = None
        sync_file(tmp)
        os.replace(tmp, db_path)
        cache.prune()
        write_index(db_path, kb, docs, per_source, cache, started_ns, tables=counts)
    finally:
        if staged is not None:
            staged.close()
        if conn is not None:
            conn.close()
        for path in [tmp, *tmp.parent.glob(f"{tmp.name}-*")]:  # its staging and partition files
            path.unlink(missing_ok=True)
    counts["sources"] = len(docs)
    return BuildResult(db_path, counts, 0.0, per_source, pool.workers, dict(timings))


def _unbroken(results: Iterable):
    """The workers' results; a worker that died (killed, out of memory) stops the build with
    an error that says so."""
    try:
        yield from results
    except BrokenProcessPool:
        raise BuildError("a worker process of the build died (killed, or out of memory?); "
                         "the previous database is untouched: build again, or with --workers 1") from None


def _table_order(conn: sqlite3.Connection) -> list[str]:
    """The fact tables, parents first (the order the schema creates them in)."""
    names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")]
    return [n for n in names if n in models.FACT_TABLES]


class _Clock:
    """Wall-clock seconds of each phase, one after the other, and (`cpu:<phase>`) the CPU
    seconds of this process in it."""

    def __init__(self, timings: Counter):
        self.timings, self.last, self.cpu = timings, time.perf_counter(), time.process_time()

    def lap(self, phase: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        self.timings[phase] += now - self.last
        self.timings[f"cpu:{phase}"] += cpu - self.cpu
        self.last, self.cpu = now, cpu


def batches(rows: Iterable[dict], size: int = 5000) -> Iterator[list[dict]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def stored_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per table (the fact tables and the steps' others, as an incremental build reports
    them: db/pipeline/patch_writes.py close_patch), the candidates even when none."""
    counts = {}
    for table in models.ALL_TABLES:
        if table in ("sources", "build_info"):
            continue
        n = conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]
        if n or table == "candidates":
            counts[table] = n
    return counts


def summary(counts: dict[str, int]) -> str:
    width = max(len(t) for t in counts)
    return "\n".join(f"  {t.ljust(width)}  {n:>6}" for t, n in sorted(counts.items()))
