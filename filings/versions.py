"""The two versions a program redline compares, as Word documents.

A version is a .docx file (read as it is: its styles, lists and tables), or a source of the
knowledge base laid out from its markup (Markdown and HTML headings, lists, bold and tables
become Word headings, list paragraphs, bold runs and tables). `read_paragraphs` gives a
document's text with its tracked changes accepted or rejected (python-docx's `paragraph.text`
skips text inside w:ins, so it reads the XML).
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from docx.oxml.ns import qn

from msakb.errors import FilingError
from msakb.filings.markup import Block, blocks

_WORD = re.compile(r"\w+")


@dataclass
class Version:
    label: str
    sha256: str
    document: object  # python-docx Document
    series: str | None = None  # publisher / kind of a source; None for a file
    data: bytes | None = None  # the .docx bytes of a file version (its clean copy is itself)


def load_version(spec: str | None, role: str, kb_path: Path | None) -> Version:
    """--old/--new: a .docx file, or a source id of the knowledge base."""
    from docx import Document

    if not spec:
        raise FilingError(f"program-redline needs --{role}: a source id or a .docx file")
    path = Path(spec)
    if path.suffix.lower() == ".docx":
        if not path.is_file():
            raise FilingError(f"--{role} {spec}: no such .docx file")
        data = path.read_bytes()
        try:
            document = Document(io.BytesIO(data))
        except Exception as e:  # python-docx raises several kinds for a file that is not a .docx
            raise FilingError(f"--{role} {spec}: not a readable .docx file ({type(e).__name__})") from None
        return Version(path.name, hashlib.sha256(data).hexdigest(), document, None, data)
    from msakb.filings.kb import Kb

    kb = Kb(kb_path)
    try:
        src = kb.source(spec)
    finally:
        kb.close()
    label = f"{src['title']} ({src['publisher']}, {src['as_of'] or 'undated'}; source {src['id']})"
    series = src.get("series") or f"{src['publisher']} / {src['kind']}"
    return Version(label, src["sha256"], layout(src["text"]), series)


def layout(text: str):
    """A source's markup as a Word document: headings, list paragraphs, bold, tables."""
    from docx import Document

    document = Document()
    for b in blocks(text):
        if b.kind == "table":
            width = max(len(r) for r in b.rows)
            table = document.add_table(rows=len(b.rows), cols=width)
            table.style = document.styles["Table Grid"]
            for i, row in enumerate(b.rows):
                for j, cell in enumerate(row):
                    target = table.cell(i, j)
                    for k, inner in enumerate(cell):
                        para = target.paragraphs[0] if k == 0 else target.add_paragraph()
                        _fill(para, inner)
            continue
        style = {"heading": f"Heading {b.level}", "item": ("List Bullet", "List Bullet 2", "List Bullet 3")[min(b.level, 2)]}
        _fill(document.add_paragraph(style=style.get(b.kind)), b)
    return document


def _fill(paragraph, block: Block) -> None:
    for r in block.runs:
        run = paragraph.add_run(r.text)
        run.bold = r.bold or None
        run.italic = r.italic or None


def words(document) -> list[str]:
    return _WORD.findall(" ".join(read_paragraphs(document)).lower())


def similarity(a, b) -> float:
    """Share of words two documents have in common (0: none, 1: the same words)."""
    wa, wb = Counter(words(a)), Counter(words(b))
    total = sum(wa.values()) + sum(wb.values())
    return 2 * sum((wa & wb).values()) / total if total else 1.0


def read_paragraphs(source, accept: bool = True) -> list[str]:
    """A document's paragraphs (body and table cells, in order) as text, with tracked
    changes accepted (or rejected). `source`: a path or a python-docx Document."""
    if isinstance(source, (str, Path)):
        from docx import Document

        try:
            source = Document(str(source))
        except Exception as e:
            raise FilingError(f"{source}: not a readable .docx file ({type(e).__name__})") from None
    body = source.element.body
    dropped = qn("w:del") if accept else qn("w:ins")
    out, pending = [], ""
    for p in body.iter(qn("w:p")):
        if _in_dropped_row(p, dropped):
            continue
        text = []
        for el in p.iter(qn("w:t"), qn("w:delText"), qn("w:tab"), qn("w:br"), qn("w:cr")):
            if inside(el, dropped, p) or inside(el, qn("w:pPr"), p):
                continue
            if el.tag in (qn("w:t"), qn("w:delText")):
                text.append(el.text or "")
            else:
                text.append("\t" if el.tag == qn("w:tab") else "\n")
        if p.find(f"{qn('w:pPr')}/{qn('w:rPr')}/{dropped}") is not None:
            pending += "".join(text)  # this paragraph's mark is gone: it joins the next one
            continue
        out.append(pending + "".join(text))
        pending = ""
    if pending:
        out.append(pending)
    return out


def _in_dropped_row(p, dropped) -> bool:
    parent = p.getparent()
    while parent is not None:
        if parent.tag == qn("w:tr"):
            return parent.find(f"{qn('w:trPr')}/{dropped}") is not None
        parent = parent.getparent()
    return False


def inside(el, tag: str, stop) -> bool:
    """Is `el` inside a `tag` element below `stop`?"""
    parent = el.getparent()
    while parent is not None and parent is not stop:
        if parent.tag == tag:
            return True
        parent = parent.getparent()
    return False
