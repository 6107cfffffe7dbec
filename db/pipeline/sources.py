"""Read and parse the sources of a knowledge folder: each file's text (hash and encoding
checked) and its kind's parser's records, from the record cache when nothing changed. A full
build parses each source in its workers (db/pipeline/workers.py), an incremental one the
sources that changed (db/pipeline/patch.py); `parse_sources` reads them all in this process."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Callable

from msakb.db.pipeline.cache import RecordCache
from msakb.errors import SourceError
from msakb.extract.parsers import PARSERS
from msakb.extract.shared.records import Record, SourceDoc
from msakb.knowledge.gazetteer import load_gazetteer
from msakb.knowledge.manifest import load_manifest, read_source


def parse_sources(kb: Path, progress: Callable[[str], None] = lambda s: None,
                  cache: RecordCache | None = None) -> tuple[list[SourceDoc], list[Record], dict]:
    """Every source of the manifest, in this process: their docs, all their records, and their
    rows per table."""
    manifest = load_manifest(kb / "sources" / "manifest.yaml")
    gaz = load_gazetteer(str(kb / "gazetteer"))
    docs, records, per_source = [], [], {}
    for i, entry in enumerate(manifest.sources, 1):
        doc, recs, counts = parse_one(entry, kb, gaz, cache)
        per_source[entry.id] = counts
        docs.append(doc)
        records.extend(recs)
        progress(f"[{i}/{len(manifest.sources)}] {entry.id} ({entry.kind}): {sum(counts.values())} rows")
    return docs, records, per_source


def parse_one(entry, kb: Path, gaz, cache: RecordCache | None) -> tuple[SourceDoc, list[Record], Counter]:
    """One source: its text (hash checked), its records (from the cache when unchanged) and
    its rows per table, checked against the manifest's `expect`."""
    text = read_source(entry, kb / "sources")
    doc = SourceDoc(entry.id, text, entry)
    parser = PARSERS.get(entry.kind)
    if parser is None:
        raise SourceError(entry.id, f"unknown kind {entry.kind!r}; known kinds: {', '.join(sorted(PARSERS))}")
    if not gaz.knows_jurisdiction(entry.jurisdiction):
        raise SourceError(entry.id, f"jurisdiction {entry.jurisdiction!r} is not a state of kb/gazetteer/states.yaml, "
                                    "nor US: give the code of the state the source is about, such as CA")
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
