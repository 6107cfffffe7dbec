"""Incremental build: patch a copy of the previous database instead of writing a new one.

When the previous database was built by the same code, from the same kb/ but for some
sources (their text or manifest entry changed, or they were added or removed), a copy of it
(made while the knowledge folder is read: db/pipeline/background.py) is patched and
renamed into place (atomic, like a full build):

- `sources` rows of the changed sources are replaced;
- rows quoting a changed source after its edited stretch move with the text
  (db/pipeline/shift.py);
- the row keys whose records changed (compared record by record, old records from the
  record cache, at the offsets their passages moved to) are resolved again from every
  record of those keys, of every source, in build order; citations and conflicts are
  numbered per key (db/pipeline/resolve.py), so the rows of the keys before and after are exactly
  what a full build gives them;
- each build step brings its output up to date by its incremental form (`patch` of its
  entry in db/pipeline/steps.py), on what it reads that changed;
- the quotes of every changed or written row and every foreign key are checked
  (db/pipeline/patch_writes.py);
- a source file unchanged since before the previous build is not read again: its text is the
  previous database's (db/pipeline/unchanged.py); every other one is read and hash-checked.

Anything else (annotations, gazetteer, rules, review decisions, the code, the list of steps,
a step without an incremental form, the manifest's order) gives a full build, and so does
any doubt: an error here is never the build's answer; the full build gives it.
"""

from __future__ import annotations

import gc
import os
import sqlite3
import time
from collections import ChainMap, Counter
from pathlib import Path

from msakb.db.pipeline import steps
from msakb.db.pipeline.attribution import source_voices, spoken_by
from msakb.db.pipeline.background import BackgroundCopy, close_in_background
from msakb.db.pipeline.cache import RecordCache
from msakb.db.pipeline.fingerprints import code_fingerprint, rest_fingerprint
from msakb.db.pipeline.patch_writes import close_patch, open_patch
from msakb.db.pipeline.resolve import resolve
from msakb.db.pipeline.shift import TextEdit, move_rows
from msakb.db.pipeline.sources import parse_one
from msakb.db.pipeline.texts import DocTexts, StoredDoc
from msakb.db.pipeline.unchanged import file_status, settled_since, settled_statuses
from msakb.db.store.build_info import read_build_info
from msakb.db.store.write import remove_stale_temps, sync_file, temp_path
from msakb.errors import MsakbError
from msakb.extract.shared.records import SourceDoc
from msakb.knowledge import parsed_store
from msakb.knowledge.annotations import load_annotations
from msakb.knowledge.gazetteer import load_gazetteer
from msakb.knowledge.manifest import read_source

INDEX = "last-build.json"


class NoPatch(Exception):
    """Why this build cannot patch the previous database (a full build follows)."""


def _steps() -> list[str]:
    return [step.name for step in steps.STEPS]


def write_index(db_path: Path, kb: Path, docs, per_source: dict, cache: RecordCache, started_ns: int,
                keys: dict | None = None, rest: str | None = None, tables: dict | None = None,
                statuses: dict | None = None, info: dict | None = None) -> None:
    """After a build (begun at `started_ns`): what the next one needs to patch this database
    (its sources' cache keys, order, series and row counts; the status of their files settled
    before the build, as `statuses` gives them or taken now; its rows per fact table, which a
    patch counts from; its build_info, as `info` gives it or read from the file)."""
    info = read_build_info(db_path) if info is None else info
    index = {
        "built_at": info["built_at"], "sources": info["sources"], "code": info["code_fingerprint"],
        "rest": rest or rest_fingerprint(kb), "steps": _steps(),
        "order": [d.id for d in docs], "keys": keys or {d.id: cache.key(d.entry) for d in docs},
        "series": {d.id: d.entry.series for d in docs},
        "counts": {sid: dict(c) for sid, c in per_source.items()},
        "statuses": settled_statuses(kb, [d.entry for d in docs], started_ns) if statuses is None else statuses,
        **({"tables": tables} if tables is not None else {}),
    }
    if not cache.write_json(INDEX, index):  # no index: the next build is a full one, never a patch of the wrong file
        cache.remove(INDEX)


