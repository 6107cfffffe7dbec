"""Spans of a source text, and the generic shapes found in sources: lines, headed sections,
bullet lists, tab-separated tables (with HTML inside cells).

Every function here returns Spans: offsets into the one original text, so a fact found
anywhere downstream can quote its source exactly. Nothing here ever copies or rewrites the
text; `Span.clean()` gives a tidied string for reading values, the offsets stay on the raw.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from msakb.extract.shared.memo import short_memo

TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>")
# Markup that means a line break or item boundary when a cell is read as plain text.
_BLOCK_TAGS = {"li", "p", "br", "ul", "ol", "div", "tr", "td"}
_MD_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")


@dataclass(frozen=True)
class Span:
    """A slice [start, end) of a source text. `text` is the whole source, shared, not copied."""

    text: str = field(repr=False)
    start: int
    end: int

    @property
    def raw(self) -> str:
        return self.text[self.start : self.end]

    @property
    def line(self) -> int:
        """1-based line number of the span's start, for error messages."""
        return self.text.count("\n", 0, self.start) + 1

    def __len__(self) -> int:
        return self.end - self.start

    def __bool__(self) -> bool:
        return self.end > self.start

    def sub(self, start: int, end: int | None = None) -> "Span":
        """A span relative to this one (offsets counted from self.start)."""
        at = self.start
        return _span(self.text, at + start, self.end if end is None else at + end)

    def strip(self, chars: str | None = None) -> "Span":
        raw = self.raw
        left = len(raw) - len(raw.lstrip(chars))
        right = len(raw.rstrip(chars))
        if right <= left:
            return _span(self.text, self.start + left, self.start + left)
        return _span(self.text, self.start + left, self.start + right)

    def clean(self) -> str:
        """The span as plain text: tags dropped, entities and `\\$` unescaped, markdown
        emphasis dropped, whitespace folded."""
        return clean_text(self.raw)

    def find(self, needle: str, start: int = 0) -> "Span | None":
        i = self.raw.find(needle, start)
        return None if i < 0 else self.sub(i, i + len(needle))

    def finditer(self, pattern: re.Pattern | str):
        """Regex matches inside the span, as (match, Span of group 0)."""
        if isinstance(pattern, str):
            pattern = re.compile(pattern)
        for m in pattern.finditer(self.text, self.start, self.end):
            yield m, _span(self.text, m.start(), m.end())

    def cover(self, other: "Span") -> "Span":
        return _span(self.text, min(self.start, other.start), max(self.end, other.end))


def _span(text: str, start: int, end: int, _new=object.__new__) -> Span:
    """Span(text, start, end), made as the dataclass's __init__ makes it (its three fields,
    in order, in the instance's __dict__) without the frozen class's object.__setattr__
    per field, most of what making a span cost (and spans are made by the hundred thousand)."""
    span = _new(Span)
    d = span.__dict__
    d["text"], d["start"], d["end"] = text, start, end
    return span


@short_memo
def clean_text(raw: str) -> str:
    """`raw` as plain text (Span.clean): tags dropped, entities and `\\$` unescaped, markdown
    emphasis dropped, whitespace folded."""
    # Each step only where it can change something (the tag and emphasis patterns start with
    # "<", "**" or "__"); str.split folds the same whitespace as \s+ (both Py_UNICODE_ISSPACE).
    s = TAG.sub(" ", raw) if "<" in raw else raw
    s = s.replace("\\$", "$").replace("\\*", "*")
    if "**" in s or "__" in s:
        s = _MD_EMPHASIS.sub(r"\2", s)
    s = html.unescape(s)
    return " ".join(s.split())


def whole(text: str) -> Span:
    return _span(text, 0, len(text))


def lines(span: Span) -> list[Span]:
    """The lines of a span, without their newline."""
    out, pos = [], span.start
    while pos <= span.end:
        nl = span.text.find("\n", pos, span.end)
        stop = span.end if nl < 0 else nl
        out.append(_span(span.text, pos, stop))
        if nl < 0:
            break
        pos = nl + 1
    return out


