"""Clean and redlined copies of a program document: two versions in (filings.versions), two
.docx files out.

The redline is the new version itself (its styles, headings, lists, tables, runs, headers)
with the differences from the old one as real Word tracked changes: inside a changed
paragraph or table cell, word-level `w:ins` / `w:del` runs that keep the new runs'
formatting; a removed paragraph, row or table comes back as deleted text; an added one is
marked inserted. Accepting every change gives the new version's text, rejecting every change
the old one's. Two versions that look like different documents (another series of sources,
or few words in common) are compared only with --force.
"""

from __future__ import annotations

import difflib
import io
import re
from copy import deepcopy
from pathlib import Path

from docx.oxml.ns import qn
from lxml import etree

from msakb.errors import FilingError
from msakb.filings.versions import Version, inside, load_version, read_paragraphs, similarity
from msakb.filings.writers import save_atomically, save_text_atomically

AUTHOR = "msakb"
LEAST_SIMILAR = 0.5  # share of words in common below which two versions look unrelated
_TOKEN = re.compile(r"\s+|[^\s]+")
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Marker:
    """Makes the w:ins / w:del elements of one redline (ids unique in the document)."""

    def __init__(self, date: str, first_id: int):
        self.date, self.next_id = date, first_id

    def change(self, kind: str):
        el = etree.Element(qn(f"w:{kind}"))
        el.set(qn("w:id"), str(self.next_id))
        el.set(qn("w:author"), AUTHOR)
        el.set(qn("w:date"), self.date)
        self.next_id += 1
        return el

    def mark_paragraph(self, p, kind: str) -> None:
        """The paragraph's mark inserted or deleted."""
        ppr = p.find(qn("w:pPr"))
        if ppr is None:
            ppr = etree.Element(qn("w:pPr"))
            p.insert(0, ppr)
        rpr = ppr.find(qn("w:rPr"))
        if rpr is None:
            rpr = etree.SubElement(ppr, qn("w:rPr"))
        rpr.append(self.change(kind))

    def mark_runs(self, p, kind: str) -> None:
        """Every run of the paragraph inside one w:ins (or w:del, its text as w:delText)."""
        atoms = _atoms(p)
        _clear(p)
        for a in _group([(kind, a) for a in atoms]):
            p.append(self._wrap(*a))

    def _wrap(self, op: str, rpr, atoms: list):
        run = etree.Element(qn("w:r"))
        if rpr is not None:
            run.append(deepcopy(rpr))
        text = ""
        for ch, el in atoms:
            if el is None:
                text += ch
                continue
            if text:
                run.append(_text(text, op == "del"))
                text = ""
            run.append(deepcopy(el))
        if text:
            run.append(_text(text, op == "del"))
        if op == "=":
            return run
        wrapper = self.change(op)
        wrapper.append(run)
        return wrapper

    def diff_paragraph(self, old_p, new_p) -> None:
        """Word-level changes inside `new_p` (kept formatting), against `old_p`."""
        a, b = _atoms(old_p), _atoms(new_p)
        ta, tb = _tokens(a), _tokens(b)
        ops = []
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, [t for t, _ in ta], [t for t, _ in tb],
                                                          autojunk=False).get_opcodes():
            if op == "equal":
                ops += [("=", x) for _, span in tb[j1:j2] for x in span]
                continue
            ops += [("del", x) for _, span in ta[i1:i2] for x in span]
            ops += [("ins", x) for _, span in tb[j1:j2] for x in span]
        _clear(new_p)
        for group in _group(ops):
            new_p.append(self._wrap(*group))


def _text(text: str, deleted: bool):
    t = etree.Element(qn("w:delText" if deleted else "w:t"))
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return t


def _atoms(p) -> list:
    """The paragraph's content as (character, element or None, rPr) atoms, tracked changes
    it already holds accepted: text characters, and tabs, breaks and other run content
    (footnote references, drawings) as one atom each."""
    out = []
    for r in p.iter(qn("w:r")):
        if inside(r, qn("w:del"), p):
            continue
        rpr = r.find(qn("w:rPr"))
        for child in r:
            if child.tag == qn("w:rPr"):
                continue
            if child.tag == qn("w:t"):
                out += [(ch, None, rpr) for ch in child.text or ""]
            elif child.tag == qn("w:tab"):
                out.append(("\t", child, rpr))
            elif child.tag in (qn("w:br"), qn("w:cr")):
                out.append(("\n", child, rpr))
            elif child.tag != qn("w:delText"):
                out.append(("\ufffc", child, rpr))
    return out


def _tokens(atoms: list) -> list[tuple[str, list]]:
    """Words and runs of spaces, each with its atoms (a special atom is a token of its own)."""
    text = "".join(a[0] for a in atoms)
    return [(m.group(), [(a[0], a[1], a[2]) for a in atoms[m.start():m.end()]]) for m in _TOKEN.finditer(text)]


