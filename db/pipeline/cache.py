"""Parsed records of each source, kept between builds so that a rebuild re-parses only what
changed (a source's bytes, its manifest entry, the gazetteer, or the code).

One file per source in `<db>.cache/` beside the database, named by a key: the sha256 of the
code fingerprint (extract/ and db/), the gazetteer and the source's manifest entry (which
holds the source's own sha256). A deriver whose work is per source and pure (a function of
the source and the gazetteer) keeps its results the same way: `per_source(name, doc, fn)`.
A changed input gives a new key, so a stale entry is never read; entries no build used are
pruned after a successful build.

The cache holds data, never code: entries are JSON (db/pipeline/records_json.py) whose spans
are offsets, re-attached to the text the build just read and hash-checked, so an entry can
never change what a quote says. The folder is created 0700 and used only while it is a
folder of the user building, writable by no one else; every file in it is opened through
the checked folder, never through a link, and written to a new file created exclusively,
renamed into place. A cache that cannot be used (another user's, a file in its place, a
read-only or full disk) is skipped with one warning: the build goes on without it. A damaged
entry is parsed again. The YAML data files an incremental build reads (gazetteer, pattern
files) are kept here as parsed too, one entry per file (msakb/knowledge/parsed_store.py);
the incremental build, the one build that reads them, prunes those it did not read (a file
gone, or the knowledge folder moved).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import stat
import time
from pathlib import Path
from typing import Callable

from msakb.db.pipeline import records_json
from msakb.db.pipeline.fingerprints import folder_fingerprint
from msakb.db.pipeline.manifest_cache import read_manifest
from msakb.knowledge.files import write_new
from msakb.knowledge.manifest import Manifest, SourceEntry

FORMAT = b"msakb-records-json-1"
SUFFIX = ".json"
_ENTRY = re.compile(r"^[0-9a-f]{64}-\w+\.json$")  # <key>-<name>.json
_PARSED = re.compile(r"^parsed-[0-9a-f]{64}\.json$")  # a data file as parsed (msakb/knowledge/parsed_store.py)
# An incremental build reads only the pattern files of the kinds of source it parses: a file
# as parsed that it did not read is still good for the next one, unless no build wrote it for
# this long (its file gone, or the knowledge folder moved).
PARSED_KEPT = 24 * 3600
_current: "RecordCache | None" = None  # the cache of the build running in this process
_FLAGS = os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


class CacheUnusable(Exception):
    """Why the cache folder is not used by this build (said once, as a warning)."""


class RecordCache:
    """Records per source, keyed by everything that shapes them."""

    def __init__(self, folder: Path, code_fingerprint: str, kb: Path, warn: Callable[[str], None] = lambda s: None):
        self.folder = Path(folder)
        self.salt = FORMAT + code_fingerprint.encode() + folder_fingerprint(kb / "gazetteer").encode()
        self.used: set[str] = set()
        self.used_json: set[str] = set()  # the JSON files read or written by name (read_json, write_json)
        self.hits = self.misses = 0
        self.warn = warn
        self.disabled: str | None = None
        global _current
        _current = self

    def key(self, entry: SourceEntry) -> str:
        return hashlib.sha256(self.salt + entry.model_dump_json().encode()).hexdigest()

    # --- the folder, checked before each use ---------------------------------------------

    def _open_folder(self, create: bool) -> int | None:
        """A descriptor of the cache folder once it is checked, or None (no folder yet and
        `create` false, or the cache disabled, with a warning the first time)."""
        if self.disabled:
            return None
        try:
            if create:
                try:
                    os.mkdir(self.folder, 0o700)
                except FileExistsError:
                    pass
            try:
                fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY | _FLAGS)
            except FileNotFoundError:
                return None
            except NotADirectoryError:
                raise CacheUnusable("it is not a folder (a file or a link is in its place)") from None
            st = os.fstat(fd)
            if st.st_uid != os.geteuid():
                os.close(fd)
                raise CacheUnusable(f"it belongs to another user (uid {st.st_uid}); delete it or use another --db")
            if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                os.close(fd)
                raise CacheUnusable("other users can write into it; delete it (the next build makes it again, 0700)")
            return fd
        except CacheUnusable as why:
            self._disable(str(why))
        except OSError as e:
            self._disable(f"it cannot be {'created' if create else 'opened'} ({e.strerror or e})")
        return None

    def _disable(self, why: str) -> None:
        self.disabled = why
        self.warn(f"warning: the record cache {self.folder} is not used: {why}; every source is parsed")

    def _read(self, name: str) -> bytes | None:
        fd = self._open_folder(create=False)
        if fd is None:
            return None
        try:
            f = os.open(name, os.O_RDONLY | os.O_NONBLOCK | _FLAGS, dir_fd=fd)
        except OSError:
            return None
        finally:
            os.close(fd)
        try:
            st = os.fstat(f)
            if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():
                return None
            with os.fdopen(f, "rb", closefd=False) as stream:
                return stream.read()
        except OSError:
            return None
        finally:
            os.close(f)

    def _write(self, name: str, data: bytes) -> bool:
        """Write an entry whole or not at all; False (with one warning) when it cannot be."""
        fd = self._open_folder(create=True)
        if fd is None:
            return False
        tmp = f".{name}.{secrets.token_hex(6)}.tmp"
        try:
            write_new(tmp, data, 0o600, dir_fd=fd)
            os.replace(tmp, name, src_dir_fd=fd, dst_dir_fd=fd)
            return True
        except OSError as e:
            try:
                os.unlink(tmp, dir_fd=fd)
            except OSError:
                pass
            self._disable(f"an entry cannot be written ({e.strerror or e})")
            return False
        finally:
            os.close(fd)

    def names(self) -> list[str]:
        """The entry names in the folder (none when it is unusable)."""
        fd = self._open_folder(create=False)
        if fd is None:
            return []
        try:
            return [n for n in os.listdir(fd) if _ENTRY.match(n)]
        finally:
            os.close(fd)

    # --- entries ---------------------------------------------------------------------------

    def read_entry(self, full_key: str, text: str) -> list | None:
        """The value stored under `full_key` (`<key>-<name>`), its spans on `text`; None when
        there is none or it is damaged."""
        data = self._read(full_key + SUFFIX)
        if data is None:
            return None
        try:
            stored = records_json.loads(data.decode("utf-8"), text)
        except (records_json.Damaged, UnicodeDecodeError, TypeError):
            return None
        if not (isinstance(stored, dict) and stored.get("key") == full_key and stored.get("chars") == len(text)
                and isinstance(stored.get("value"), list)):
            return None
        return stored["value"]

    def get(self, entry: SourceEntry, text: str, name: str = "records") -> list | None:
        """What `name` (the parser's records by default) gave last time for this very entry
        and text, or None."""
        key = f"{self.key(entry)}-{name}"
        self.used.add(key)
        found = self.read_entry(key, text)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def previous(self, key: str, text: str, name: str = "records") -> list | None:
        """What a previous build stored under its key `key` (from its record), or None;
        neither counted as a hit nor kept from pruning."""
        return self.read_entry(f"{key}-{name}", text)

    def put(self, entry: SourceEntry, text: str, records: list, name: str = "records") -> None:
        key = f"{self.key(entry)}-{name}"
        self.used.add(key)
        if self.disabled:
            return
        try:
            data = records_json.dumps({"key": key, "chars": len(text), "value": list(records)}, text)
        except (records_json.Unstorable, ValueError, RecursionError):
            return  # a record that cannot be stored is simply parsed again next time
        self._write(key + SUFFIX, data.encode("utf-8"))

    def read_json(self, name: str):
        """A small JSON file of the folder (the last build's index, a data file as parsed), or None."""
        self.used_json.add(name)
        data = self._read(name)
        try:
            return None if data is None else json.loads(data.decode("utf-8"))
        except (ValueError, RecursionError):
            return None

    def write_json(self, name: str, value) -> bool:
        self.used_json.add(name)
        return self._write(name, json.dumps(value).encode("utf-8"))

    def manifest(self, path: Path) -> Manifest:
        """load_manifest(path), from the entries as the cache last read them where their text is
        unchanged (db/pipeline/manifest_cache.py)."""
        return read_manifest(self, path)

    def remove(self, name: str) -> None:
        fd = self._open_folder(create=False)
        if fd is None:
            return
        try:
            os.unlink(name, dir_fd=fd)
        except OSError:
            pass
        finally:
            os.close(fd)

    def prune(self, keys: frozenset[str] | set[str] = frozenset(), parsed: bool = False) -> int:
        """Delete the entries this build did not use (but any entry of a source key in `keys`),
        with `parsed` the data files as parsed it did not read and no build wrote for PARSED_KEPT
        seconds (only a build that reads them knows which are stale), those of an older format,
        and temporary files of builds killed over an hour ago; returns how many."""
        fd = self._open_folder(create=False)
        if fd is None:
            return 0
        now = time.time()
        gone = 0
        try:
            for n in os.listdir(fd):
                stale = bool(_ENTRY.match(n)) and n[: -len(SUFFIX)] not in self.used and n.split("-")[0] not in keys
                unread = parsed and bool(_PARSED.match(n)) and n not in self.used_json
                if unread or n.endswith(".tmp"):
                    try:
                        written = os.stat(n, dir_fd=fd, follow_symlinks=False).st_mtime
                    except OSError:
                        continue
                    stale = written < now - (PARSED_KEPT if unread else 3600)
                if stale or n.endswith(".pickle"):
                    try:
                        os.unlink(n, dir_fd=fd)
                        gone += 1
                    except OSError:
                        pass
        finally:
            os.close(fd)
        return gone


def running() -> "RecordCache | None":
    """The cache of the build running in this process."""
    return _current


def use(cache: "RecordCache | None") -> None:
    """Make `cache` that of the build running in this process (a worker's copy of it)."""
    global _current
    _current = cache


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
