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


_WORD = re.compile(r"\w")  # what \b takes for a word character (Unicode; an ASCII pattern's are among them)


@lru_cache(maxsize=8)
def _cut_safe(rx: re.Pattern) -> bool:
    """Whether `rx` holds only characters, classes, repeats, alternatives, groups and word
    boundaries: then a match looks at the characters it takes and the two either side of
    them, no further (no lookaround, anchor, back reference or atomic group), and whether
    it can match inside a stretch follows from a search of a longer stretch
    (Hits._from_last). A pattern this cannot read is taken as not safe."""
    try:
        # the standard library's own parser (private: a Python without it, or another shape of
        # its output, falls back to searching every stretch)
        import re._constants as constants
        import re._parser as parser

        return _plain(parser.parse(rx.pattern, rx.flags), constants)
    except Exception:  # noqa: BLE001  another Python's parser: every stretch is searched
        return False


def _plain(items, c) -> bool:
    for op, av in items:
        if op in (c.LITERAL, c.NOT_LITERAL, c.IN, c.ANY):
            continue
        if op is c.AT and av in (c.AT_BOUNDARY, c.AT_NON_BOUNDARY):
            continue
        if op is c.BRANCH and all(_plain(branch, c) for branch in av[1]):
            continue
        if op is c.SUBPATTERN and _plain(av[-1], c):
            continue
        if op in (c.MAX_REPEAT, c.MIN_REPEAT) and _plain(av[2], c):
            continue
        return False
    return True


def _device_names(gaz: Gazetteer) -> tuple[str, ...]:
    names = set(config().get("manufacturers", [])) | set(gaz.device_aliases)
    for fam in gaz.families:
        names |= set(fam.get("aliases", []))
    return tuple(sorted(n for n in names if n))


class Hits:
    """Whether a stretch of the text holds a word a proposal needs (`within(a, b)`), and
    whether a dedicated parser has already read it (`read(a, b)`: such a statement is not
    proposed again). Only the stretches asked about are searched, and the sentences of a
    line mostly not again: what the line's search found tells them (_from_last)."""

    def __init__(self, text: str, gaz: Gazetteer, read: list[tuple[int, int]] = ()):
        self.text, self.rx = text, _regex(_device_names(gaz))
        self.cut_safe = _cut_safe(self.rx)
        self._last: tuple[int, int, int | None, int | None] | None = None  # (start, end, first match's start, end)
        spans = sorted(read)
        self.read_starts = [a for a, _ in spans]
        self.read_ends = [b for _, b in spans]
        # the furthest end of the spans starting at or before each one (spans may nest)
        self.reach, far = [], -1
        for b in self.read_ends:
            far = max(far, b)
            self.reach.append(far)

    def within(self, start: int, end: int) -> bool:
        known = self._from_last(start, end)
        last = self._last
        if known is None and last is not None and last[2] is not None and last[2] < start and self._told(start, end):
            # past the first match of the stretch last searched (a line): search on from here
            # to its end, once, which tells this sentence and those after it
            self._search(start, last[1])
            known = self._from_last(start, end)
        if known is not None:
            return known
        m = self.rx.search(self.text, start, end)
        if last is None or not (last[0] <= start and end <= last[1]):  # a line's search outlives its sentences'
            self._last = (start, end, m.start() if m else None, m.end() if m else None)
        return m is not None

    def _search(self, start: int, end: int) -> None:
        m = self.rx.search(self.text, start, end)
        self._last = (start, end, m.start() if m else None, m.end() if m else None)

    def _told(self, start: int, end: int) -> bool:
        """Whether the last search can tell about [start, end): it holds it, and a search
        cut at `end` sees the same boundary there (see _from_last)."""
        last = self._last
        return (self.cut_safe and last is not None and last[0] <= start and end <= last[1]
                and not (end < last[1] and _WORD.match(self.text, end)))

    def _from_last(self, start: int, end: int) -> bool | None:
        """What the search of [start, end) would say, when the last search of a stretch
        holding it tells: no match starts before its first match, and that match lies inside.
        Exact when the pattern looks at no more than the characters it matches and the word
        boundaries around them (_cut_safe), and the character at `end` is no word character,
        so that a search cut at `end` sees the same boundary there as one that goes on.
        None when it cannot tell (the caller searches)."""
        if not self._told(start, end):
            return None
        a, b, first, first_end = self._last
        if first is None or end < first:  # a match in [start, end) would be one in [a, b) before `first`
            return False
        if start <= first and first_end <= end:  # `first`'s match, cut at `end`, still matches
            return True
        return None

    def read(self, start: int, end: int) -> bool:
        """Whether a span the parser read overlaps [start, end)."""
        i = bisect_left(self.read_starts, end)  # spans starting before `end`
        return i > 0 and self.reach[i - 1] > start