def _group(ops: list) -> list:
    """Consecutive atoms of one operation and one formatting, as (op, rPr, [(char, element)])."""
    out = []
    for op, (ch, el, rpr) in ops:
        key = (op, None if rpr is None else etree.tostring(rpr))
        if out and out[-1][0] == key:
            out[-1][1][2].append((ch, el))
        else:
            out.append((key, (op, rpr, [(ch, el)])))
    return [g for _, g in out]


def _clear(p) -> None:
    for child in list(p):
        if child.tag != qn("w:pPr"):
            p.remove(child)


def _key(el) -> tuple:
    return (el.tag, "".join(t.text or "" for t in el.iter(qn("w:t"))))


def _blocks(document) -> list:
    return [el for el in document.element.body if el.tag in (qn("w:p"), qn("w:tbl"))]


def compare(old, new, date: str):
    """Mark in `new` (a python-docx Document, changed in place) its differences from `old`."""
    used = [int(x) for x in re.findall(rb'w:id="(\d+)"', etree.tostring(new.element))]
    marker = Marker(date, max(used, default=0) + 1)
    styles = {s.style_id for s in new.styles}
    a, b = _blocks(old), _blocks(new)
    body = new.element.body
    sect = body.find(qn("w:sectPr"))
    sm = difflib.SequenceMatcher(None, [_key(x) for x in a], [_key(x) for x in b], autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        anchor = b[j2] if j2 < len(b) else sect  # where removed blocks go back: before the next kept one
        olds, news = a[i1:i2], b[j1:j2]
        pairs = min(len(olds), len(news)) if op == "replace" else 0
        for k in range(pairs):
            if olds[k].tag == news[k].tag == qn("w:p"):
                marker.diff_paragraph(olds[k], news[k])
            elif olds[k].tag == news[k].tag:
                _diff_table(marker, olds[k], news[k], styles)
            else:
                _put_back(marker, olds[k], news[k], styles)
                _insert(marker, news[k])
        for el in news[pairs:]:
            _insert(marker, el)
        for el in olds[pairs:]:
            _put_back(marker, el, anchor, styles)
    _last_mark(marker, new)
    return new


def _mark_block(marker: Marker, el, kind: str) -> None:
    """A whole paragraph (its runs and its mark) or table (every row) inserted or deleted."""
    if el.tag == qn("w:p"):
        marker.mark_runs(el, kind)
        marker.mark_paragraph(el, kind)
    else:
        for tr in el.iter(qn("w:tr")):
            _mark_row(marker, tr, kind)


def _insert(marker: Marker, el) -> None:
    _mark_block(marker, el, "ins")


def _put_back(marker: Marker, el, before, styles: set) -> None:
    """A copy of the old block, deleted, before `before` (a block of the new document, or its sectPr)."""
    copy = deepcopy(el)
    for style in copy.iter(qn("w:pStyle"), qn("w:rStyle"), qn("w:tblStyle")):
        if style.get(qn("w:val")) not in styles:  # a style of the old file the new one lacks
            style.getparent().remove(style)
    if before is None:
        raise FilingError("internal error: the redline has nowhere to put a removed paragraph; please report it")
    before.addprevious(copy)
    _mark_block(marker, copy, "del")


def _mark_row(marker: Marker, tr, kind: str) -> None:
    trpr = tr.find(qn("w:trPr"))
    if trpr is None:
        trpr = etree.Element(qn("w:trPr"))
        tr.insert(1 if tr.find(qn("w:tblPrEx")) is not None else 0, trpr)
    trpr.append(marker.change(kind))
    for p in tr.iter(qn("w:p")):
        marker.mark_runs(p, kind)


def _diff_table(marker: Marker, old_tbl, new_tbl, styles: set) -> None:
    """Row by row; a changed row with as many cells as before, cell by cell, paragraph by paragraph."""
    a, b = old_tbl.findall(qn("w:tr")), new_tbl.findall(qn("w:tr"))
    sm = difflib.SequenceMatcher(None, [_key(r) for r in a], [_key(r) for r in b], autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        olds, news = a[i1:i2], b[j1:j2]
        pairs = min(len(olds), len(news)) if op == "replace" else 0
        for k in range(pairs):
            oc, nc = olds[k].findall(qn("w:tc")), news[k].findall(qn("w:tc"))
            if len(oc) == len(nc) and all(len(x.findall(qn("w:p"))) == len(y.findall(qn("w:p"))) for x, y in zip(oc, nc)):
                for x, y in zip(oc, nc):
                    for op_, np_ in zip(x.findall(qn("w:p")), y.findall(qn("w:p"))):
                        if _key(op_) != _key(np_):
                            marker.diff_paragraph(op_, np_)
            else:
                _put_back_row(marker, olds[k], news[k], styles)
                _mark_row(marker, news[k], "ins")
        for tr in news[pairs:]:
            _mark_row(marker, tr, "ins")
        anchor = b[j2] if j2 < len(b) else None
        for tr in olds[pairs:]:
            copy = deepcopy(tr)
            if anchor is not None:
                anchor.addprevious(copy)
            else:
                new_tbl.append(copy)
            _mark_row(marker, copy, "del")


def _put_back_row(marker: Marker, old_tr, before, styles: set) -> None:
    copy = deepcopy(old_tr)
    before.addprevious(copy)
    _mark_row(marker, copy, "del")


def _last_mark(marker: Marker, document) -> None:
    """A deleted last paragraph cannot give up its mark (nothing follows it): the mark of the
    paragraph before it goes instead, which leaves the same text when changes are accepted."""
    paragraphs = [el for el in document.element.body if el.tag == qn("w:p")]
    if not paragraphs:
        return
    last = paragraphs[-1]
    deleted = last.find(f"{qn('w:pPr')}/{qn('w:rPr')}/{qn('w:del')}")
    if deleted is None:
        return
    deleted.getparent().remove(deleted)
    kept = next((p for p in reversed(paragraphs[:-1]) if p.find(f"{qn('w:pPr')}/{qn('w:rPr')}/{qn('w:del')}") is None), None)
    if kept is None:
        return
    if kept.find(f"{qn('w:pPr')}/{qn('w:rPr')}/{qn('w:ins')}") is None:
        marker.mark_paragraph(kept, "del")
    else:
        # an inserted paragraph is the new version's last: its mark is inserted, so cannot go
        # either; its inserted runs join the last paragraph's deleted ones, which leaves the
        # new text when the changes are accepted and the old when they are rejected
        for child in [c for c in kept if c.tag != qn("w:pPr")]:
            last.append(child)
        kept.getparent().remove(kept)


def _check(document) -> None:
    for t in document.element.body.iter(qn("w:t"), qn("w:delText")):
        bad = _XML_BAD.search(t.text or "")
        if bad:
            raise FilingError(f"paragraph {t.text[:40]!r} holds control character {bad.group()!r}, which Word cannot store")


def _fresh(version: Version):
    """A new copy of the version's document (the redline is written into one)."""
    from docx import Document

    buffer = io.BytesIO()
    if version.data is not None:
        buffer.write(version.data)
    else:
        version.document.save(buffer)
    buffer.seek(0)
    return Document(buffer)


def draft_redline(db_path: Path, out: Path, fmt: str, old: str | None, new: str | None, force: bool = False) -> list[Path]:
    """Write the redline to `out` and the clean new version beside it (`<name>-clean`)."""
    a = load_version(old, "old", db_path)
    b = load_version(new, "new", db_path)
    if not force:
        if a.series and b.series and a.series != b.series:
            raise FilingError(f"--old and --new are of different series (“{a.series}” and “{b.series}”): they look like "
                              "different documents; give --force to compare them anyway")
        share = similarity(a.document, b.document)
        if share < LEAST_SIMILAR:
            raise FilingError(f"--old and --new have only {share:.0%} of their words in common: they look like "
                              "different documents; give --force to compare them anyway")
    date = _build_date(db_path)
    document = compare(a.document, _fresh(b), date)
    _check(document)
    if read_paragraphs(document, accept=True) != read_paragraphs(b.document):
        raise FilingError("internal error: the redline does not reproduce the new version; please report it")
    clean = _fresh(b)
    for d, role in ((document, "Redline"), (clean, "Clean copy")):
        cp = d.core_properties
        cp.title = f"{role}: {b.label}"[:255]
        cp.comments = f"Old: {a.label}, sha256 {a.sha256}"[:255]
        cp.subject = f"New: {b.label}, sha256 {b.sha256}"[:255]
        cp.author = cp.last_modified_by = ""
    out = Path(out)
    clean_path = out.with_name(f"{out.stem}-clean{out.suffix}")
    if fmt == "md":
        from msakb.filings.preview import to_markdown

        return [save_text_atomically(out, to_markdown(document)), save_text_atomically(clean_path, to_markdown(clean))]
    return [save_atomically(out, document.save), save_atomically(clean_path, clean.save)]


def _build_date(db_path: Path | None) -> str:
    """The knowledge base's build time: the tracked changes' date (a redline drafted twice from
    one build is the same file)."""
    if db_path and Path(db_path).is_file():
        from msakb.filings.kb import Kb

        kb = Kb(db_path)
        try:
            return kb.build_info(set())["built_at"].replace("+00:00", "Z")
        finally:
            kb.close()
    return "1970-01-01T00:00:00Z"