def try_patch(db_path: Path, kb: Path, progress, cache: RecordCache):
    """(counts, per_source) of a patched build, or None (said in a progress line) when a
    full build must run."""
    try:
        if not db_path.exists():
            raise NoPatch("no previous database")
        index = cache.read_json(INDEX)
        if not isinstance(index, dict):
            raise NoPatch("no record of the previous build")
        info = read_build_info(db_path)
        if (info.get("built_at"), info.get("sources")) != (index["built_at"], index["sources"]):
            raise NoPatch("the previous database is not the one the cache describes")
        if info.get("code_fingerprint") != code_fingerprint():
            raise NoPatch("the code changed")
        if index["steps"] != _steps():
            raise NoPatch("the build's steps changed")
        for step in steps.STEPS:
            if step.patch is None:
                raise NoPatch(f"the build step {step.name!r} has no incremental form")
        remove_stale_temps(db_path)
        copy = BackgroundCopy(db_path, temp_path(db_path))  # made while the knowledge folder is read
        try:
            rest = rest_fingerprint(kb)
            if index["rest"] != rest:
                raise NoPatch(f"the knowledge folder {kb} changed beyond its sources (annotations, gazetteer, "
                              "rules, conflicts, decisions)")
            # The patch makes many small objects and few cycles; each full pass of the cyclic
            # collector would walk every object the process holds (spaCy's and pydantic's among
            # them): paused while the patch runs.
            was_enabled = gc.isenabled()
            gc.disable()
            # read while its copy is patched; closed by another thread once replaced (_patch)
            previous = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, check_same_thread=False)
            try:
                with parsed_store.kept_in(cache):  # the data files it reads, as parsed (gazetteer, patterns)
                    return _patch(db_path, kb, progress, cache, index, rest, previous, copy)
            finally:
                previous.close()
                if was_enabled:
                    gc.enable()
        finally:
            copy.discard()  # nothing left once renamed into place; else the copy of a patch given up
    except NoPatch as why:
        progress(f"full build: {why}")
    except MsakbError:  # an error in the knowledge folder: the full build finds it again and says it, once
        progress("full build: the incremental build stopped on an error")
    except Exception as e:  # noqa: BLE001  any doubt: the full build decides, and gives any error
        progress(f"full build: the incremental build stopped ({type(e).__name__}: {str(e)[:200]})")
    cache.hits = cache.misses = 0  # the full build counts its own
    return None


def _old_records(cache: RecordCache, key: str, text: str) -> list:
    recs = cache.previous(key, text)
    if recs is None:
        raise NoPatch("the previous records of a changed source are not in the cache")
    return recs


def _sig(recs, edits: dict[str, TextEdit] | None = None) -> dict:
    """(table, key) -> what the records of that key say, in order; with `edits`, at the
    offsets their passages have after the edits of their sources."""
    out: dict = {}
    for r in recs:
        edit = edits.get(r.source_id) if edits else None
        at = edit.move(r.span.start, r.span.end) if edit else (r.span.start, r.span.end)
        out.setdefault((r.table, r.key), []).append((r.mention, r.values, at, r.span.raw, r.rule, r.source_id))
    return out


def _changed_keys(old, new, edits: dict[str, TextEdit] | None = None) -> set:
    """The keys whose records say something else, or stand elsewhere than their passages
    moved to (the rows of keys whose passages only moved are moved in place: db/pipeline/shift.py)."""
    a, b = _sig(old, edits), _sig(new)
    return {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)}


