"""What changed between two editions of an approved list, asked of a built knowledge base
(`msakb diff`). Any two sources may be compared; the build stores only the changes between
consecutive editions of one series (approval_changes, db/derive/history.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from msakb.db.derive.history import compare
from msakb.errors import MsakbError, UnknownIdError


def diff(db_path: Path, source_a: str, source_b: str) -> list[dict]:
    """What changed from edition `source_a` (older) to `source_b` (newer), as approval_changes
    rows (not stored: any two lists may be compared)."""
    if not Path(db_path).exists():
        raise MsakbError(f"{db_path}: no knowledge base there; run `msakb build --db {db_path}` first")
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        srcs = {r["id"]: dict(r) for r in conn.execute("SELECT id, as_of, series FROM sources")}
        for s in (source_a, source_b):
            if s not in srcs:
                raise UnknownIdError("source", s, list(srcs))
        if source_a == source_b:
            raise MsakbError(f"diff: SOURCE_A and SOURCE_B are both {source_a!r}; name two editions")
        approvals = {}
        for s in (source_a, source_b):
            approvals[s] = [dict(r) for r in conn.execute("SELECT * FROM approvals WHERE source_id = ?", (s,))]
            if not approvals[s]:
                with_lists = sorted({r[0] for r in conn.execute("SELECT DISTINCT source_id FROM approvals")})
                raise MsakbError(f"diff: source {s!r} states no approvals; sources with approvals: {', '.join(with_lists)}")
    finally:
        conn.close()
    a, b = srcs[source_a], srcs[source_b]
    series = a["series"] if a["series"] == b["series"] else f"{a['series']} | {b['series']}"
    return compare(approvals[source_a], approvals[source_b], a, b, series)
