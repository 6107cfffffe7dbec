"""Clean and redlined copies of a program document: two versions in, two .docx files out.

A version is a source of the knowledge base (its text, one paragraph per line) or a .docx file
(its paragraphs, with any tracked changes accepted). The redline holds real Word tracked changes:
`w:ins` / `w:del` runs and inserted or deleted paragraph marks, so Word and LibreOffice can
accept or reject them; accepting all gives the new version's text exactly.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from msakb.errors import FilingError
from msakb.filings.writers import save_atomically

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class Version:
    label: str
    sha256: str
    paragraphs: list[str]


@dataclass
class Para:
    segments: list[tuple[str, str]]  # ("=", text) kept, ("+", text) inserted, ("-", text) deleted
    mark: str = "="  # the paragraph mark: kept, inserted or deleted


# -- reading versions ----------------------------------------------------------------------

def read_paragraphs(path: Path, accept: bool = True) -> list[str]:
    """A .docx file's body paragraphs as text, with tracked changes accepted (or rejected).

    Read with XPath over the XML, because python-docx's `paragraph.text` skips `w:ins`."""
    from docx import Document

    try:
        body = Document(str(path)).element.body
    except Exception as e:  # python-docx raises several kinds for a file that is not a .docx
        raise FilingError(f"{path}: not a readable .docx file ({e})") from None
    dropped = "del" if accept else "ins"
    out, pending = [], ""
    for p in body.iter(f"{W}p"):
        text = []
        for el in p.iter():
            tag = el.tag
            if tag in (f"{W}t", f"{W}delText", f"{W}tab", f"{W}br", f"{W}cr"):
                if _inside(el, f"{W}{dropped}", p) or _inside(el, f"{W}pPr", p):
                    continue
                text.append(el.text or "" if tag in (f"{W}t", f"{W}delText") else ("\t" if tag == f"{W}tab" else "\n"))
        mark = p.find(f"{W}pPr/{W}rPr/{W}{dropped}")
        if mark is not None:  # this paragraph's mark is gone: it joins the next paragraph
            pending += "".join(text)
            continue
        out.append(pending + "".join(text))
        pending = ""
    if pending:
        out.append(pending)
    return out


def _inside(el, tag: str, stop) -> bool:
    parent = el.getparent()
    while parent is not None and parent is not stop:
        if parent.tag == tag:
            return True
        parent = parent.getparent()
    return False


def load_version(spec: str | None, role: str, kb_path: Path | None) -> Version:
    """--old/--new: a .docx file, or a source id of the knowledge base."""
    if not spec:
        raise FilingError(f"program-redline needs --{role}: a source id or a .docx file")
    path = Path(spec)
    if path.suffix.lower() == ".docx":
        if not path.is_file():
            raise FilingError(f"--{role} {spec}: no such .docx file")
        return Version(path.name, hashlib.sha256(path.read_bytes()).hexdigest(), read_paragraphs(path))
    from msakb.filings.kb import Kb

    kb = Kb(kb_path)
    try:
        src = kb.source(spec)
    finally:
        kb.close()
    label = f"{src['title']} ({src['id']}, as of {src['as_of'] or 'undated'})"
    return Version(label, src["sha256"], src["text"].split("\n"))


# -- comparing -----------------------------------------------------------------------------

def _tokens(line: str) -> list[str]:
    return re.findall(r"\s+|[^\s]+", line)


def _words(old: str, new: str) -> list[tuple[str, str]]:
    a, b = _tokens(old), _tokens(new)
    segs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            segs.append(("=", "".join(a[i1:i2])))
        else:
            if i2 > i1:
                segs.append(("-", "".join(a[i1:i2])))
            if j2 > j1:
                segs.append(("+", "".join(b[j1:j2])))
    return segs


def compare(old: list[str], new: list[str]) -> list[Para]:
    """Paragraph-level diff, refined to words where a paragraph was changed in place."""
    paras: list[Para] = []
    sm = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            paras += [Para([("=", t)]) for t in old[i1:i2]]
            continue
        pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(pairs):
            paras.append(Para(_words(old[i1 + k], new[j1 + k])))
        paras += [Para([("-", t)], mark="-") for t in old[i1 + pairs:i2]]
        paras += [Para([("+", t)], mark="+") for t in new[j1 + pairs:j2]]
    # A deleted last paragraph cannot give up its mark (nothing follows): the mark of the
    # paragraph before it goes instead, which leaves the same text on accepting.
    if paras and paras[-1].mark == "-":
        last = max((i for i, p in enumerate(paras) if p.mark != "-"), default=None)
        if last is not None:
            paras[last].mark = "-" if paras[last].mark == "=" else paras[last].mark
            paras[-1].mark = "="
    return paras


