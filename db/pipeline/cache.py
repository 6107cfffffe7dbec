"""Parsed records of each source, kept between builds so that a rebuild re-parses only what
changed (a source's bytes, its manifest entry, the gazetteer, or the code).

One file per source in `<db>.cache/` beside the database, named by a key: the sha256 of the
code fingerprint (extract/ and db/), the gazetteer and the source's manifest entry (which
holds the source's own sha256). A deriver whose work is per source and pure (a function of
the source and the gazetteer) keeps its results the same way: `per_source(name, doc, fn)`. A changed input gives a new key, so a stale entry is never
read; entries no build used are pruned after a successful build. The source text is not
stored: spans point at it by reference and are re-attached to the text the build just read
(and hash-checked), so a cache entry can never change what a quote says.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
from pathlib import Path

from msakb.db.pipeline.fingerprints import folder_fingerprint
from msakb.knowledge.manifest import SourceEntry

_TEXT = "source-text"
FORMAT = b"msakb-records-1"
_current: "RecordCache | None" = None  # the cache of the build running in this process


class _Pickler(pickle.Pickler):
    def __init__(self, f, text: str):
        super().__init__(f, protocol=pickle.HIGHEST_PROTOCOL)
        self.text = text

    def persistent_id(self, obj):
        return _TEXT if obj is self.text else None


class _Unpickler(pickle.Unpickler):
    def __init__(self, f, text: str):
        super().__init__(f)
        self.text = text

    def persistent_load(self, pid):
        if pid != _TEXT:
            raise pickle.UnpicklingError(f"unknown reference {pid!r}")
        return self.text


class RecordCache:
    """Records per source, keyed by everything that shapes them."""

    def __init__(self, folder: Path, code_fingerprint: str, kb: Path):
        self.folder = Path(folder)
        self.salt = FORMAT + code_fingerprint.encode() + folder_fingerprint(kb / "gazetteer").encode()
        self.used: set[str] = set()
        self.hits = self.misses = 0
        global _current
        _current = self

    def key(self, entry: SourceEntry) -> str:
        return hashlib.sha256(self.salt + entry.model_dump_json().encode()).hexdigest()

    def get(self, entry: SourceEntry, text: str, name: str = "records") -> list | None:
        """What `name` (the parser's records by default) gave last time for this very entry
        and text, or None."""
        key = f"{self.key(entry)}-{name}"
        self.used.add(key)
        path = self.folder / f"{key}.pickle"
        try:
            data = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        try:
            recs = _Unpickler(io.BytesIO(data), text).load()
        except Exception:  # a damaged entry is re-parsed, never trusted
            self.misses += 1
            return None
        self.hits += 1
        return recs

    def previous(self, key: str, text: str, name: str = "records") -> list | None:
        """What a previous build stored under its key `key` (from its record), or None;
        neither counted as a hit nor kept from pruning."""
        try:
            with open(self.folder / f"{key}-{name}.pickle", "rb") as f:
                return _Unpickler(f, text).load()
        except Exception:  # absent or damaged: never trusted
            return None

    def put(self, entry: SourceEntry, text: str, records: list, name: str = "records") -> None:
        key = f"{self.key(entry)}-{name}"
        self.used.add(key)
        buf = io.BytesIO()
        try:
            _Pickler(buf, text).dump(records)
        except (pickle.PicklingError, TypeError, AttributeError):
            return  # a record that cannot be stored is simply parsed again next time
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{key}.{os.getpid()}.tmp"
        tmp.write_bytes(buf.getvalue())
        os.replace(tmp, self.folder / f"{key}.pickle")  # whole or absent, never half-written

    def prune(self) -> int:
        """Delete the entries this build did not use; returns how many."""
        gone = 0
        if not self.folder.is_dir():
            return 0
        for p in self.folder.iterdir():
            if p.suffix == ".pickle" and p.stem not in self.used:
                p.unlink(missing_ok=True)
                gone += 1
        return gone


def per_source(name: str, doc, compute):
    """`compute()` (a list, a pure function of `doc` and the gazetteer) for this source,
    from the running build's cache when the source, gazetteer and code are unchanged."""
    cache = _current
    if cache is None:
        return compute()
    found = cache.get(doc.entry, doc.text, name)
    if found is None:
        found = list(compute())
        cache.put(doc.entry, doc.text, found, name)
    return found
