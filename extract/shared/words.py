r"""Whole words in plain text, found with str.find: where a word stands with no word character
or "&" touching it either side (PG&E is one word), as the regular expressions
`(?<![\w&])word(?![\w&])` find it, without compiling a pattern per word or list of words. The
gazetteer finds its aliases this way (msakb/knowledge/gazetteer.py), the candidate extractor
the spellings of devices (extract/candidates/extractor.py)."""

from __future__ import annotations

import re
from typing import Iterator

WORD_RUN = re.compile(r"[\w&]+")  # a word as alias matching sees it (PG&E is one)
_RUN_CHAR = re.compile(r"[\w&]")


def whole_runs(raw: str, run: str) -> list[int]:
    """Where `run` (a word run) stands in `raw` as a whole run of WORD_RUN: the starts WORD_RUN.finditer
    gives for a run equal to it."""
    out, at = [], next_whole(raw, run, 0)
    while at >= 0:
        out.append(at)
        at = next_whole(raw, run, at + len(run))  # the next run starts after this one's end
    return out


def whole_word_matches(text: str, words: list[str]) -> Iterator[tuple[int, int]]:
    r"""(start, end) of the occurrences of `words` that no word character or "&" touches, as
    re.finditer(r"(?<![\w&])(?:w1|w2|...)(?![\w&])") gives them: left to right, never
    overlapping, and where several start at one place the first of `words`. Found with
    str.find, without compiling a pattern per list of words."""
    if not all(words):  # an empty word matches everywhere: the pattern itself says where
        pattern = re.compile(r"(?<![\w&])(?:" + "|".join(map(re.escape, words)) + r")(?![\w&])")
        yield from (m.span() for m in pattern.finditer(text))
        return
    upcoming: dict[str, int] = {}  # a word's first whole occurrence at or after some earlier pos; -1: none
    pos = 0
    while True:
        best, best_word = -1, ""
        for word in words:
            at = upcoming.get(word, -2)
            if at == -2 or 0 <= at < pos:
                at = upcoming[word] = next_whole(text, word, pos)
            if at >= 0 and (best < 0 or at < best):
                best, best_word = at, word
        if best < 0:
            return
        yield best, best + len(best_word)
        pos = best + len(best_word)


def next_whole(text: str, word: str, start: int) -> int:
    r"""The first place at or after `start` where `word` stands with no [\w&] either side, or -1."""
    at = text.find(word, start)
    while at >= 0:
        end = at + len(word)
        if not (at and _RUN_CHAR.match(text, at - 1)) and not (end < len(text) and _RUN_CHAR.match(text, end)):
            return at
        at = text.find(word, at + 1)
    return -1