def _patch(db_path: Path, kb: Path, progress, cache: RecordCache, index: dict, rest: str,
           previous: sqlite3.Connection, copy: BackgroundCopy):
    started, started_ns = time.perf_counter(), time.time_ns()
    lines: list[str] = []
    manifest = cache.manifest(kb / "sources" / "manifest.yaml")
    gaz = load_gazetteer(str(kb / "gazetteer"))
    entries = {e.id: e for e in manifest.sources}
    order = [e.id for e in manifest.sources]
    old_order = index["order"]
    keys = {sid: cache.key(e) for sid, e in entries.items()}
    added = [s for s in order if s not in index["keys"]]
    removed = [s for s in old_order if s not in entries]
    changed = [s for s in order if s in index["keys"] and keys[s] != index["keys"][s]]
    common = set(order) & set(old_order)
    if [s for s in order if s in common] != [s for s in old_order if s in common]:
        raise NoPatch("the manifest's order changed")
    if 2 * (len(added) + len(removed) + len(changed)) > max(len(order), 1):
        raise NoPatch("most sources changed")
    old_texts = dict(previous.execute(
        f"SELECT id, text FROM sources WHERE id IN ({','.join('?' * len(changed + removed))})", changed + removed))
    spoke = {sid: (voice, speaker) for sid, voice, speaker in previous.execute(
        f"SELECT id, voice, speaker FROM sources WHERE id IN ({','.join('?' * len(changed + removed))})",
        changed + removed)}

    voices = {**{s: spoken_by(*spoke[s], gaz) for s in removed},  # the old records of a removed source
              **source_voices([SourceDoc(s, "", e) for s, e in entries.items()], gaz)}
    if any(spoke[s] != (entries[s].voice, entries[s].speaker_name) for s in changed):
        # every row of the source, and its annotations', takes the new voice: not a patch of some keys
        raise NoPatch("a source's voice or speaker changed")

    # every source's text, hash-checked as a full build does (but a file unchanged since before
    # the previous build: its text is the previous database's, db/pipeline/unchanged.py);
    # records of the changed ones
    docs, new_recs, per_source, parsed = {}, {}, {}, 0
    fresh = set(added) | set(changed)
    settled = index.get("statuses", {})
    statuses = {}  # each file's status before it is read (the next build's, once settled)
    for i, sid in enumerate(order, 1):
        t0 = time.perf_counter()
        e = entries[sid]
        statuses[sid] = file_status(kb, e)
        if sid in fresh:
            misses = cache.misses
            docs[sid], new_recs[sid], per_source[sid] = parse_one(e, kb, gaz, cache)
            parsed += cache.misses - misses
        else:
            if settled.get(sid) is not None and settled[sid] == statuses[sid]:
                docs[sid] = StoredDoc(sid, e, previous)
            else:
                docs[sid] = SourceDoc(sid, read_source(e, kb / "sources"), e)
            per_source[sid] = Counter(index["counts"][sid])
        lines.append(f"[{i}/{len(order)}] {sid} ({e.kind}): {sum(per_source[sid].values())} rows in "
                     f"{time.perf_counter() - t0:.2f}s")
    old_recs = {sid: _old_records(cache, index["keys"][sid], old_texts[sid]) for sid in changed + removed}
    texts = DocTexts(list(docs.values()))
    ann = load_annotations(kb / "annotations", texts)
    old_ann = load_annotations(kb / "annotations",
                               ChainMap(old_texts, DocTexts([d for s, d in docs.items() if s not in fresh])))

    edits = {sid: TextEdit.between(old_texts[sid], texts[sid]) for sid in changed}
    touched = set(_changed_keys(old_ann, ann, edits))
    for sid in changed:
        touched |= _changed_keys(old_recs[sid], new_recs[sid], edits)
    for sid in added:
        touched |= set(_sig(new_recs[sid]))
    for sid in removed:
        touched |= set(_sig(old_recs[sid]))

    tmp = copy.wait()
    db = sqlite3.connect(tmp)
    try:
        db.execute("PRAGMA journal_mode = MEMORY")  # a temporary file: discarded on failure, synced below
        db.execute("PRAGMA synchronous = OFF")
        for step in steps.STEPS:  # before any write: what each step's patch needs to see changes
            if step.watch is not None:
                step.watch(db)
        moved = sum(move_rows(db, sid, edit) for sid, edit in edits.items())
        old_out, new_out = _resolve_touched(db, touched, gaz, voices, cache, docs, entries, order, old_order,
                                            new_recs, old_recs, ann, old_ann)
        counts = apply(db, kb, docs, order, set(changed) | set(added), set(removed), old_out, new_out, index,
                       voices)
        db.commit()
        # as written (opening the file again once it is renamed into place costs more)
        info = dict(db.execute("SELECT key, value FROM build_info"))
    finally:
        db.close()
    sync_file(tmp)  # the pages the patch changed (the copy was synced as it was made)
    for line in lines:
        progress(line)
    progress(f"cache: {len(order) - parsed} sources unchanged (not parsed again), {parsed} parsed")
    if ann:
        progress(f"annotations: {len(ann)} reviewed rows, quotes verified")
    progress(f"incremental build: patched the previous database ({len(changed)} changed, {len(added)} added, "
             f"{len(removed)} removed; {len(touched)} row keys resolved again, {moved} rows moved) in {time.perf_counter() - started:.1f}s")
    os.replace(tmp, db_path)
    # the replaced file is freed as its last reader closes it (some 20 ms at 1,000 documents): beside the rest
    closing = close_in_background(previous)
    try:
        # every entry of the sources as they are, whatever step made it; the data files as parsed this build read
        cache.prune(keys=set(keys.values()), parsed=True)
        write_index(db_path, kb, [docs[s] for s in order], per_source, cache, started_ns, keys, rest, counts,
                    settled_since(statuses, started_ns), info)
    finally:
        closing.join()
    counts["sources"] = len(order)
    return counts, per_source


