"""Markup text (what a template renders) -> blocks, which filings.writers lays out.

The markup is a small HTML subset, parsed strictly as XML (see templates/README.md):
blocks `<title> <h1> <h2> <h3> <p> <quote> <ul>/<ol> of <li> <table> of <tr> of <th>/<td>
<pagebreak/>`; inline `<b> <i> <sup> <br/> <blank> <flag>`. Whitespace collapses as in HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from msakb.errors import FilingError

BLOCKS = {"title", "h1", "h2", "h3", "p", "quote", "ul", "ol", "table", "pagebreak"}
INLINE = {"b", "i", "sup", "br", "blank", "flag"}


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    sup: bool = False
    mark: str | None = None  # "blank" or "flag": highlighted, to complete or to review
    br: bool = False


@dataclass
class Block:
    kind: str  # title h1 h2 h3 p quote li table pagebreak
    runs: list[Run] = field(default_factory=list)
    level: int = 0
    number: int | None = None  # for items of an <ol>
    rows: list[list[list[Run]]] = field(default_factory=list)
    header: bool = False
    widths: list[float] = field(default_factory=list)  # <table widths="1,4,2">: relative

    @property
    def text(self) -> str:
        return runs_text(self.runs)


def runs_text(runs: list[Run]) -> str:
    return "".join("\n" if r.br else shown(r) for r in runs)


def shown(r: Run) -> str:
    if r.mark == "blank":
        return f"[TO COMPLETE: {r.text}]" if r.text else "[TO COMPLETE]"
    if r.mark == "flag":
        return f"[{r.text.upper()}]"
    return r.text


# -- parsing -------------------------------------------------------------------------------

def parse(markup: str, template: str = "template") -> list[Block]:
    """Parse rendered markup into blocks; malformed markup raises FilingError with the line."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.fromstring(f"<doc>{markup}</doc>".encode("utf-8"), parser)
    except etree.XMLSyntaxError as e:
        line = e.lineno or 0
        shown = markup.splitlines()[line - 1].strip()[:80] if 0 < line <= len(markup.splitlines()) else ""
        raise FilingError(f"{template}: rendered markup is not well formed at line {line} ({shown!r}): {e.msg}") from None
    if (root.text or "").strip():
        raise FilingError(f"{template}: text outside a block: {root.text.strip()[:60]!r} (wrap it in <p>)")
    blocks: list[Block] = []
    for el in root:
        _block(el, blocks, template, level=0)
        if (el.tail or "").strip():
            raise FilingError(f"{template}: text outside a block after <{el.tag}>: {el.tail.strip()[:60]!r}")
    return blocks


def _block(el, out: list[Block], template: str, level: int) -> None:
    tag = el.tag
    if tag not in BLOCKS:
        raise FilingError(f"{template}: <{tag}> is not a block element; blocks: {', '.join(sorted(BLOCKS))}")
    if tag == "pagebreak":
        out.append(Block("pagebreak"))
    elif tag in ("ul", "ol"):
        n = 0
        for li in el:
            if li.tag != "li":
                raise FilingError(f"{template}: <{tag}> may hold only <li>, found <{li.tag}>")
            n += 1
            nested = [c for c in li if c.tag in ("ul", "ol")]
            item = Block("li", _normalise(_inline(li, template, skip={"ul", "ol"})), level=level,
                         number=n if tag == "ol" else None)
            out.append(item)
            for sub in nested:
                _block(sub, out, template, level + 1)
    elif tag == "table":
        table = Block("table")
        try:
            table.widths = [float(w) for w in el.get("widths", "").split(",") if w.strip()]
        except ValueError:
            raise FilingError(f"{template}: <table widths={el.get('widths')!r}>: expected numbers like \"1,4,2\"") from None
        for tr in el:
            if tr.tag != "tr":
                raise FilingError(f"{template}: <table> may hold only <tr>, found <{tr.tag}>")
            cells = []
            for cell in tr:
                if cell.tag not in ("td", "th"):
                    raise FilingError(f"{template}: <tr> may hold only <td> or <th>, found <{cell.tag}>")
                bold = cell.tag == "th"
                cells.append(_normalise(_inline(cell, template, bold=bold)))
            if tr is el[0] and all(c.tag == "th" for c in tr):
                table.header = True
            table.rows.append(cells)
        out.append(table)
    else:
        out.append(Block(tag, _normalise(_inline(el, template))))


def _inline(el, template: str, skip=frozenset(), **style) -> list[Run]:
    runs: list[Run] = []
    if el.text:
        runs.append(Run(el.text, **style))
    for child in el:
        if child.tag in skip:
            pass
        elif child.tag == "br":
            runs.append(Run("", br=True))
        elif child.tag in ("blank", "flag"):
            runs.append(Run(" ".join("".join(child.itertext()).split()), bold=True, mark=child.tag))
        elif child.tag in INLINE:
            flags = dict(style)
            flags[{"b": "bold", "i": "italic", "sup": "sup"}[child.tag]] = True
            runs.extend(_inline(child, template, **flags))
        else:
            raise FilingError(f"{template}: <{child.tag}> inside <{el.tag}>; inline elements: {', '.join(sorted(INLINE))}")
        if child.tail:
            runs.append(Run(child.tail, **style))
    return runs


def _normalise(runs: list[Run]) -> list[Run]:
    """Collapse whitespace as HTML does: runs of spaces to one, none at a line's ends."""
    out: list[Run] = []
    at_start = True
    for r in runs:
        if r.br or r.mark:
            if r.br and out and not out[-1].br and not out[-1].mark:
                out[-1].text = out[-1].text.rstrip()
            out.append(r)
            at_start = r.br
            continue
        text = re.sub(r"\s+", " ", r.text)
        if at_start or (out and not out[-1].br and (out[-1].text.endswith(" "))):
            text = text.lstrip()
        if text:
            out.append(Run(text, r.bold, r.italic, r.sup))
            at_start = False
    if out and not out[-1].br and not out[-1].mark:
        out[-1].text = out[-1].text.rstrip()
    return [r for r in out if r.text or r.br or r.mark]