# --- headed sections -------------------------------------------------------------------

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")


@dataclass
class Section:
    heading: Span  # the heading's text (without '#' marks)
    body: Span  # from the line after the heading to the next heading of any level
    level: int


def is_plain_heading(line: Span, prev_blank: bool, next_blank: bool) -> bool:
    """A short line standing alone between blank lines, not a sentence or list item."""
    s = line.raw.strip()
    if not s or "\t" in line.raw or len(s) > 80 or not (prev_blank and next_blank):
        return False
    if s[0] in "-•*<(!|[" or re.match(r"^\d+\.|^[a-z]\.", s) or s[-1] in ".,;:?!)":
        return False
    return s[0].isupper()


def sections(span: Span, plain_headings: bool = True) -> list[Section]:
    """Split a text into sections at markdown headings (`# x`) and, if plain_headings, at
    short stand-alone title lines. Text before the first heading is not returned."""
    ls = lines(span)
    heads: list[tuple[int, Span, int]] = []  # (line index, heading span, level)
    for i, ln in enumerate(ls):
        m = _MD_HEADING.match(ln.raw)
        if m:
            heads.append((i, Span(ln.text, ln.start + m.start(2), ln.start + m.end(2)), len(m.group(1))))
            continue
        if plain_headings:
            prev_blank = i == 0 or not ls[i - 1].raw.strip()
            next_blank = i + 1 >= len(ls) or not ls[i + 1].raw.strip()
            if is_plain_heading(ln, prev_blank, next_blank):
                heads.append((i, ln.strip(), 7))
    out = []
    for k, (i, head, level) in enumerate(heads):
        body_start = ls[i].end + 1 if i + 1 < len(ls) else ls[i].end
        body_end = ls[heads[k + 1][0]].start if k + 1 < len(heads) else span.end
        out.append(Section(head, Span(span.text, min(body_start, body_end), body_end), level))
    return out


# --- bullet and numbered lists -----------------------------------------------------------

_MARKER = r"[-•*]\s*\(\d+\)|[-•*]|\d+\.|[a-z]\.|[ivx]+\.|\(\d+\)|\([a-z]\)"
_ITEM = re.compile(rf"^(?P<indent>[ \t]*)(?P<marker>{_MARKER})[ \t]+(?P<body>\S.*?)\s*$")
LIST_MARKER = re.compile(rf"[ \t]*(?:{_MARKER})[ \t]+")
"""A list item's own marker at the start of a text ("- ", "3. ", "ii. ", "(a) ")."""


@dataclass
class Item:
    marker: str
    level: int  # indentation in characters
    body: Span  # the item's text, marker excluded


def list_items(span: Span) -> list[Item]:
    """Every list item in a span (a line starting with -, •, *, 1., a., i., (1))."""
    out = []
    for ln in lines(span):
        m = _ITEM.match(ln.raw)
        if m:
            body = Span(ln.text, ln.start + m.start("body"), ln.start + m.end("body"))
            out.append(Item(m.group("marker"), len(m.group("indent").expandtabs(4)), body))
    return out


# --- HTML fragments inside a table cell ----------------------------------------------------


def html_items(span: Span) -> list[Span]:
    """The items a cell holds: its top-level <li> elements; else its <p> paragraphs; else
    its <b> runs when there are several; else the whole cell. Bullets (•) inside an item's
    text also separate items. Spans are trimmed of whitespace and bullet marks."""
    tags = [(m.group(1), m.group(2).lower(), m.group(3), m.start(), m.end())
            for m in TAG.finditer(span.text, span.start, span.end)] if "<" in span.raw else []
    for tag in ("li", "p"):
        parts = _top_level_elements(span, tag, tags)
        if parts:
            break
    else:
        bolds = _top_level_elements(span, "b", tags)
        parts = bolds if len(bolds) > 1 else [span]
    out: list[Span] = []
    for part in parts:
        for piece in _split_bullets(part):
            piece = _trim(piece)
            if piece and clean_text(piece.raw):
                out.append(piece)
    return out


