"""A source read as statements, with offsets: the units the generic extractor proposes.

A statement is a row of a tab-separated table (with its cells, header, the column its
header names as the status, and the text just above the table), a sentence of a line or
of a table cell, a list item (with the lead-in line it is under, "the following devices
are approved:"), or an enumerated clause: a lead-in that obliges ("shall permit ... that
meets the following requirements:") with its items, one statement whose parts are the items.

Only what can hold a proposal is read (`prefilter.Hits`): a line or cell without any word a
proposal needs is never split into sentences. A table's rows are statements, except those
the source's dedicated parser has read (a row is all one fact's, and the parser has it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterator

from msakb.extract.candidates.cues import config
from msakb.extract.candidates.prefilter import Hits
from msakb.extract.shared.text import Span, html_items, lines, sentences, trim

_CAPTION_REACH = 600  # characters above a table where its caption (a utility's name, "approved for ...") may be
_HEADING = re.compile(r"^(#{1,6})\s+\S")
# A lead-in whose items are the parts of one requirement (not each a statement of its own).
_CLAUSE_LEAD = re.compile(r"(?i)\b(?:shall|must|required|requires|only\s+if|if\s+the|following\s+(?:requirements|conditions|criteria))\b")


@dataclass
class Statement:
    span: Span
    shape: str  # row, sentence, item, clause (a lead-in with its items), cell (a sentence of a table cell)
    cells: list[Span] | None = None
    header: list[Span] | None = None
    status_col: int | None = None
    caption: Span | None = None  # the text just above a row's table
    headings: list[Span] = field(default_factory=list)  # enclosing markdown headings, nearest first
    lead: Span | None = None  # the lead-in sentence an item is under
    parts: list[Span] = field(default_factory=list)  # a clause's items
    marker: str | None = None  # an item's list marker as written ("3.", "(b)")


@lru_cache(maxsize=None)
def _marker() -> re.Pattern:
    return re.compile(config()["item_marker"])


def strip_marker(span: Span) -> Span:
    """The span without a list marker or heading hashes in front."""
    raw = span.raw
    m = _marker().match(raw) or re.match(r"^#{1,6}\s+", raw)
    return trim(span.sub(m.end())) if m else span


def item_kind(line: Span) -> tuple[str, int] | None:
    """(marker class, indent) of a list-item line, or None: 'num' (1. (2)), 'alpha' (a. (b) (iv)),
    'bullet' (- • *), 'html' (<li>)."""
    raw = line.raw
    s = raw.lstrip()
    indent = len(raw) - len(s)
    if s.startswith(("<li", "<ul", "<ol")):
        return "html", indent
    m = _marker().match(s)
    if not m:
        return None
    core = m.group(0).lstrip("-•* ").strip()
    kind = "num" if core[:1].isdigit() or core[1:2].isdigit() else ("alpha" if core else "bullet")
    return kind, indent


# What opens a sentence without being part of its statement: a short answer ("No. Meter
# collar adapters are limited to ...", where the sentence splitter reads "No." as the
# abbreviation of "number"), or a statute's labels in brackets before a section's text
# ("(NEW) (Effective July 1, 2025) (a) As used in this section, ...").
_ANSWER = re.compile(r"^(?:(?:No|Yes)[.,]\s+|(?:\([^()\n]{1,40}\)\s+)+)(?=[A-Z\"“'‘])")


def _sentences(piece: Span) -> Iterator[Span]:
    for s in sentences(piece):
        s = strip_marker(s)
        m = _ANSWER.match(s.raw)
        if m:
            s = s.sub(m.end())
        if s:
            yield s


def _cells(line: Span) -> list[Span]:
    out, pos, raw = [], 0, line.raw
    for m in re.finditer("\t", raw):
        out.append(line.sub(pos, m.start()))
        pos = m.end()
    out.append(line.sub(pos))
    return out


def statements(span: Span, hits: Hits, status_headers: re.Pattern, caption_cue) -> Iterator[Statement]:
    """The statements of `span` that can hold a proposal, in text order. `caption_cue(text)`
    tells a heading that lists approved devices (its items are read even without a cue)."""
    ls = lines(span)
    heads: list[tuple[int, Span]] = []  # enclosing markdown headings (level, line)
    leads: list[tuple[Span, tuple[str, int] | None]] = []  # open lead-in sentences and their item kinds
    listing = False  # under a heading that lists approved devices
    i, prev_table_end = 0, span.start
    while i < len(ls):
        ln = ls[i]
        if "\t" in ln.raw:
            j = i
            while j < len(ls) and "\t" in ls[j].raw:
                j += 1
            context = [h for _, h in reversed(heads)]
            yield from _table(ls[i:j], max(prev_table_end, ln.start - _CAPTION_REACH), status_headers, context, hits)
            prev_table_end, leads, i = ls[j - 1].end, [], j
            continue
        i += 1
        if not ln.raw.strip():
            continue
        h = _HEADING.match(ln.raw)
        if h:
            heads = [(lv, sp) for lv, sp in heads if lv < len(h.group(1))] + [(len(h.group(1)), trim(ln))]
            listing, leads = caption_cue(ln.raw), []
            continue
        kind = item_kind(ln)
        if kind is None:
            leads = []
        while leads and leads[-1][1] is not None and kind is not None and leads[-1][1][0] == kind[0] \
                and leads[-1][1][1] >= kind[1]:
            leads.pop()  # a sibling of the item that opened the lead, or a shallower one
        inherit = leads[-1][0] if leads else None
        lead_in = ln.raw.rstrip("* ").endswith((":", "?"))  # may open a list, whatever it says
        if not (lead_in or hits.within(ln.start, ln.end) or inherit is not None or (listing and kind is not None)):
            continue
        headings = [sp for _, sp in reversed(heads)]
        pieces = html_items(ln) if "<" in ln.raw else [ln]
        sents = [s for piece in pieces for s in _sentences(piece)]
        if not sents:
            continue
        last = sents[-1]
        clause = _clause(ls, i, last, kind) if last.raw.rstrip("* ").endswith(":") and _CLAUSE_LEAD.search(last.raw) else None
        if clause:
            sents = sents[:-1]
        if inherit is None and not (listing and kind is not None):
            sents = [s for s in sents if hits.within(s.start, s.end)]  # the line's other sentences hold the cue
        marker = _marker().match(ln.raw.lstrip())
        for s in sents:
            yield Statement(s, "item" if kind else "sentence", headings=headings, lead=inherit,
                            marker=marker.group(0).strip() if marker and kind else None)
        if clause:
            stmt, i = clause
            stmt.headings = headings
            yield stmt
            continue
        if last.raw.rstrip("* ").endswith((":", "?")):
            leads.append((last, kind))


def _clause(ls: list[Span], i: int, lead: Span, lead_kind) -> tuple[Statement, int] | None:
    """A lead-in (its sentence `lead`, line i-1) with the items on the lines after it, as one
    statement, and the index of the line after its last item; None unless two or more
    items of one marker class follow (blank lines between them allowed)."""
    items, kind, j = [], None, i
    while j < len(ls):
        ln = ls[j]
        if not ln.raw.strip():
            j += 1
            continue
        k = item_kind(ln)
        if k is None or k[0] == "html" or (lead_kind is not None and k[0] == lead_kind[0] and k[1] <= lead_kind[1]):
            break
        if kind is None:
            kind = k
        elif k[0] != kind[0] or k[1] < kind[1]:
            break
        if k[1] == kind[1]:
            items.append(strip_marker(trim(ln)))
        else:  # a deeper line continues the last item
            items[-1] = items[-1].cover(trim(ln))
        j += 1
    if len(items) < 2:
        return None
    return Statement(lead.cover(items[-1]), "clause", lead=lead, parts=items), j


def _table(rows: list[Span], caption_start: int, status_headers: re.Pattern, headings: list[Span],
           hits: Hits) -> Iterator[Statement]:
    header = None
    for row in rows:
        if header is not None and hits.read(row.start, row.end):
            continue  # the source's parser read this row
        cells = _cells(row)
        if sum(1 for c in cells if c.raw.strip()) < 2:
            continue
        if header is None:
            header = cells
            status_col = next((k for k, h in enumerate(header) if status_headers.search(h.clean())), None)
            continue
        yield Statement(trim(row), "row", cells=cells, header=header, status_col=status_col, headings=headings,
                        caption=Span(row.text, caption_start, rows[0].start))
        for c in cells:
            if c.raw.strip() and hits.within(c.start, c.end):
                for item in html_items(c):
                    for s in _sentences(item):
                        yield Statement(s, "cell")
