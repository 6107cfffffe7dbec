"""A source's markup read as text: the blocks (paragraphs, headings, list items, tables) and
runs (bold, italic) a reader sees, never the tags.

Sources mix Markdown (`# heading`, `- item`, `**bold**`, `\\$`, `[text](url)`) with HTML
fragments (`<b>`, `<ul><li>`, `<p>`, `<br>`, `<a href>`), and tables as tab-separated lines.
`blocks(text)` lays out a whole document (the program redline's source-id versions);
`quote_blocks(quote)` a quoted passage (a citation's footnote); `plain(text)` one line of
text without markup (a device name). Nothing here reads or writes files.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>")
_MD_HEADING = re.compile(r"^\s*(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_ITEM = re.compile(r"^(?P<indent>[ \t]*)[-•*+](?:[ \t]+|$)(?P<body>.*)$")
_MD_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\s]*\)")
_MD_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
# *italic*: opened before a letter or digit, closed after one (so "(*)" marks stay literal)
_MD_ITALIC = re.compile(r"(?<![\w*\\])\*(?=[A-Za-z0-9])(.+?)(?<=[\w.)!?])\*(?![\w*])")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!$|<>~])")
_SPACES = re.compile(r"\s+")
_BLOCK_BREAKS = {"p", "br", "div", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6"}


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass
class Block:
    """kind: "p", "heading" (level 1-3), "item" (a list item, level = nesting from 0) or
    "table" (rows of cells, each cell a list of blocks)."""

    kind: str
    runs: list[Run] = field(default_factory=list)
    level: int = 0
    rows: list[list[list["Block"]]] = field(default_factory=list)

    @property
    def text(self) -> str:
        if self.kind == "table":
            return "\n".join(" | ".join(" ".join(b.text for b in cell) for cell in row) for row in self.rows)
        return "".join(r.text for r in self.runs)


def plain(text: str | None) -> str:
    """One line of text without markup: `Tesla <b>Backup Switch</b>` -> `Tesla Backup Switch`."""
    if text is None:
        return ""
    return " ".join(b.text for b in quote_blocks(text) if b.text).strip()


def quote_blocks(quote: str) -> list[Block]:
    """A quoted passage as blocks. A table row reads as one paragraph of its cells joined by
    ' | ', except that a cell holding a list keeps it: the list's items follow as items."""
    out: list[Block] = []
    for b in blocks(quote, headings=False):
        if b.kind != "table":
            out.append(b)
            continue
        for row in b.rows:
            runs: list[Run] = []
            for cell in row:
                if len(cell) > 1 or (cell and cell[0].kind == "item"):
                    runs = _cell_join(runs, cell[0].runs if cell[0].kind == "p" else [])
                    if runs:
                        out.append(Block("p", _tidy(runs)))
                    out += [c for c in cell if c.kind == "item" or c is not cell[0]]
                    runs = []
                else:
                    runs = _cell_join(runs, cell[0].runs if cell else [])
            if runs:
                out.append(Block("p", _tidy(runs)))
    return [b for b in out if b.text.strip()]


def _cell_join(runs: list[Run], more: list[Run]) -> list[Run]:
    if not more:
        return runs
    return runs + [Run(" | ")] + more if runs else list(more)


