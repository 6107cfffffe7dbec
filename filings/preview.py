"""A Markdown preview of a drafted Word document (`msakb file … --format md`): the same
document, read back paragraph by paragraph, so the preview never says other than the .docx.
Headings by style, lists, tables, bold and italic runs, footnotes as `[^n]` with their text
at the end, tracked changes as CriticMarkup ({++added++}, {--removed--}). Text is written as it is (an `&` stays `&`); only Markdown's own marks are escaped.
"""

from __future__ import annotations

import re

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from lxml import etree

_MD = re.compile(r"([\\`*_\[\]<>|])")
_PREFIX = {"title": "# ", "heading 1": "## ", "heading 2": "### ", "heading 3": "#### ", "quote": "> ",
           "list bullet": "- ", "list bullet 2": "  - ", "list bullet 3": "    - "}


def to_markdown(document) -> str:
    styles = {s.style_id: s.name.lower() for s in document.styles}
    notes = _footnotes(document)
    numbers: dict[str, int] = {}
    lines: list[str] = []
    for el in document.element.body.iterchildren():
        if el.tag == qn("w:p"):
            text = _runs(el, numbers)
            if not text.strip():
                continue
            style = el.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
            name = styles.get(style.get(qn("w:val")), "") if style is not None else ""
            if lines and lines[-1] and name.startswith("list") != lines[-1].lstrip().startswith("- "):
                lines.append("")
            lines.append(_PREFIX.get(name, "") + text.replace("\n", "<br>"))
            if not name.startswith("list"):
                lines.append("")
        elif el.tag == qn("w:tbl"):
            rows = [[_runs(tc, numbers) for tc in tr.iter(qn("w:tc"))] for tr in el.iter(qn("w:tr"))]
            rows = [r for r in rows if any(c.strip() for c in r)]
            if rows:
                width = max(len(r) for r in rows)
                for i, r in enumerate(rows):
                    lines.append("| " + " | ".join(c.replace("\n", " ") for c in r + [""] * (width - len(r))) + " |")
                    if i == 0:
                        lines.append("|" + "---|" * width)
                lines.append("")
    if numbers:
        lines.append("")
        for nid, n in sorted(numbers.items(), key=lambda t: t[1]):
            lines.append(f"[^{n}]: " + notes.get(nid, "").replace("\n", " "))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def _runs(p, numbers: dict[str, int]) -> str:
    out = []
    for r in p.iter(qn("w:r")):
        ref = r.find(qn("w:footnoteReference"))
        if ref is not None:
            nid = ref.get(qn("w:id"))
            numbers.setdefault(nid, len(numbers) + 1)
            out.append(f"[^{numbers[nid]}]")
            continue
        text = "".join(t.text or "" if t.tag in (qn("w:t"), qn("w:delText")) else ("\n" if t.tag == qn("w:br") else " ")
                       for t in r if t.tag in (qn("w:t"), qn("w:delText"), qn("w:br"), qn("w:tab")))
        if not text:
            continue
        text = _MD.sub(r"\\\1", text)
        rpr = r.find(qn("w:rPr"))
        bold = rpr is not None and (rpr.find(qn("w:b")) is not None or rpr.find(qn("w:highlight")) is not None
                                    or _styled(rpr, "ToComplete"))
        italic = rpr is not None and rpr.find(qn("w:i")) is not None
        if text.strip() and bold:
            text = f"**{text}**"
        if text.strip() and italic:
            text = f"*{text}*"
        change = r.getparent().tag
        if change in (qn("w:ins"), qn("w:del")):  # a tracked change, in CriticMarkup
            text = ("{++%s++}" if change == qn("w:ins") else "{--%s--}") % text
        out.append(text)
    return "".join(out).replace("****", "")


def _styled(rpr, style_id: str) -> bool:
    s = rpr.find(qn("w:rStyle"))
    return s is not None and s.get(qn("w:val")) == style_id


def _footnotes(document) -> dict[str, str]:
    try:
        part = document.part.rels.part_with_reltype(RT.FOOTNOTES)
    except KeyError:
        return {}
    root = etree.fromstring(part.blob, etree.XMLParser(resolve_entities=False, no_network=True))
    out = {}
    for note in root.iter(qn("w:footnote")):
        paragraphs = []
        for p in note.iter(qn("w:p")):
            paragraphs.append("".join(t.text or "" for t in p.iter(qn("w:t"))).strip())
        out[note.get(qn("w:id"))] = " / ".join(x for x in paragraphs if x)
    return out
