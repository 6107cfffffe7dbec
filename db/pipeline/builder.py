"""`msakb build`: sources -> records -> one SQLite file, atomically.

1. read the manifest; read each source (hash and encoding checked); run its kind's parser;
2. read the reviewed annotations (their quotes verified against the sources);
3. resolve records into rows, each saying who states it and whom it binds: one row per key
   (a party's own statement or an order before a report), a repeated statement becomes a
   citation, a contradicting one a conflict (nothing is merged silently);
4. run the build's steps (db/pipeline/steps.py) that derive more rows from them;
5. write a temporary database, check every row's quote against its source and every
   foreign key, run the steps' post-write parts on it, then rename it over the old file.
   On any error the old file is untouched.

When the previous build's record allows, an incremental build patches a copy of the previous
database instead (db/pipeline/patch.py).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from msakb.db.pipeline import steps
from msakb.db.pipeline.attribution import fill as fill_attribution
from msakb.db.pipeline.attribution import source_voices
from msakb.db.pipeline.cache import RecordCache
from msakb.db.pipeline.checks import check_database
from msakb.db.pipeline.fingerprints import build_info, code_fingerprint
from msakb.db.pipeline.patch import try_patch, write_index
from msakb.db.pipeline.resolve import resolve
from msakb.db.pipeline.sources import parse_sources
from msakb.db.store.write import remove_stale_temps, temp_path, write_database
from msakb.extract.shared.patterns import check_pattern_files
from msakb.knowledge.annotations import load_annotations
from msakb.knowledge.gazetteer import load_gazetteer


@dataclass
class BuildResult:
    db_path: Path
    counts: dict[str, int]
    seconds: float
    per_source: dict[str, Counter] = field(default_factory=dict)


def build(db_path: Path, kb: Path, progress: Callable[[str], None] = lambda s: None) -> BuildResult:
    """Build the knowledge base at `db_path` from `kb`. Atomic: the file at db_path is
    replaced only when everything succeeded."""
    started = time.perf_counter()
    db_path = Path(db_path)
    check_pattern_files()
    cache = RecordCache(db_path.with_name(f"{db_path.name}.cache"), code_fingerprint(), kb, warn=progress)
    patched = try_patch(db_path, kb, progress, cache)
    if patched is not None:
        return BuildResult(db_path, patched[0], time.perf_counter() - started, patched[1])
    docs, records, per_source = parse_sources(kb, progress, cache)
    if cache.hits:
        progress(f"cache: {cache.hits} sources unchanged (not parsed again), {cache.misses} parsed")
    texts = {d.id: d.text for d in docs}
    ann = load_annotations(kb / "annotations", texts)
    if ann:
        progress(f"annotations: {len(ann)} reviewed rows, quotes verified")
    records.extend(ann)
    gaz = load_gazetteer(str(kb / "gazetteer"))
    voices = source_voices(docs, gaz)
    rows = resolve(records, gaz, voices)
    for step in steps.STEPS:
        if step.derive:
            for table, extra in step.run_derive(rows, docs, kb).items():
                rows.setdefault(table, []).extend(extra)
    fill_attribution(rows, voices)
    tmp = temp_path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(db_path)
    try:
        write_database(tmp, docs, rows, build_info(docs, kb))
        check_database(tmp)
        conn = sqlite3.connect(tmp)
        try:
            with conn:
                for step in steps.STEPS:
                    if step.post_write:
                        step.post_write(conn)
        finally:
            conn.close()
        os.replace(tmp, db_path)
        cache.prune()
        write_index(db_path, kb, docs, per_source, cache)
    finally:
        if tmp.exists():
            tmp.unlink()
    counts = {t: len(r) for t, r in rows.items()}
    counts["sources"] = len(docs)
    return BuildResult(db_path, counts, time.perf_counter() - started, per_source)


def summary(counts: dict[str, int]) -> str:
    width = max(len(t) for t in counts)
    return "\n".join(f"  {t.ljust(width)}  {n:>6}" for t, n in sorted(counts.items()))


