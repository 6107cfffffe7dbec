"""Memos of what is read from short texts: the same cells and sentences recur within a
list (a cell is read once per model of its row) and across lists, and are read once."""

from __future__ import annotations

from functools import lru_cache, wraps

MEMO_LONGEST = 2_000
"""Longest text a memo keeps: a megabyte-long line is read, not kept."""
_MEMOS: list = []


def short_memo(fn):
    """`fn(raw, *rest)`, a pure function of a text and hashable arguments, remembered for
    texts of up to MEMO_LONGEST characters (the last 8,192 calls). What it returns is shared
    between callers: a str, a number or a tuple, never changed."""
    cached = lru_cache(maxsize=8192)(fn)
    _MEMOS.append(cached)

    @wraps(fn)
    def call(raw: str, *rest):
        return cached(raw, *rest) if len(raw) <= MEMO_LONGEST else fn(raw, *rest)

    return call


def reset() -> None:
    """Forget what every memo holds (the benchmark measures extraction with nothing memoised)."""
    for cached in _MEMOS:
        cached.cache_clear()