def apply(db: sqlite3.Connection, kb: Path, docs: dict, order: list[str], changed: set, removed: set,
          old_out: dict, new_out: dict, index: dict, voices: dict) -> dict[str, int]:
    """Patch `db` (a copy of the previous database) into what a full build writes: the changed
    sources' rows and the keys resolved again, then each step's incremental form in the
    steps' order, then the checks; the rows per table."""
    p = open_patch(db, kb, docs, order, changed, removed, old_out, new_out, index, voices)
    for step in steps.STEPS:
        step.patch(p)
    return close_patch(p)


def _sources_of(db: sqlite3.Connection, keys: set) -> set[str]:
    """Every source that stated one of the keys (its row, or a citation of it)."""
    from msakb.db.store.models import FACT_TABLES

    db.execute("CREATE TEMP TABLE IF NOT EXISTS patch_keys (t TEXT, k TEXT)")
    db.execute("DELETE FROM patch_keys")
    db.executemany("INSERT INTO patch_keys VALUES (?, ?)", [(t, str(k)) for t, k in keys])
    out = {s for (s,) in db.execute(
        "SELECT c.source_id FROM citations c JOIN patch_keys p ON c.table_name = p.t AND c.row_id = p.k")}
    for table in {t for t, _ in keys}:
        if table not in FACT_TABLES:
            continue
        col = "code" if table == "states" else "id"
        out |= {s for (s,) in db.execute(
            f"SELECT source_id FROM [{table}] WHERE [{col}] IN (SELECT k FROM patch_keys WHERE t = ?)", (table,))}
    return out


def _resolve_touched(db, touched, gaz, voices, cache, docs, entries, order, old_order, new_recs, old_recs, ann, old_ann):
    """The rows of the touched keys before and after the change (resolve over just their
    records, in build order); a utility's state and the utilities of a state go together."""
    loaded: dict[str, list] = {}
    while True:
        for sid in _sources_of(db, touched):
            if sid not in loaded and sid not in new_recs and sid not in old_recs and sid in docs:
                recs = cache.get(entries[sid], docs[sid].text)
                if recs is None:
                    raise NoPatch(f"the records of {sid} are not in the cache")
                loaded[sid] = recs

        def subset(seq, recs_of, annotations):
            out = []
            for sid in seq:
                out += [r for r in recs_of(sid) if (r.table, r.key) in touched]
            return out + [r for r in annotations if (r.table, r.key) in touched]

        new = subset(order, lambda s: new_recs.get(s) or loaded.get(s, []), ann)
        old = subset(old_order, lambda s: old_recs.get(s) or loaded.get(s, []), old_ann)
        old_out, new_out = resolve(old, gaz, voices), resolve(new, gaz, voices)
        more = set()
        for out in (old_out, new_out):
            more |= {("states", u["state"]) for u in out.get("utilities", []) if u.get("state")}
        codes = {k for t, k in touched | more if t == "states"}
        if codes:
            q = f"SELECT id FROM utilities WHERE state IN ({','.join('?' * len(codes))})"
            more |= {("utilities", u) for (u,) in db.execute(q, sorted(codes))}
            more |= {("utilities", r.key) for recs in new_recs.values() for r in recs
                     if r.table == "utilities" and r.values.get("state") in codes}
        if more <= touched:
            return old_out, new_out
        touched |= more
