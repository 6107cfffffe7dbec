"""Justifications: the reason a restriction gives for itself, split from the restriction at a
marker ('as', 'because', ...: extract/patterns/justifications.yaml); none is ever invented."""

from __future__ import annotations

from functools import lru_cache

from msakb.extract.shared.patterns import pattern_file
from msakb.extract.shared.text import Span, trim


@lru_cache(maxsize=None)
def _justification_markers() -> tuple[list[tuple[str, bool]], list[str]]:
    data = pattern_file("justifications.yaml")
    markers = [(m["marker"], bool(m.get("keep"))) for m in data.get("markers", [])]
    return markers, list(data.get("not_reasons", []))


def split_justification(span: Span) -> tuple[Span, Span | None]:
    """'No conduit is used, as cables have low voltage' -> (span of 'No conduit is used',
    span of 'cables have low voltage'). The markers are data (patterns/justifications.yaml);
    a passage without one gives (span, None): a justification is never invented."""
    raw = span.raw
    markers, not_reasons = _justification_markers()
    best = None
    for marker, keep in markers:
        pos = raw.find(marker)
        while pos >= 0 and any(raw.startswith(nr, pos) for nr in not_reasons):
            pos = raw.find(marker, pos + 1)
        if pos > 0 and (best is None or pos < best[0]):
            best = (pos, marker, keep)
    if best is None:
        return span, None
    pos, marker, keep = best
    head = trim(span.sub(0, pos)).strip(" \t,;:.")
    reason = trim(span.sub(pos if keep else pos + len(marker))).strip(" \t.;")
    if not head or not reason:
        return span, None
    return head, reason
