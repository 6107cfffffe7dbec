"""A slide deck as text: each level-1 markdown heading starts a slide; the headings below it
(##, ###, ####) are its parts. Offsets stay on the source text (see extract/shared/text.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from msakb.extract.shared.text import Section, Span, sections
from msakb.extract.shared.patterns import pattern_file


@lru_cache(maxsize=None)
def deck_patterns() -> dict:
    """What a deck's headings mean: extract/patterns/slide_deck.yaml."""
    return pattern_file("slide_deck.yaml")


@dataclass
class Slide:
    title: Span  # the level-1 heading's text
    span: Span  # from the heading's line to the next level-1 heading
    intro: Span  # the text between the title and the first part
    parts: list[Section]  # its sub-sections, in order


def slides(span: Span) -> list[Slide]:
    """Every slide of a deck (text before the first level-1 heading is not a slide)."""
    out: list[Slide] = []
    for sec in sections(span, plain_headings=False):
        if sec.level == 1:
            line_start = span.text.rfind("\n", 0, sec.heading.start) + 1
            out.append(Slide(sec.heading, Span(span.text, line_start, sec.body.end), sec.body, []))
        elif out:
            out[-1].parts.append(sec)
            out[-1].span = out[-1].span.cover(sec.body)
    return out


def titled(span: Span, title: str) -> list[Slide]:
    """The slides whose title, cleaned, equals `title` (case-insensitive)."""
    return [s for s in slides(span) if s.title.clean().lower() == title.lower()]


def heading_text(sec: Section) -> str:
    """A part's heading as plain text, without a trailing colon."""
    return sec.heading.clean().rstrip(":").strip()


def parts_matching(span: Span, pattern: str) -> list[Section]:
    """Every sub-section (any slide) whose heading matches a regex (case-insensitive)."""
    rx = re.compile(pattern, re.I)
    return [p for s in slides(span) for p in s.parts if rx.search(heading_text(p))]
