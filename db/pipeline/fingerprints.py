"""Fingerprints of what shapes a build: the code, the knowledge folder (whole, or but its
sources), a folder of it; and the build's own record (`build_info`) that holds them."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from importlib.resources import files
from pathlib import Path

from msakb.extract.shared import patterns
from msakb.extract.shared.records import SourceDoc
from msakb.knowledge.files import inside

CODE_PACKAGES = ("msakb.extract", "msakb.db")  # the code and data that shape the rows
_CODE_FINGERPRINTS: dict[tuple, str] = {}  # (path, mtime, size) of every file -> their hash


def code_fingerprint() -> str:
    """Hash of the code and data that shape the output (for `serve`'s rebuild check and the
    filings' footer). A build asks for it several times (cache, patch, build_info): the files
    are read again only when one of them changed since the last time (mtime or size)."""
    roots = [Path(str(files(package))) for package in CODE_PACKAGES]
    if not any(patterns.PATTERNS.is_relative_to(root) for root in roots):  # (a test's pattern files)
        roots.append(patterns.PATTERNS)  # they shape the rows, and a patch relies on their check (builder.py)
    found = [(root, p) for root in roots for p in sorted(root.rglob("*"))
             if p.suffix in {".py", ".jsonl", ".yaml", ".json"} and p.is_file()]
    stamp = tuple((str(p), st.st_mtime_ns, st.st_size) for _, p in found for st in [p.stat()])
    if stamp not in _CODE_FINGERPRINTS:
        h = hashlib.sha256()
        for root, p in found:
            h.update(f"{root.name}/{p.relative_to(root)}".encode())
            h.update(p.read_bytes())
        _CODE_FINGERPRINTS.clear()
        _CODE_FINGERPRINTS[stamp] = h.hexdigest()
    return _CODE_FINGERPRINTS[stamp]


def _entries(folder: Path, skip: tuple[str, ...] = ()) -> list[tuple[str, os.DirEntry]]:
    """(relative path, directory entry) of every file or link under `folder` (links to folders
    not followed), but those under its top-level folders named in `skip`, sorted by path. The
    entries know whether each is a link or a regular file without asking the file system again
    (a knowledge folder holds a file per source)."""
    out, todo = [], [("", str(folder))]
    while todo:
        rel, path = todo.pop()
        try:
            with os.scandir(path) as it:
                entries = list(it)
        except OSError:  # (as os.walk: a folder that cannot be listed is left out)
            continue
        for e in entries:
            name = os.path.join(rel, e.name)
            try:
                is_dir = e.is_dir()
            except OSError:
                is_dir = False
            if not is_dir:
                out.append((name, e))
            elif not (rel == "" and e.name in skip):
                if e.is_symlink():
                    out.append((name, e))
                else:
                    todo.append((name, e.path))
    return sorted(out, key=lambda t: t[0])


def folder_fingerprint(folder: Path, skip: tuple[str, ...] = (), known: dict[str, str] | None = None) -> str:
    """Hash of every file under `folder` (each one's name and the sha256 of its bytes), but those
    under its top-level folders named in `skip`. A link that leads out of the folder (or to no
    regular file) is hashed by where it points: nothing outside the folder is read. `known`:
    the sha256 of files the caller has just read and hashed (a build's sources, checked against
    the manifest), by relative path: not read again."""
    h = hashlib.sha256()
    folder = Path(folder)
    known = known or {}
    for rel, entry in _entries(folder, skip):
        if entry.is_symlink():
            if not (inside(Path(entry.path), folder) and Path(entry.path).is_file()):
                h.update(f"{rel} -> {os.readlink(entry.path)}".encode())
                continue
        elif not entry.is_file():
            continue
        digest = known.get(rel) or hashlib.sha256(Path(entry.path).read_bytes()).hexdigest()
        h.update(rel.encode())
        h.update(digest.encode())
    return h.hexdigest()


def kb_fingerprint(kb: Path, known: dict[str, str] | None = None) -> str:
    """Hash of the whole knowledge folder (sources, manifest, annotations, gazetteer, rules)."""
    return folder_fingerprint(kb, known=known)


def rest_fingerprint(kb: Path) -> str:
    """Hash of the knowledge folder but its sources (annotations, gazetteer, rules, conflicts,
    decisions): what an incremental build needs unchanged."""
    return folder_fingerprint(kb, skip=("sources",))


def build_info(docs: list[SourceDoc], kb: Path) -> dict[str, str]:
    """The `build_info` rows of a build: when, from what code and knowledge folder, which sources."""
    return {
        "built_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "code_fingerprint": code_fingerprint(),
        # the sources' bytes were hashed as they were read (checked against the manifest)
        "kb_fingerprint": kb_fingerprint(kb, {os.path.join("sources", d.entry.file): d.entry.sha256 for d in docs}),
        "sources": "; ".join(f"{d.id}={d.entry.sha256}" for d in docs),
    }
