"""A source read as passages, with offsets: the units the generic extractor judges.

- a row of a tab-separated table (with its cells, the column its header names as the
  status, and where its caption may start), then each sentence of each of its cells;
- outside tables, each sentence of each line (of each <p>/<li> item where a line holds
  HTML), list markers ("- ", "a.", "(b)", "12.") left out of the span;
- a list item under a lead-in line ending with ":" ("the following are required:") carries
  that line as its `lead`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterator

from msakb.extract.candidates.cues import config
from msakb.extract.shared.text import Span, html_items, lines, sentences, trim

_CAPTION_REACH = 600  # characters above a table where its caption (a utility's name) may be


@dataclass
class Passage:
    span: Span
    whole: bool  # a table row or a prose sentence: approvals and entities are read here
    obligation: bool  # a sentence or list item: obligations are read here
    cells: list[Span] | None = None
    header: list[Span] | None = None
    status_col: int | None = None
    caption_start: int | None = None
    caption: Span | None = None  # the text just above the row's table
    lead: Span | None = field(default=None)
    headings: list[Span] = field(default_factory=list)  # enclosing markdown headings, nearest first


@lru_cache(maxsize=None)
def _marker() -> re.Pattern:
    return re.compile(config()["item_marker"])


def strip_marker(span: Span) -> Span:
    """The span without a list marker or heading hashes in front."""
    raw = span.raw
    m = _marker().match(raw) or re.match(r"^#{1,6}\s+", raw)
    return trim(span.sub(m.end())) if m else span


def _item_kind(line: Span) -> tuple[str, int] | None:
    """(marker class, indent) of a list-item line, or None: 'num' (1. (2)), 'alpha' (a. (b)),
    'bullet' (- • *), 'html' (<li>)."""
    raw = line.raw
    s = raw.lstrip()
    indent = len(raw) - len(s)
    if s.startswith("<li"):
        return "html", indent
    m = _marker().match(s)
    if not m:
        return None
    core = m.group(0).lstrip("-•* ").strip()
    kind = "num" if core[:1].isdigit() or core[1:2].isdigit() else ("alpha" if core else "bullet")
    return kind, indent


_HEADING = re.compile(r"^(#{1,6})\s+\S")


def _cells(line: Span) -> list[Span]:
    out, pos, raw = [], 0, line.raw
    for m in re.finditer("\t", raw):
        out.append(line.sub(pos, m.start()))
        pos = m.end()
    out.append(line.sub(pos))
    return out


def _sentences(piece: Span) -> Iterator[Span]:
    for s in sentences(piece):
        s = strip_marker(s)
        if s:
            yield s


def passages(span: Span, status_headers: re.Pattern) -> Iterator[Passage]:
    ls = lines(span)
    leads: list[tuple[Span, tuple[str, int] | None]] = []  # open lead-in lines and their item kinds
    heads: list[tuple[int, Span]] = []  # enclosing markdown headings (level, line)
    i, prev_table_end = 0, span.start
    while i < len(ls):
        if "\t" in ls[i].raw:
            j = i
            while j < len(ls) and "\t" in ls[j].raw:
                j += 1
            context = [h for _, h in reversed(heads)]
            yield from _table(ls[i:j], max(prev_table_end, ls[i].start - _CAPTION_REACH), status_headers, context)
            prev_table_end, leads, i = ls[j - 1].end, [], j
            continue
        ln = ls[i]
        i += 1
        if not ln.raw.strip():
            continue
        h = _HEADING.match(ln.raw)
        if h:
            heads = [(lv, sp) for lv, sp in heads if lv < len(h.group(1))] + [(len(h.group(1)), trim(ln))]
        kind = _item_kind(ln)
        if kind is None:
            leads = []
        # leads this item is not under (a sibling, or a shallower item of its class) end here
        while leads and leads[-1][1] is not None and leads[-1][1][0] == kind[0] and leads[-1][1][1] >= kind[1]:
            leads.pop()
        inherit = leads[-1][0] if leads else None
        pieces = html_items(ln) if "<" in ln.raw else [ln]
        last = None
        for piece in pieces:
            for s in _sentences(piece):
                last = s
                yield Passage(s, whole=True, obligation=True, lead=inherit, headings=[h for _, h in reversed(heads)])
        if last is not None and last.raw.rstrip("* ").endswith((":", "?")):
            leads.append((last, kind))


def _table(rows: list[Span], caption_start: int, status_headers: re.Pattern, headings: list[Span]) -> Iterator[Passage]:
    header = None
    for row in rows:
        cells = _cells(row)
        if sum(1 for c in cells if c.raw.strip()) < 2:
            continue
        if header is None:
            header = cells
            continue
        status_col = next((k for k, h in enumerate(header) if status_headers.search(h.clean())), None)
        yield Passage(trim(row), whole=True, obligation=False, cells=cells, header=header,
                      status_col=status_col, caption_start=caption_start, headings=headings,
                      caption=Span(row.text, caption_start, rows[0].start))
        for c in cells:
            for item in html_items(c) if c.raw.strip() else []:
                for s in _sentences(item):
                    yield Passage(s, whole=False, obligation=True)
