"""Approval statuses: a status as a source words it -> its normal form (and a limitation it
states), from extract/patterns/statuses.yaml; a wording no pattern knows is an error."""

from __future__ import annotations

import re
from functools import lru_cache

from msakb.errors import SourceError
from msakb.extract.shared.patterns import pattern_file


@lru_cache(maxsize=None)
def _statuses():
    rules = pattern_file("statuses.yaml")
    return [(re.compile(r["pattern"]), r["status"]) for r in rules]


def normalise_status(text: str, line: int | None = None) -> tuple[str, str | None]:
    """Verbatim status -> (status, limitation). Unknown text is an error."""
    t = text.strip().rstrip("*").strip()
    for rx, status in _statuses():
        m = rx.search(t)
        if m:
            return status, (m.groupdict().get("limitation") or None)
    raise SourceError(None, f"unknown approval status {text!r}; add a pattern for it to extract/patterns/statuses.yaml", line=line)
