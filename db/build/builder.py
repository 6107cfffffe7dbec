"""`msakb build`: sources -> records -> one SQLite file, atomically.

1. read the manifest; read each source (hash and encoding checked); run its kind's parser;
2. read the reviewed annotations (their quotes verified against the sources);
3. resolve records into rows: one row per key, a repeated statement becomes a citation,
   a contradicting one a conflict (nothing is merged silently);
4. write a temporary database, check every row's quote against its source and every
   foreign key, then rename it over the old file. On any error the old file is untouched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from msakb.db.build import hooks, steps  # noqa: F401  (steps registers the hooks)
from msakb.db.build.cache import RecordCache
from msakb.db.build.resolve import resolve
from msakb.db.store import models
from msakb.db.store.schema import create_statements
from msakb.errors import BuildError, MsakbError, ProvenanceError, SourceError
from msakb.extract import PARSERS
from msakb.extract.shared.records import Record, SourceDoc
from msakb.knowledge.annotations import load_annotations
from msakb.knowledge.folder import KB, REPO
from msakb.knowledge.gazetteer import load_gazetteer
from msakb.knowledge.manifest import load_manifest, read_source

PROVENANCE_COLUMNS = ("source_id", "quote", "char_start", "char_end")


@dataclass
class BuildResult:
    db_path: Path
    counts: dict[str, int]
    seconds: float
    per_source: dict[str, Counter] = field(default_factory=dict)


_CODE_FINGERPRINTS: dict[tuple, str] = {}  # (path, mtime, size) of every file -> their hash


def code_fingerprint() -> str:
    """Hash of the code and data that shape the output (for `serve`'s rebuild check and the
    filings' footer). A build asks for it three times (cache, patch, build_info): the files are
    read again only when one of them changed since the last time (mtime or size)."""
    files = [p for folder in ("extract", "db") for p in sorted((REPO / folder).rglob("*"))
             if p.suffix in {".py", ".jsonl", ".yaml", ".json"} and p.is_file()]
    stamp = tuple((str(p), st.st_mtime_ns, st.st_size) for p in files for st in [p.stat()])
    if stamp not in _CODE_FINGERPRINTS:
        h = hashlib.sha256()
        for p in files:
            h.update(str(p.relative_to(REPO)).encode())
            h.update(p.read_bytes())
        _CODE_FINGERPRINTS.clear()
        _CODE_FINGERPRINTS[stamp] = h.hexdigest()
    return _CODE_FINGERPRINTS[stamp]


def kb_fingerprint(kb: Path) -> str:
    """Hash of everything under kb/ (sources, manifest, annotations, gazetteer, rules)."""
    h = hashlib.sha256()
    for p in sorted(kb.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(kb)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def parse_sources(kb: Path, progress: Callable[[str], None],
                  cache: RecordCache | None = None) -> tuple[list[SourceDoc], list[Record], dict]:
    """Parse every source of the manifest; with a `cache`, a source whose text, entry,
    gazetteer and code are unchanged since the last build is not parsed again."""
    manifest = load_manifest(kb / "sources" / "manifest.yaml")
    gaz = load_gazetteer(str(kb / "gazetteer"))
    docs, records, per_source = [], [], {}
    n = len(manifest.sources)
    for i, entry in enumerate(manifest.sources, 1):
        started = time.perf_counter()
        doc, recs, counts = parse_one(entry, kb, gaz, cache)
        per_source[entry.id] = counts
        docs.append(doc)
        records.extend(recs)
        took = time.perf_counter() - started
        progress(f"[{i}/{n}] {entry.id} ({entry.kind}): {sum(counts.values())} rows in {took:.2f}s")
    return docs, records, per_source


def parse_one(entry, kb: Path, gaz, cache: RecordCache | None) -> tuple[SourceDoc, list[Record], Counter]:
    """One source: its text (hash checked), its records (from the cache when unchanged) and
    its rows per table, checked against the manifest's `expect`."""
    text = read_source(entry, kb / "sources")
    doc = SourceDoc(entry.id, text, entry)
    parser = PARSERS.get(entry.kind)
    if parser is None:
        raise SourceError(entry.id, f"unknown kind {entry.kind!r}; known kinds: {', '.join(sorted(PARSERS))}")
    recs = cache.get(entry, text) if cache is not None else None
    if recs is None:
        try:
            recs = list(parser(doc, gaz))
        except SourceError as e:
            if e.source is None:
                raise SourceError(entry.id, e.message, e.line) from None
            raise
        if cache is not None:
            cache.put(entry, text, recs)
    counts = Counter(r.table for r in recs if not r.mention)
    for table, least in entry.expect.items():
        if counts.get(table, 0) < least:
            raise SourceError(
                entry.id,
                f"yielded {counts.get(table, 0)} {table} rows, the manifest expects at least {least}: "
                "has the source's format changed?",
            )
    return doc, recs, counts


def build(db_path: Path, kb: Path = KB, progress: Callable[[str], None] = lambda s: None) -> BuildResult:
    """Build the knowledge base at `db_path` from `kb`. Atomic: the file at db_path is
    replaced only when everything succeeded."""
    started = time.perf_counter()
    db_path = Path(db_path)
    cache = RecordCache(db_path.with_name(f"{db_path.name}.cache"), code_fingerprint(), kb)
    from msakb.db.build.patch import try_patch, write_index  # an incremental build, when the previous one allows it

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
    rows = resolve(records, load_gazetteer(str(kb / "gazetteer")))
    for derive in hooks.DERIVERS:
        for table, extra in derive(rows, docs, kb).items():
            rows.setdefault(table, []).extend(extra)
    tmp = db_path.with_name(f".{db_path.name}.tmp-{os.getpid()}")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(db_path)
    try:
        write_database(tmp, docs, rows, build_info(docs, kb))
        check_database(tmp)
        if hooks.POST_WRITE:
            conn = sqlite3.connect(tmp)
            try:
                with conn:
                    for step in hooks.POST_WRITE:
                        step(conn)
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


def remove_stale_temps(db_path: Path) -> None:
    """Delete the temporary files of builds that were killed before their rename (their
    process is gone); a temporary file is never renamed into place by another build."""
    prefix = f".{db_path.name}.tmp-"
    for p in db_path.parent.glob(f"{prefix}*"):
        pid = p.name[len(prefix):].split("-")[0]  # its -journal too
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            p.unlink(missing_ok=True)
        except PermissionError:
            pass  # alive, another user's


def write_database(path: Path, docs: list[SourceDoc], rows: dict[str, list[dict]], info: dict[str, str]) -> None:
    """Schema, sources, rows and the build's `info` into a new file at `path`, in one transaction."""
    if path.exists():
        path.unlink()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        # The file is a temporary one, discarded on failure: its journal need not be on disk.
        conn.execute("PRAGMA journal_mode = MEMORY")
        conn.execute("BEGIN")
        for statement in create_statements():
            conn.execute(statement)
        _insert(conn, "sources", [source_row(d) for d in docs])
        for table, table_rows in rows.items():
            _insert(conn, table, table_rows)
        _insert(conn, "build_info", [{"key": k, "value": v} for k, v in info.items()])
        conn.execute("COMMIT")
    finally:
        conn.close()


def source_row(d: SourceDoc) -> dict:
    """The `sources` row of one source."""
    return {
        "id": d.id, "title": d.entry.title, "publisher": d.entry.publisher,
        "jurisdiction": d.entry.jurisdiction, "url": d.entry.url,
        "as_of": d.entry.as_of.isoformat() if d.entry.as_of else None,
        "as_of_note": d.entry.as_of_note, "kind": d.entry.kind, "voice": d.entry.voice, "sha256": d.entry.sha256,
        "file": d.entry.file, "utility_id": d.entry.utility, "series": d.entry.series,
        "chars": len(d.text), "lines": d.text.count("\n") + 1, "text": d.text,
    }


def build_info(docs: list[SourceDoc], kb: Path) -> dict[str, str]:
    return {
        "built_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "code_fingerprint": code_fingerprint(),
        "kb_fingerprint": kb_fingerprint(kb),
        "sources": "; ".join(f"{d.id}={d.entry.sha256}" for d in docs),
    }


def _insert(conn: sqlite3.Connection, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    cols = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]
    if not cols:
        raise BuildError(f"no table {table!r} in the schema (db/models.py)")
    extra = set().union(*rows) - set(cols)  # every key of every row
    if extra:
        raise BuildError(f"table {table}: unknown columns {sorted(extra)} (add them to db/models.py)")
    model = models.ALL_TABLES.get(table)
    defaults = {}
    if model is not None:
        defaults = {k: f.default for k, f in model.model_fields.items()
                    if f.default is not None and not callable(f.default) and repr(f.default) != "PydanticUndefined"}
    sql = f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in cols)}) VALUES ({', '.join('?' * len(cols))})"
    values = [tuple(map(r.get, cols)) for r in rows]
    # a value left out or None takes the model's default
    slots = [(i, defaults[c]) for i, c in enumerate(cols) if c in defaults]
    if slots:
        values = [_with_defaults(v, slots) for v in values]
    try:
        conn.executemany(sql, values)
    except sqlite3.IntegrityError as e:
        raise BuildError(f"table {table}: {e}") from None


