"""Word pieces python-docx has no API for, written with its oxml layer: footnotes (the
footnotes part, reference runs, notes holding a source's markup as runs and lists), runs
spliced in where a rendered template left a placeholder, and the styles they use.

A rendered template holds placeholders (private-use characters around a number) where a
value asked for more than text: a footnote reference, a highlighted marker. `splice` replaces
each by the runs registered for it, copying the surrounding run's formatting, so that a tag
written anywhere in the template (a paragraph, a table cell, a header) works the same.
"""

from __future__ import annotations

import re
from copy import deepcopy

from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt
from lxml import etree

from msakb.extract.shared.text import LIST_MARKER
from msakb.filings.markup import Block, Run

OPEN, CLOSE = "\ue000", "\ue001"
FOOTNOTE_TEXT, FOOTNOTE_REFERENCE, MARKER = "FootnoteText", "FootnoteReference", "ToComplete"

_EMPTY_NOTES = (
    f'<w:footnotes {nsdecls("w", "r")}>'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/>'
    "</w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>"
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
    'w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote></w:footnotes>'
)


def _style_names(document) -> dict[str, str]:
    """Lower-case style name -> style id, read from the styles part's XML (python-docx's
    style objects cost a millisecond each to build, and a template has hundreds)."""
    out = {}
    for el in document.styles.element.iterchildren(qn("w:style")):
        name = el.find(qn("w:name"))
        if name is not None:
            out.setdefault(name.get(qn("w:val"), "").lower(), el.get(qn("w:styleId")))
    return out


def ensure_styles(document) -> None:
    """The styles generated content uses, added with a plain look where a house template
    lacks them (Word names: 'Footnote Text', 'Footnote Reference', 'To Complete')."""
    styles = document.styles
    names = _style_names(document)
    if "footnote text" not in names:
        s = styles.add_style("Footnote Text", WD_STYLE_TYPE.PARAGRAPH)
        s.base_style = styles["Normal"]
        s.font.size = Pt(9)
        s.paragraph_format.space_after = Pt(2)
    if "footnote reference" not in names:
        s = styles.add_style("Footnote Reference", WD_STYLE_TYPE.CHARACTER)
        s.font.superscript = True
    if "to complete" not in names:
        s = styles.add_style("To Complete", WD_STYLE_TYPE.CHARACTER)
        s.font.bold = True
        s.element.get_or_add_rPr().append(parse_xml(f'<w:highlight {nsdecls("w")} w:val="yellow"/>'))


def style_id(document, name: str, fallback: str) -> str:
    return _style_names(document).get(name.lower(), fallback)


class Footnotes:
    """The footnotes part of one document: new notes get ids after those it already has."""

    def __init__(self, document):
        self.document = document
        try:
            self.part = document.part.rels.part_with_reltype(RT.FOOTNOTES)
        except KeyError:
            self.part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, _EMPTY_NOTES.encode(),
                             document.part.package)
            document.part.relate_to(self.part, RT.FOOTNOTES)
        self.root = etree.fromstring(self.part.blob, etree.XMLParser(resolve_entities=False, no_network=True))
        ids = [int(n.get(qn("w:id"))) for n in self.root.iter(qn("w:footnote"))]
        self.next_id = max([0, *ids]) + 1
        self.text_style = style_id(document, "footnote text", FOOTNOTE_TEXT)
        self.ref_style = style_id(document, "footnote reference", FOOTNOTE_REFERENCE)

    def add(self, paragraphs: list[list[etree._Element]], indents: list[int]) -> int:
        """A new note of paragraphs (each a list of runs, indented by indents[i] twips); the
        first opens with the note's own number. Returns its id."""
        nid = self.next_id
        self.next_id += 1
        note = etree.SubElement(self.root, qn("w:footnote"))
        note.set(qn("w:id"), str(nid))
        for i, runs in enumerate(paragraphs):
            p = etree.SubElement(note, qn("w:p"))
            ppr = etree.SubElement(p, qn("w:pPr"))
            etree.SubElement(ppr, qn("w:pStyle")).set(qn("w:val"), self.text_style)
            if indents[i]:
                etree.SubElement(ppr, qn("w:ind")).set(qn("w:left"), str(indents[i]))
            if i == 0:
                mark = etree.SubElement(p, qn("w:r"))
                etree.SubElement(etree.SubElement(mark, qn("w:rPr")), qn("w:rStyle")).set(qn("w:val"), self.ref_style)
                etree.SubElement(mark, qn("w:footnoteRef"))
                p.append(text_run(" "))
            for r in runs:
                p.append(r)
        return nid

    def reference(self, nid: int) -> etree._Element:
        r = etree.Element(qn("w:r"))
        etree.SubElement(etree.SubElement(r, qn("w:rPr")), qn("w:rStyle")).set(qn("w:val"), self.ref_style)
        etree.SubElement(r, qn("w:footnoteReference")).set(qn("w:id"), str(nid))
        return r

    def save(self) -> None:
        self.part._blob = etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", standalone=True)