def accepted(paras: list[Para]) -> list[str]:
    """The text the redline gives when every change is accepted (for checks)."""
    out, pending = [], ""
    for p in paras:
        text = pending + "".join(t for op, t in p.segments if op != "-")
        if p.mark == "-":
            pending = text
        else:
            out.append(text)
            pending = ""
    if pending:
        out.append(pending)
    return out


# -- writing -------------------------------------------------------------------------------

def write_redline(paras: list[Para], path: Path, footer: str, date: str) -> Path:
    """A .docx with the changes as tracked changes by author 'msakb'."""
    from docx import Document

    doc = Document()
    ids = iter(range(1, 10**9))

    def change(kind: str):
        el = OxmlElement(f"w:{kind}")
        el.set(qn("w:id"), str(next(ids)))
        el.set(qn("w:author"), "msakb")
        el.set(qn("w:date"), date)
        return el

    for para in paras:
        _check(para)
        p = doc.add_paragraph()
        for op, text in para.segments:
            if not text:
                continue
            run = p.add_run(text)
            if op == "=":
                continue
            wrapper = change("ins" if op == "+" else "del")
            run._r.addprevious(wrapper)
            wrapper.append(run._r)
            if op == "-":
                for t in run._r.findall(qn("w:t")):
                    t.tag = qn("w:delText")
        if para.mark != "=":
            rpr = OxmlElement("w:rPr")
            rpr.append(change("ins" if para.mark == "+" else "del"))
            p._p.get_or_add_pPr().append(rpr)
    _footer(doc, footer)
    return save_atomically(path, doc.save)


def write_clean(paragraphs: list[str], path: Path, footer: str) -> Path:
    from docx import Document

    doc = Document()
    for text in paragraphs:
        _check(Para([("=", text)]))
        doc.add_paragraph(text)
    _footer(doc, footer)
    return save_atomically(path, doc.save)


def _check(para: Para) -> None:
    for _, text in para.segments:
        bad = _XML_BAD.search(text)
        if bad:
            raise FilingError(f"paragraph {text[:40]!r} holds control character {bad.group()!r}, which Word cannot store")


def _footer(doc, text: str) -> None:
    from docx.shared import Pt

    foot = doc.sections[0].footer.paragraphs[0]
    foot.text = text
    for run in foot.runs:
        run.font.size = Pt(7)


def to_markdown(paras: list[Para]) -> str:
    """A CriticMarkup preview: {++inserted++} and {--deleted--}."""
    lines = []
    for p in paras:
        text = "".join(t if op == "=" else f"{{{op}{op}{t}{op}{op}}}" for op, t in p.segments)
        lines.append(text + (" {--¶--}" if p.mark == "-" else ""))
    return "\n".join(lines) + "\n"


def draft_redline(db_path: Path, out: Path, fmt: str, old: str | None, new: str | None, force: bool = False) -> list[Path]:
    """Write the redline to `out` and the clean new version beside it (`<name>-clean`)."""
    a = load_version(old, "old", db_path)
    b = load_version(new, "new", db_path)
    paras = compare(a.paragraphs, b.paragraphs)
    if accepted(paras) != b.paragraphs:  # the diff must reproduce the new version exactly
        raise FilingError("internal error: the redline does not reproduce the new version; please report it")
    build, date = None, None
    if db_path and Path(db_path).is_file():
        from msakb.filings.kb import Kb

        kb = Kb(db_path)
        try:
            build = kb.build_info(set())  # its date and fingerprint, not its sources
        finally:
            kb.close()
        date = build["built_at"].replace("+00:00", "Z")
    date = date or "1970-01-01T00:00:00Z"
    made = f"knowledge base built {build['built_at']} (kb fingerprint {build['kb_fingerprint'][:16]})" if build else "no knowledge base"
    versions = f"old: {a.label}, sha256 {a.sha256}; new: {b.label}, sha256 {b.sha256}"
    out = Path(out)
    clean = out.with_name(f"{out.stem}-clean{out.suffix}")
    if fmt == "md":
        return [save_atomically(out, lambda p: Path(p).write_text(to_markdown(paras), encoding="utf-8")),
                save_atomically(clean, lambda p: Path(p).write_text("\n".join(b.paragraphs) + "\n", encoding="utf-8"))]
    return [
        write_redline(paras, out, f"Redline by msakb from {made}. {versions}", date),
        write_clean(b.paragraphs, clean, f"Clean copy by msakb from {made}. {b.label}, sha256 {b.sha256}"),
    ]