def _with_defaults(values: tuple, slots: list[tuple[int, object]]) -> tuple:
    if all(values[i] is not None for i, _ in slots):
        return values
    out = list(values)
    for i, default in slots:
        if out[i] is None:
            out[i] = default
    return tuple(out)


def check_database(path: Path) -> None:
    """Every fact row's quote is its source's slice; every foreign key resolves."""
    conn = sqlite3.connect(path)
    try:
        texts = dict(conn.execute("SELECT id, text FROM sources"))
        for table, model in models.FACT_TABLES.items():
            key = "code" if table == "states" else "id"
            for row in conn.execute(f"SELECT [{key}], source_id, quote, char_start, char_end FROM [{table}]"):
                verify_quote(table, *row, texts)
            if table == "conflicts":
                for row in conn.execute("SELECT id, other_source_id, other_quote, other_char_start, other_char_end FROM conflicts"):
                    verify_quote("conflicts (other side)", *row, texts)
        bad = conn.execute("PRAGMA foreign_key_check").fetchall()
        if bad:
            table, rowid, parent, _ = bad[0]
            key = "code" if table == "states" else "id"
            rid = conn.execute(f"SELECT [{key}] FROM [{table}] WHERE rowid = ?", (rowid,)).fetchone()
            raise BuildError(
                f"{len(bad)} broken reference(s); first: {table} row {rid[0] if rid else rowid!r} "
                f"points at a missing {parent} row"
            )
    finally:
        conn.close()


def verify_quote(table: str, row_id, source_id, quote, start, end, texts: dict[str, str]) -> None:
    text = texts.get(source_id)
    if text is None:
        raise ProvenanceError(f"{table} row {row_id!r}: source {source_id!r} is not in sources")
    if start is None or end is None or not (0 <= start <= end <= len(text)):
        raise ProvenanceError(f"{table} row {row_id!r}: offsets {start}..{end} lie outside source {source_id!r}")
    if text[start:end] != quote or not quote:
        raise ProvenanceError(
            f"{table} row {row_id!r}: quote {quote[:60]!r} is not source {source_id!r}[{start}:{end}] "
            f"({text[start:end][:60]!r})"
        )


def summary(counts: dict[str, int]) -> str:
    width = max(len(t) for t in counts)
    return "\n".join(f"  {t.ljust(width)}  {n:>6}" for t, n in sorted(counts.items()))


__all__ = ["build", "BuildResult", "check_database", "summary", "MsakbError"]