def text_run(text: str, bold: bool = False, italic: bool = False, rpr=None, style: str | None = None,
             highlight: bool = False):
    """A w:r of `text` (line breaks kept), with a copy of `rpr` and the given emphasis
    (a highlight is set on the run itself too: not every word processor reads it from a
    style). Properties go through python-docx's rPr, which keeps the schema's order."""
    r = OxmlElement("w:r")
    props = deepcopy(rpr) if rpr is not None else OxmlElement("w:rPr")
    if not hasattr(props, "get_or_add_b"):  # a plain lxml element: rebuild as python-docx's rPr
        props = parse_xml(etree.tostring(props))
    if style:
        props.style = style
    if bold or highlight:
        props.get_or_add_b().val = True
    if italic:
        props.get_or_add_i().val = True
    if highlight:
        props.get_or_add_highlight().val = WD_COLOR_INDEX.YELLOW
    if len(props):
        r.append(props)
    for i, line in enumerate(text.split("\n")):
        if i:
            r.append(OxmlElement("w:br"))
        t = OxmlElement("w:t")
        t.text = line
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        r.append(t)
    return r


def markup_paragraphs(blocks: list[Block], indent: int = 0) -> tuple[list[list], list[int]]:
    """A source's markup blocks as footnote paragraphs: runs keep bold and italic; a list item
    is a paragraph opening with a bullet, indented by its level."""
    paragraphs, indents = [], []
    for b in blocks:
        runs = [text_run(r.text, r.bold, r.italic) for r in b.runs]
        if b.kind == "item":
            if not LIST_MARKER.match(b.text):  # an item numbered in the source ("i.", "(a)") keeps its own
                runs.insert(0, text_run(("•", "◦", "▪", "–")[min(b.level, 3)] + "\u00a0"))
            indents.append(indent + 284 * (b.level + 1))
        else:
            indents.append(indent)
        paragraphs.append(runs)
    return paragraphs, indents


def runs_of(runs: list[Run], rpr=None) -> list:
    return [text_run(r.text, r.bold, r.italic, rpr) for r in runs]


def placeholder(nonce: str, n: int) -> str:
    """The text a value richer than text prints as: private-use characters around a number
    that only this rendering knows (a value holding such characters cannot forge one)."""
    return f"{OPEN}{nonce}:{n}{CLOSE}"


def splice(root, pieces: dict[int, "callable"], nonce: str) -> None:
    """Replace every placeholder in the w:t elements under `root` by the runs
    `pieces[n](rpr)` returns (rpr: the formatting of the run the placeholder stood in)."""
    pattern = re.compile(f"{OPEN}{nonce}:(\\d+){CLOSE}")
    for t in [t for t in root.iter(qn("w:t")) if t.text and pattern.search(t.text)]:
        run = t.getparent()
        if run.tag != qn("w:r"):
            continue
        rpr = run.find(qn("w:rPr"))
        # The run's children are split at this w:t: what precedes it stays in `run`; the text
        # after each placeholder and the run's later children go into new runs after it.
        after = list(t.itersiblings())
        for el in after:
            run.remove(el)
        parts = pattern.split(t.text)
        t.text = parts[0]
        anchor = run
        for k in range(1, len(parts), 2):
            for new in pieces[int(parts[k])](rpr):
                anchor.addnext(new)
                anchor = new
            if parts[k + 1]:
                tail = text_run(parts[k + 1], rpr=rpr)
                anchor.addnext(tail)
                anchor = tail
        if after:
            rest = etree.Element(qn("w:r"))
            if rpr is not None:
                rest.append(deepcopy(rpr))
            for el in after:
                rest.append(el)
            anchor.addnext(rest)
        if not t.text:
            run.remove(t)
            if all(c.tag == qn("w:rPr") for c in run):
                run.getparent().remove(run)
