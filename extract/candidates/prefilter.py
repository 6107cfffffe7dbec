"""Which parts of a source can hold a candidate at all, found in one pass of one regular
expression over the whole text: the words every proposal needs (an obligation word, an
approval word, a definition's "means", a fee's "$", a duration's unit, "install", a
device's name or maker). A line or table cell with none of them is never tokenised; the
matchers run only on the statements that can match (extract/candidates/analysis.py).

The words come from the patterns themselves (each obligation pattern by one word every
match of it holds; the approval cues as written), so a new pattern needs no second list.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache

from msakb.extract.candidates.cues import anchor_words, config, obligation_patterns
from msakb.knowledge.gazetteer import Gazetteer

# Words of proposals that are not obligations or approvals (proposals.yaml's shapes): as
# regular expressions, matched whole-word and in any case.
_SHAPE_WORDS = [
    r"means", r"shall\s+mean", r"defined\s+as", r"refers\s+to", r"meaning",  # definitions
    r"(?:is|are)\s+an?\s+(?:[\w-]+\s+){0,2}?(?:device|equipment|apparatus|adapter|collar|product|switch|component|assembly)s?",
    r"install\w*", r"separate\s+meter", r"joint\s+meet",  # who installs
    r"eligib\w*", r"ineligible", r"available", r"accepts?", r"instrument[- ]rated", r"limited\s+to", r"restricted\s+to",
    r"up\s+to", r"or\s+less", r"not\s+(?:to\s+)?exceed\w*",  # eligibility
    r"fees?", r"charges?",  # fees
    r"(?:business\s+|calendar\s+)?(?:day|week|month|year)s?", r"on\s+or\s+before", r"no\s+later\s+than",  # timelines
    r"order(?:s|ed)?", r"effective",  # orders
]
_OTHER = [r":\s+(?:an?|the)\s", r"\$"]  # a definition after a colon ("Isolating: an isolating MSA ..."); an amount


def _approval_words() -> list[str]:
    out = []
    for c in config().get("approval_cues", []) + config().get("caption_cues", []):
        p = c["pattern"]
        out.append(p[4:] if p.startswith("(?i)") else p)
    return out


@lru_cache(maxsize=8)
def _regex(device_names: tuple[str, ...]) -> re.Pattern:
    words: set[str] = set()
    for p in obligation_patterns()[0]:
        words |= anchor_words(p["pattern"]) or set()
    alts = [r"\b(?:" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + r")\b"]
    alts += [f"(?:{w})" for w in _approval_words()]
    alts += [r"\b(?:" + "|".join(_SHAPE_WORDS) + r")\b", *_OTHER]
    if device_names:
        alts.append(r"\b(?:" + "|".join(sorted(map(re.escape, device_names), key=len, reverse=True)) + r")\b")
    return re.compile("|".join(alts), re.IGNORECASE)


def _device_names(gaz: Gazetteer) -> tuple[str, ...]:
    names = set(config().get("manufacturers", [])) | set(gaz.device_aliases)
    for fam in gaz.families:
        names |= set(fam.get("aliases", []))
    return tuple(sorted(n for n in names if n))


class Hits:
    """Whether a stretch of the text holds a word a proposal needs (`within(a, b)`), and
    whether a dedicated parser has already read it (`read(a, b)`: such a statement is not
    proposed again). Only the stretches asked about are searched."""

    def __init__(self, text: str, gaz: Gazetteer, read: list[tuple[int, int]] = ()):
        self.text, self.rx = text, _regex(_device_names(gaz))
        spans = sorted(read)
        self.read_starts = [a for a, _ in spans]
        self.read_ends = [b for _, b in spans]
        # the furthest end of the spans starting at or before each one (spans may nest)
        self.reach, far = [], -1
        for b in self.read_ends:
            far = max(far, b)
            self.reach.append(far)

    def within(self, start: int, end: int) -> bool:
        return self.rx.search(self.text, start, end) is not None

    def read(self, start: int, end: int) -> bool:
        """Whether a span the parser read overlaps [start, end)."""
        i = bisect_left(self.read_starts, end)  # spans starting before `end`
        return i > 0 and self.reach[i - 1] > start
