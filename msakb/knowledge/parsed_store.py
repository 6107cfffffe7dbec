"""What a YAML data file's text parsed to, remembered between builds as plain JSON so that a
build whose gazetteer and pattern files did not change does not parse their YAML again
(msakb/knowledge/yamlfile.load_model). The store is the record cache of the incremental build
running (db/pipeline/cache.py: its folder checks, and its one warning when it cannot be
used), only while it runs: no other command reads or writes a build's cache.

One entry per file read (named by its path; those the build did not read are pruned after it,
as the cache prunes its other entries), holding the key of the text it was parsed from
(the text itself, the parser's code and version) and a digest of the data: an entry of
another text, of other code, damaged or foreign, is ignored and the file is parsed again.
Only data that JSON gives back exactly (strings, numbers, booleans, null, lists, mappings
with string keys) is remembered; a file with a date, say, is always parsed. What is recalled
is validated by the file's model as the parsed data is, so it is never trusted more than the
file itself.
"""

from __future__ import annotations

import hashlib
import json
import os
from contextlib import contextmanager
from typing import Any, Iterator, Protocol

FORMAT = "msakb-parsed-yaml-1"
_MISSING = object()


class JsonStore(Protocol):
    def read_json(self, name: str) -> Any: ...

    def write_json(self, name: str, value: Any) -> bool: ...


_store: JsonStore | None = None


@contextmanager
def kept_in(store: JsonStore | None) -> Iterator[None]:
    """Within the block, parsed files are remembered in `store` (None: nowhere): an
    incremental build's record cache while it runs (db/pipeline/patch.py), never beyond."""
    global _store
    before, _store = _store, store
    try:
        yield
    finally:
        _store = before


def entry_name(path, aliases: bool) -> str:
    ident = f"{os.path.abspath(path)}\0{aliases}".encode("utf-8", "surrogatepass")
    return f"parsed-{hashlib.sha256(ident).hexdigest()}.json"


def digest(dumped: str) -> str:
    return hashlib.sha256(dumped.encode("utf-8", "surrogatepass")).hexdigest()


def recall(path, aliases: bool, key: str) -> Any:
    """The data remembered for the file at `path` parsed under `key`, or _MISSING."""
    if _store is None:
        return _MISSING
    stored = _store.read_json(entry_name(path, aliases))
    if not (isinstance(stored, dict) and stored.get("format") == FORMAT and stored.get("key") == key
            and "data" in stored):
        return _MISSING
    try:
        if digest(json.dumps(stored["data"])) != stored.get("digest"):
            return _MISSING
    except (ValueError, TypeError, RecursionError):
        return _MISSING
    return stored["data"]


def remember(path, aliases: bool, key: str, data: Any) -> None:
    """Keep `data` (parsed from the file at `path` under `key`) when JSON gives it back as it is."""
    if _store is None:
        return
    try:
        dumped = json.dumps(data)
        if repr(json.loads(dumped)) != repr(data):  # e.g. a number as a mapping key: not remembered
            return
    except (ValueError, TypeError, RecursionError):  # a date, a set: not plain JSON
        return
    _store.write_json(entry_name(path, aliases), {"format": FORMAT, "key": key, "digest": digest(dumped),
                                                  "data": data})


def missing(value: Any) -> bool:
    return value is _MISSING
