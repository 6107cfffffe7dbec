"""Tab-separated tables as they appear in the sources (copied from web pages and slides).

A table is a run of lines holding tabs. Its quirks, all met in the seed corpus:
- caption lines before the header whose only text is in the first cell ("As of : 04/12/2026");
- a row continued on a later line, after a blank line, whose leading cells are empty
  (a page break inside a cell);
- HTML inside cells (<b>, <a>, <ul><li>, <p>, <sup>), read by `text.html_items`.
A row with fewer cells than its header is a truncated row and an error, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from msakb.errors import SourceError
from msakb.extract.shared.text import Span, lines


@dataclass
class Row:
    span: Span  # the row's whole text, continuation lines included
    cells: list[Span]  # one per column, each covering its text (continuations included)

    def cell(self, i: int) -> Span:
        return self.cells[i]


@dataclass
class Table:
    captions: list[Span]  # lines before the header that hold text in the first cell only
    header: Row | None
    rows: list[Row]
    span: Span

    @property
    def line(self) -> int:
        return self.span.line

    def headers(self) -> list[str]:
        return [c.clean() for c in self.header.cells] if self.header else []


def _cells(line: Span) -> list[Span]:
    out, pos = [], 0
    raw = line.raw
    while True:
        tab = raw.find("\t", pos)
        if tab < 0:
            out.append(line.sub(pos))
            return out
        out.append(line.sub(pos, tab))
        pos = tab + 1


def _nonempty(cells: list[Span]) -> int:
    return sum(1 for c in cells if c.raw.strip())


def table_blocks(span: Span) -> list[list[Span]]:
    """Runs of tab-holding lines. A blank gap stays inside a run when the next line with
    text starts with a tab (a continuation of the previous row)."""
    ls = lines(span)
    blocks: list[list[Span]] = []
    cur: list[Span] = []
    i = 0
    while i < len(ls):
        ln = ls[i]
        if "\t" in ln.raw:
            cur.append(ln)
            i += 1
            continue
        if cur and not ln.raw.strip():
            j = i
            while j < len(ls) and not ls[j].raw.strip():
                j += 1
            if j < len(ls) and ls[j].raw.startswith("\t"):
                i = j
                continue
        if cur:
            blocks.append(cur)
            cur = []
        i += 1
    if cur:
        blocks.append(cur)
    return blocks


def parse_table(block: list[Span], header: bool = True) -> Table:
    """Read one block of lines as a table: captions, header (if `header`), rows."""
    text = block[0].text
    span = Span(text, block[0].start, block[-1].end)
    captions: list[Span] = []
    k = 0
    parsed = [_cells(ln) for ln in block]
    if header:
        # Leading lines with text in the first cell only, followed by a wider line, are captions.
        while (
            k + 1 < len(block)
            and _nonempty(parsed[k]) == 1
            and parsed[k][0].raw.strip()
            and _nonempty(parsed[k + 1]) > 1
        ):
            captions.append(block[k].strip())
            k += 1
    head = Row(block[k], parsed[k]) if header else None
    width = len(parsed[k]) if header else max(len(p) for p in parsed)
    rows: list[Row] = []
    for ln, cells in zip(block[k + int(header) :], parsed[k + int(header) :]):
        while len(cells) > width and not cells[-1].raw.strip():
            cells = cells[:-1]
        if len(cells) != width:
            got = "fewer" if len(cells) < width else "more"
            raise SourceError(
                None,
                f"table row has {len(cells)} cells, {got} than the {width} of its header "
                f"(truncated or malformed row: {ln.raw[:60]!r})",
                line=ln.line,
            )
        if rows and cells[0].raw == "" and any(c.raw.strip() for c in cells):
            # A continuation line: extend the previous row's cells that it fills.
            prev = rows[-1]
            for i, c in enumerate(cells):
                if c.raw.strip():
                    prev.cells[i] = prev.cells[i].cover(c)
            prev.span = prev.span.cover(ln)
            continue
        rows.append(Row(ln, cells))
    return Table(captions, head, rows, span)


def tables(span: Span, header: bool = True) -> list[Table]:
    """Every table in a span."""
    return [parse_table(b, header) for b in table_blocks(span)]


def column_map(table: Table, known: dict[str, str], source_hint: str = "") -> dict[str, int]:
    """Map a table's header cells to field names through `known` (header text, lowercased,
    -> field). An unknown header is an error naming it and the headers that are known."""
    out = {}
    for i, cell in enumerate(table.header.cells):
        name = cell.clean()
        if not name:
            continue
        field = known.get(name.lower())
        if field is None:
            raise SourceError(
                None,
                f"unknown column header {name!r}{source_hint}; known headers: "
                + ", ".join(sorted(known)),
                line=table.header.span.line,
            )
        out[field] = i
    return out