def blocks(text: str, headings: bool = True) -> list[Block]:
    """A document's markup laid out: Markdown headings (and, when `headings`, short lines
    standing alone between blank lines), list items, tables of tab-separated lines,
    paragraphs; inline HTML lists and paragraphs become blocks of their own."""
    lines = text.split("\n")
    out: list[Block] = []
    table: Block | None = None
    for i, line in enumerate(lines):
        if "\t" in line:
            if table is None:
                table = Block("table")
                out.append(table)
            table.rows.append([_inline(cell, 0) or [Block("p")] for cell in line.split("\t")])
            continue
        table = None
        if not line.strip():
            continue
        m = _MD_HEADING.match(line)
        if m and headings:
            out.append(Block("heading", _tidy(_runs_of(m.group(2))), level=min(len(m.group(1)), 3)))
            continue
        if m:  # a heading inside a quote reads as a bold line
            out.append(Block("p", [Run(r.text, True, r.italic) for r in _tidy(_runs_of(m.group(2)))]))
            continue
        if headings and _stands_alone(lines, i):
            out.append(Block("heading", _tidy(_runs_of(line)), level=2))
            continue
        item = _MD_ITEM.match(line)
        if item:
            level = min(3, (len(item.group("indent").expandtabs(4)) + 1) // 2)
            parts = _inline(item.group("body"), level, first_kind="item")
            out += parts or [Block("item", level=level)]
            continue
        out += _inline(line, 0)
    return out


def _runs_of(text: str) -> list[Run]:
    return [r for b in _inline(text, 0) for r in b.runs + [Run(" ")]]


def _stands_alone(lines: list[str], i: int) -> bool:
    """A short line between blank lines that is not a sentence, list item or markup: a title."""
    s = lines[i].strip()
    prev_blank = i == 0 or not lines[i - 1].strip()
    next_blank = i + 1 >= len(lines) or not lines[i + 1].strip()
    if not (prev_blank and next_blank) or len(s) > 80 or "<" in s:
        return False
    if s[0] in "-•*(!|[" or re.match(r"^\d+\.|^[a-z]\.", s) or s[-1] in ".,;:?!)":
        return False
    return s[0].isupper()


def _inline(fragment: str, level: int, first_kind: str = "p") -> list[Block]:
    """One line's text (HTML and Markdown inline markup) as blocks: `<li>` opens a list item
    one level deeper per enclosing `<ul>`/`<ol>`; `<p>`, `<br>` and cell boundaries open a
    new paragraph; `<b>`/`<strong>` and `<i>`/`<em>` style the runs; other tags are dropped."""
    out: list[Block] = []
    current: list[Run] = []
    kind, cur_level = first_kind, level
    bold = italic = depth = 0

    def flush(next_kind: str, next_level: int):
        nonlocal current, kind, cur_level
        runs = _tidy(current)
        if runs:
            out.append(Block(kind, runs, level=cur_level))
        current, kind, cur_level = [], next_kind, next_level

    pos = 0
    for m in _TAG.finditer(fragment):
        current += _text_runs(fragment[pos:m.start()], bold > 0, italic > 0)
        pos = m.end()
        closing, tag = m.group(1), m.group(2).lower()
        inner = level + max(0, depth - 1)
        if tag in ("ul", "ol"):
            depth = max(0, depth + (-1 if closing else 1))
            flush("item" if depth else "p", level + max(0, depth - 1))
        elif tag == "li":
            flush("item" if depth or not closing else "p", inner)
        elif tag in _BLOCK_BREAKS:
            flush("item" if depth else "p", cur_level)
        elif tag in ("b", "strong"):
            bold = max(0, bold + (-1 if closing else 1))
        elif tag in ("i", "em"):
            italic = max(0, italic + (-1 if closing else 1))
    current += _text_runs(fragment[pos:], bold > 0, italic > 0)
    flush(kind, cur_level)
    return out


def _text_runs(text: str, bold: bool, italic: bool) -> list[Run]:
    """Markdown inline markup of a stretch of text without tags: links keep their text,
    **bold** and *italic* become styled runs, backslash escapes and HTML entities resolve."""
    if not text:
        return []
    text = _MD_LINK.sub(r"\1", text)
    runs: list[Run] = []
    pos = 0
    for m in _MD_BOLD.finditer(text):
        runs += _italic_runs(text[pos:m.start()], bold, italic)
        runs += _italic_runs(m.group(2), True, italic)
        pos = m.end()
    runs += _italic_runs(text[pos:], bold, italic)
    return runs


def _italic_runs(text: str, bold: bool, italic: bool) -> list[Run]:
    runs, pos = [], 0
    for m in _MD_ITALIC.finditer(text):
        runs.append(Run(_unescape(text[pos:m.start()]), bold, italic))
        runs.append(Run(_unescape(m.group(1)), bold, True))
        pos = m.end()
    runs.append(Run(_unescape(text[pos:]), bold, italic))
    return [r for r in runs if r.text]


def _unescape(text: str) -> str:
    return html.unescape(_MD_ESCAPE.sub(r"\1", text)).replace("\xa0", " ")


def _tidy(runs: list[Run]) -> list[Run]:
    """Whitespace folded as a browser does (one space, none at either end), a leading bullet
    character dropped (the block is the list item), neighbouring runs of one style merged."""
    out: list[Run] = []
    for r in runs:
        text = _SPACES.sub(" ", r.text)
        if not out or not out[-1].text.strip() and not out[-1].text:
            text = text.lstrip()
        if out and out[-1].text.endswith(" "):
            text = text.lstrip()
        if not text:
            continue
        if out and (out[-1].bold, out[-1].italic) == (r.bold, r.italic):
            out[-1] = Run(out[-1].text + text, r.bold, r.italic)
        else:
            out.append(Run(text, r.bold, r.italic))
    if out:
        first = out[0].text.lstrip()
        if first.startswith("•"):
            first = first[1:].lstrip()
        out[0] = Run(first, out[0].bold, out[0].italic)
        out[-1] = Run(out[-1].text.rstrip(), out[-1].bold, out[-1].italic)
    return [r for r in out if r.text]