def _top_level_elements(span: Span, name: str, tags: list[tuple]) -> list[Span]:
    """Contents of the outermost <name>...</name> elements (nested ones stay inside), among
    the span's `tags` (closing slash, lower-case name, self-closing slash, start, end)."""
    out, depth, opened = [], 0, None
    for closing, tag, selfclose, start, end in tags:
        if tag != name or selfclose:
            continue
        if not closing:
            if depth == 0:
                opened = end
            depth += 1
        elif depth > 0:
            depth -= 1
            if depth == 0 and opened is not None:
                out.append(_span(span.text, opened, start))
    return out


def _split_bullets(span: Span) -> list[Span]:
    raw = span.raw
    if "•" not in raw:
        return [span]
    out, pos = [], 0
    for m in re.finditer("•", raw):
        out.append(span.sub(pos, m.start()))
        pos = m.end()
    out.append(span.sub(pos))
    return out


_LEADING_JUNK = re.compile(r"^(?:\s|<[^>]+>|•|&nbsp;)+")
_TRAILING_JUNK = re.compile(r"(?:\s|<[^>]+>|&nbsp;)+$")


def _trim(span: Span) -> Span:
    """Drop whitespace, bullets and tags at either end, keeping offsets on the raw text."""
    raw = span.raw
    if not raw:
        return span.sub(0, 0)
    # Each pattern tried only where it can match: junk starts with whitespace, "<", "•" or
    # "&" and ends with whitespace, ">" or ";" (str.isspace is \s, as in clean_text).
    m = _LEADING_JUNK.match(raw) if raw[0].isspace() or raw[0] in "<•&" else None
    left = m.end() if m else 0
    m2 = _TRAILING_JUNK.search(raw, left) if raw[-1].isspace() or raw[-1] in ">;" else None
    right = m2.start() if m2 else len(raw)
    return span.sub(left, max(left, right))


def trim(span: Span) -> Span:
    """Public form of _trim: whitespace, bullets and wrapping tags dropped from both ends."""
    return _trim(span)


# --- sentences ---------------------------------------------------------------------------

# A sentence ends at . ? ! (and any closing quote or bracket) before whitespace and a capital,
# digit, opening quote or bracket; a line break always ends one.
_SENTENCE_END = re.compile(r"[.?!][\"'”’)\]]*(?=[ \t]+[\"'“‘(\[]?[A-Z0-9])")
_ABBREVIATION = re.compile(r"(?:\b(?:No|Nos|Mr|Mrs|Ms|Dr|St|vs|Inc|Co|Corp|Jr|Sr|Art|Sec|e\.g|i\.e)|\b[A-Z])\.$")
_LEADING_MARKER = re.compile(r"^\s*(?:[-•*]\s*)?(?:(?:\d+|[a-z]|[ivx]+)\.|\(\d+\)|\([a-z]\))?\s+(?=\S)|^\s*[-•*](?=\s)")
_MARKER_ONLY = re.compile(r"^\s*(?:[-•*]\s*)?(?:\d+|[a-z]|[ivx]+)\.$")  # "26." or "- a." opening a list item


def sentences(span: Span) -> list[Span]:
    """The sentences of a span, each trimmed of surrounding whitespace and of a leading list
    marker ("- a.", "3.", "- (1)"). Lines are split separately (a line break ends a
    sentence); abbreviations such as "No." and "e.g." and single initials do not end one."""
    out = []
    for ln in lines(span):
        raw = ln.raw
        m = _LEADING_MARKER.match(raw)
        pos = m.end() if m else 0
        for m in _SENTENCE_END.finditer(raw):
            so_far = raw[pos : m.start() + 1]
            if _ABBREVIATION.search(so_far) or _MARKER_ONLY.match(so_far):
                continue
            piece = ln.sub(pos, m.end()).strip()
            if piece:
                out.append(piece)
            pos = m.end()
        piece = ln.sub(pos).strip()
        if piece:
            out.append(piece)
    return out
