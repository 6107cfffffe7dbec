"""Sources an incremental build need not read again: as git does for its index, a source file
whose status (size, modification and change times, inode, device) is the one the previous build
recorded (after it, or as an incremental build does, before reading the file: any change since
gives another status), and which had not changed since before that build began, holds the bytes
that build read and checked against the manifest's sha256; its text is the previous database's
(db/pipeline/patch.py reads it there, as a StoredDoc).

A status is recorded only for a file whose change time is earlier than the build's start by
more than the file system's clock could lag: one edited while the build ran (or just before)
is read again by the next build, hash-checked. The change time is set by the kernel on every
write, rename or change of mode (no program can set it back without changing the clock), so
an edit that keeps the size and sets the modification time back is still seen.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from msakb.knowledge.manifest import SourceEntry, bare_file_name

MARGIN_NS = 2_000_000_000  # more than any file system's time stamps lag the clock


def file_status(kb: Path, entry: SourceEntry) -> list[int] | None:
    """The status of a source's file as recorded (None: no such regular file)."""
    try:
        st = os.stat(kb / "sources" / bare_file_name(entry.file))  # (a link: what it leads to)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def settled_statuses(kb: Path, entries: Iterable[SourceEntry], started_ns: int) -> dict[str, list[int]]:
    """source id -> its file's status, for the files unchanged since before `started_ns` (the
    build's start, on the clock of time.time_ns)."""
    return settled_since({e.id: file_status(kb, e) for e in entries}, started_ns)


def settled_since(statuses: dict[str, list[int] | None], started_ns: int) -> dict[str, list[int]]:
    """Those of `statuses` (taken during the build, each before its file was read) whose file
    was unchanged since before `started_ns`. A file changed after its status was taken has
    another status (its change time moved on): the next build reads it again."""
    return {sid: status for sid, status in statuses.items()
            if status is not None and status[2] < started_ns - MARGIN_NS}
