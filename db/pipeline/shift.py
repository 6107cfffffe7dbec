"""Where an edited source's text moved, and the rows that move with it (incremental builds).

An edit changes one stretch of a source; every passage after it keeps its text and moves by
the same number of characters. A record after the stretch that says what it said before, at
its moved offsets, gives the same rows a full build gives, at the moved offsets: db/pipeline/patch.py
moves such rows in place (below) and resolves again only the keys whose records really
changed. Without this, an edit near the top of a source touched every key the source states
after it, and every other source stating one of those keys had to be read from the cache.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from msakb.db.store import models


@dataclass(frozen=True)
class TextEdit:
    """The old text's [start, old_end) became the new text's [start, old_end + delta)."""

    start: int
    old_end: int
    delta: int

    @classmethod
    def between(cls, old: str, new: str) -> "TextEdit":
        limit = min(len(old), len(new))
        start = _common(lambda k: old[:k] == new[:k], limit)
        tail = _common(lambda k: old[len(old) - k:] == new[len(new) - k:], limit - start)
        return cls(start, len(old) - tail, len(new) - len(old))

    def move(self, start: int, end: int) -> tuple[int, int] | None:
        """The offsets of an old passage in the new text; None if the edit touches it."""
        if end <= self.start:
            return start, end
        if start >= self.old_end:
            return start + self.delta, end + self.delta
        return None


def _common(same, limit: int) -> int:
    """The largest k <= limit with same(k) (same(k) holds up to some k, then never): a binary
    search of slice comparisons, which run in C, rather than a loop over characters."""
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if same(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def move_rows(db: sqlite3.Connection, source_id: str, edit: TextEdit) -> int:
    """Move the offsets of every row quoting `source_id` after the edit (either side of a
    conflict or change); the number of rows moved. Their quotes are unchanged: the text after
    the edit is the same. Rows the edit touches are left for the keys resolved again, and the
    check of every quote of the source catches any that is not."""
    if edit.delta == 0:
        return 0
    moved = 0
    for table, model in models.FACT_TABLES.items():
        moved += db.execute(
            f"UPDATE [{table}] SET char_start = char_start + ?, char_end = char_end + ? "
            "WHERE source_id = ? AND char_start >= ?", (edit.delta, edit.delta, source_id, edit.old_end)).rowcount
        if "other_source_id" in model.model_fields:
            moved += db.execute(
                f"UPDATE [{table}] SET other_char_start = other_char_start + ?, other_char_end = other_char_end + ? "
                "WHERE other_source_id = ? AND other_char_start >= ?",
                (edit.delta, edit.delta, source_id, edit.old_end)).rowcount
    return moved
