"""The work of a full build that can be shared out, in worker processes (one per core by
default):

1. each source read (its hash checked), parsed by its kind's parser and handed to the steps'
   per-source work (a step's `per_source`, db/pipeline/step.py: the candidate facts); what
   it gave is kept in the worker's staging file (db/pipeline/stored.py), and the build is
   handed back its text and a summary (`SourceWork`);
2. the records resolved into rows, a partition of the row keys at a time, each into a file
   the build copies into its own.

With one worker, the build's own process does both, the same way. The work of a source
depends only on the source, the gazetteer and the code, that of a partition only on its
records, taken in build order: the rows do not depend on the number of workers
(tests/test_parallel_build.py compares a parallel build with a serial one, byte for byte).
"""

from __future__ import annotations

import copy
import multiprocessing
import os
import threading
import time
import traceback
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from msakb.db.pipeline import cache as record_cache
from msakb.db.pipeline.sources import parse_one
from msakb.db.pipeline.stored import Staged, StagingFile, resolve_partition
from msakb.errors import MsakbError
from msakb.knowledge.gazetteer import load_gazetteer

# Sources handed to a worker at a time: fewer round trips than one by one, and small enough
# that the results arrive steadily and in order.
CHUNK = 4


def default_workers() -> int:
    """One worker per core."""
    return os.cpu_count() or 1


@dataclass
class SourceWork:
    """What a worker hands back for one source (its records and results are in `staging`)."""

    source_id: str
    kind: str
    text: str = ""
    counts: Counter = field(default_factory=Counter)
    staging: str = ""
    """the staging file that holds its records and results"""
    seconds: dict[str, float] = field(default_factory=dict)
    """`parse` (read, hash, parse: the parser's records), and each step's per-source work"""
    cpu: dict[str, float] = field(default_factory=dict)
    """the CPU seconds of the same"""
    from_cache: bool = False
    """the records came from the record cache"""
    cache_used: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    """what the worker's record cache warned of (the cache folder unusable)"""
    error: tuple | None = None
    """(exception type, args, attributes, traceback text) of an error, raised again by the build"""


@dataclass
class _Setup:
    kb: Path
    tmp: Path
    """the build's temporary file: the staging and partition files are named after it"""
    partitions: int
    cache: "record_cache.RecordCache | None"
    per_source: tuple[tuple[str, Callable], ...]
    """(step name, its per_source function)"""


class _Process:
    """What one process of the build's work holds: its setup, gazetteer, staging file, and
    once resolving, the staged records it reads."""

    setup: _Setup
    gazetteer = None
    staging: StagingFile | None = None
    staged: Staged | None = None
    texts = None


_here = _Process()
_warnings: list[str] = []  # the record cache's warnings in this process, handed back with a source


def _warn(line: str) -> None:
    _warnings.append(line)


def _start(setup: _Setup, watch_parent: bool) -> None:
    """A process's start: what every source's work needs, loaded once."""
    _here.setup, _here.gazetteer = setup, load_gazetteer(str(setup.kb / "gazetteer"))
    _here.staging = _here.staged = _here.texts = None
    if setup.cache is not None:
        record_cache.use(setup.cache)  # per_source() of the steps finds it here
    if watch_parent:
        threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """A build killed (SIGKILL) cannot stop its workers: they stop themselves when it is gone."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def staging_path(tmp: Path, pid: int) -> Path:
    return tmp.with_name(f"{tmp.name}-stage-{pid}")


def partition_path(tmp: Path, p: int) -> Path:
    return tmp.with_name(f"{tmp.name}-part-{'together' if p < 0 else p}")


def parse_source(task: tuple[int, object]) -> SourceWork:
    """One source's work: `task` is (its place in the manifest, its entry)."""
    place, entry = task
    setup, cache = _here.setup, _here.setup.cache
    out = SourceWork(entry.id, entry.kind)
    if cache is not None:
        cache.used, cache.hits, cache.misses = set(), 0, 0
    try:
        if _here.staging is None:
            _here.staging = StagingFile(staging_path(setup.tmp, os.getpid()), setup.partitions)
        started, cpu = time.perf_counter(), time.process_time()
        doc, recs, out.counts = parse_one(entry, setup.kb, _here.gazetteer, cache)
        out.from_cache = cache is not None and cache.hits > 0
        out.seconds["parse"] = time.perf_counter() - started
        out.cpu["parse"] = time.process_time() - cpu
        results = {}
        for name, fn in setup.per_source:
            started, cpu = time.perf_counter(), time.process_time()
            results[name] = fn(doc, _here.gazetteer, recs)
            out.seconds[name] = time.perf_counter() - started
            out.cpu[name] = time.process_time() - cpu
        started, cpu = time.perf_counter(), time.process_time()
        _here.staging.add(place, doc.id, doc.text, recs, results)
        out.seconds["stage"] = time.perf_counter() - started
        out.cpu["stage"] = time.process_time() - cpu
        out.text, out.staging = doc.text, str(_here.staging.path)
    except Exception as e:  # noqa: BLE001  handed to the build, which raises it in the manifest's order
        out.error = _error(e)
    if cache is not None:
        out.cache_used = cache.used
    out.warnings, _warnings[:] = list(_warnings), []
    return out


