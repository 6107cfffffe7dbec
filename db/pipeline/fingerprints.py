"""Fingerprints of what shapes a build: the code, the knowledge folder (whole, or but its
sources), a folder of it; and the build's own record (`build_info`) that holds them."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from importlib.resources import files
from pathlib import Path

from msakb.extract.shared.records import SourceDoc
from msakb.knowledge.files import inside

CODE_PACKAGES = ("msakb.extract", "msakb.db")  # the code and data that shape the rows
_CODE_FINGERPRINTS: dict[tuple, str] = {}  # (path, mtime, size) of every file -> their hash


def code_fingerprint() -> str:
    """Hash of the code and data that shape the output (for `serve`'s rebuild check and the
    filings' footer). A build asks for it several times (cache, patch, build_info): the files
    are read again only when one of them changed since the last time (mtime or size)."""
    roots = [Path(str(files(package))) for package in CODE_PACKAGES]
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


def folder_fingerprint(folder: Path, skip: tuple[str, ...] = ()) -> str:
    """Hash of every file under `folder` (names and bytes), but those under its top-level
    folders named in `skip`. A link that leads out of the folder (or to no regular file) is
    hashed by where it points: nothing outside the folder is read."""
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if rel.parts[0] in skip:
            continue
        if p.is_symlink() and not (inside(p, folder) and p.is_file()):
            h.update(f"{rel} -> {os.readlink(p)}".encode())
        elif p.is_file():
            h.update(str(rel).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def kb_fingerprint(kb: Path) -> str:
    """Hash of the whole knowledge folder (sources, manifest, annotations, gazetteer, rules)."""
    return folder_fingerprint(kb)


def rest_fingerprint(kb: Path) -> str:
    """Hash of the knowledge folder but its sources (annotations, gazetteer, rules, conflicts,
    decisions): what an incremental build needs unchanged."""
    return folder_fingerprint(kb, skip=("sources",))


def build_info(docs: list[SourceDoc], kb: Path) -> dict[str, str]:
    """The `build_info` rows of a build: when, from what code and knowledge folder, which sources."""
    return {
        "built_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "code_fingerprint": code_fingerprint(),
        "kb_fingerprint": kb_fingerprint(kb),
        "sources": "; ".join(f"{d.id}={d.entry.sha256}" for d in docs),
    }