def resolve_task(task: tuple) -> tuple[int, dict[str, float], tuple | None]:
    """Resolve one partition: `task` is (partition, staging files, the sources' voices);
    (partition, {"resolve": seconds, "cpu:resolve": CPU seconds, "write": seconds writing
    its rows}, error)."""
    p, paths, voices = task
    started, cpu = time.perf_counter(), time.process_time()
    try:
        if _here.staged is None or _here.staged.paths != [Path(x) for x in paths]:
            if _here.staging is not None:
                _here.staging.close()
                _here.staging = None
            _here.staged = Staged([Path(x) for x in paths])
            _here.texts = _here.staged.texts()
        _counts, writing = resolve_partition(_here.staged, p, _here.texts, _here.gazetteer, voices,
                                             partition_path(_here.setup.tmp, p))
    except Exception as e:  # noqa: BLE001
        return p, {}, _error(e)
    return p, {"resolve": time.perf_counter() - started, "cpu:resolve": time.process_time() - cpu,
               "write": writing}, None


def _error(e: Exception) -> tuple:
    return type(e), e.args, dict(vars(e)), traceback.format_exc()


def raise_error(error: tuple, where: str) -> None:
    """A worker's exception, raised here as it was raised there (a SourceError names its
    source and line); an unexpected one says where it came from."""
    kind, args, attrs, trace = error
    e = kind.__new__(kind)
    e.args = args
    e.__dict__.update(attrs)
    if not isinstance(e, MsakbError):  # a bug: shown with the worker's traceback
        raise e from RuntimeError(f"in the worker that {where}:\n{trace}")
    raise e


def _context():
    """Fork where the platform can and the process has no other thread (the workers then
    start with the code and the entity pipeline already loaded); else a fresh interpreter."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class Workers:
    """`with Workers(kb, tmp, partitions, cache, per_source, n) as w:` the build's shared-out
    work (`w.parse(entries)`, then `w.resolve(...)`), done by `n` processes, or by this one
    when 1; the processes are stopped when the block ends, whatever happened."""

    def __init__(self, kb: Path, tmp: Path, partitions: int, cache, per_source: Iterable[tuple[str, Callable]],
                 workers: int):
        if cache is not None:  # the workers' own copy: their use of it comes back with each source
            cache = copy.copy(cache)
            cache.used, cache.warn = set(), _warn
        self.setup = _Setup(Path(kb), Path(tmp), partitions, cache, tuple(per_source))
        self.workers = max(1, workers)
        self.pool: ProcessPoolExecutor | None = None
        self.saved = None

    def __enter__(self) -> "Workers":
        if self.workers == 1:
            self.saved = (getattr(_here, "setup", None), _here.gazetteer, _here.staging, _here.staged, _here.texts,
                          record_cache.running())
            _start(self.setup, watch_parent=False)
            return self
        from msakb.extract.shared.entities import nlp_for

        context = _context()
        if context.get_start_method() == "fork":
            nlp_for()  # built once here, shared by the forked workers
        self.pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_start,
                                        initargs=(self.setup, True))
        return self

    def parse(self, entries: list) -> Iterator[SourceWork]:
        """Each source's work, in the order of `entries`."""
        tasks = list(enumerate(entries))
        if self.pool is None:
            return map(parse_source, tasks)
        return self.pool.map(parse_source, tasks, chunksize=CHUNK)

    def resolve(self, paths: list[str], voices: dict) -> Iterator[tuple]:
        """resolve_task of every partition, in their order (TOGETHER first)."""
        tasks = [(p, paths, voices) for p in range(-1, self.setup.partitions)]
        if self.pool is None:
            return map(resolve_task, tasks)
        return self.pool.map(resolve_task, tasks)

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        if _here.staging is not None:
            _here.staging.close()
        if _here.staged is not None:
            _here.staged.close()
        if self.saved is not None:
            _restore(*self.saved)
            self.saved = None


def _restore(setup, gazetteer, staging, staged, texts, cache) -> None:
    if setup is not None:
        _here.setup = setup
    _here.gazetteer, _here.staging, _here.staged, _here.texts = gazetteer, staging, staged, texts
    record_cache.use(cache)
