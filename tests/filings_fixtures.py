"""Shared by the filings tests: every kind of filing drafted once from the seed corpus, through
the real CLI, plus the inputs of a program redline and a knowledge base with a hostile name."""

from __future__ import annotations

import shutil
import sqlite3
import zipfile
from pathlib import Path

from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn

from msakb.cli import cli
from msakb.filings.versions import layout
from tests.kbtools import SOURCES

GUIDELINES = "sce-msa-program-guidelines-2025"
GUIDELINES_FILE = SOURCES / "001_31bfb65bf51384d5.txt"
TESLA = "tesla-backup-switch-1624171-xx-y"
HOSTILE = 'Edison & Sons <Power> "Light" \'Co\''

# The edits of the program redline: (old passage, new passage) in the SCE guidelines.
EDITS = [
    ("The Meter Socket Adapter (MSA) Program is designed to facilitate",
     "The Meter Socket Adapter (MSA) Program is intended to facilitate"),
    ("Yes, \\$279.22 per site visit.", "Yes, \\$300.00 per site visit."),
    ("7. Is an MSA permitted with overhead service?\n\nYes.\n\n", ""),
    ("Frequently Asked Questions (FAQs)\n", "Frequently Asked Questions (FAQs)\n\nThis list was revised in 2026.\n"),
]

# name -> (kind, options): every kind, for the seed corpus.
DRAFTS = {
    "waiver-sce": ("waiver", ["--utility", "sce"]),
    "waiver-pseg": ("waiver", ["--utility", "pseg"]),
    "waiver-eversource": ("waiver", ["--utility", "eversource-ct", "--device", TESLA]),
    "restrictions-sce": ("restrictions", ["--utility", "sce"]),
    "restrictions-nj": ("restrictions", ["--state", "NJ"]),
    "oem-tesla": ("oem-application", ["--device", TESLA, "--utility", "eversource-ct"]),
    "oem-tesla-sce": ("oem-application", ["--device", TESLA, "--utility", "sce"]),
    "oem-sigen": ("oem-application", ["--device", "sigen-backup-switch", "--utility", "eversource-ct"]),
    "oem-connectder": ("oem-application", ["--device", "connectder-c-b-5-22-40", "--utility", "eversource-ct"]),
    "oem-blank": ("oem-application", []),
    "installer-eversource": ("installer-conditions", ["--utility", "eversource-ct"]),
    "installer-ca": ("installer-conditions", ["--state", "CA"]),
    "order26-eversource": ("order-26", ["--utility", "eversource-ct"]),
}


def edited_guidelines() -> str:
    text = GUIDELINES_FILE.read_text(encoding="utf-8")
    for old, new in EDITS:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def draft_all(db: Path, out: Path) -> dict[str, Path]:
    """Draft every kind into `out`; returns name -> .docx path (redline: 'redline', 'clean')."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, (kind, opts) in DRAFTS.items():
        path = out / f"{name}.docx"
        assert invoke("file", kind, "--db", str(db), "--out", str(path), *opts).split() == [str(path)]
        paths[name] = path
    new = out / "guidelines-2026.docx"
    layout(edited_guidelines()).save(str(new))  # the edited guidelines as a Word user would have them
    redline = out / "redline.docx"
    written = invoke("file", "program-redline", "--db", str(db), "--old", GUIDELINES, "--new", str(new),
                     "--out", str(redline)).split()
    assert written == [str(redline), str(out / "redline-clean.docx")]
    paths["redline"], paths["clean"] = redline, out / "redline-clean.docx"
    paths["hostile"] = hostile_waiver(db, out)
    return paths


def hostile_waiver(db: Path, out: Path) -> Path:
    """A waiver for a utility whose name holds &, < and quotes (a copy of the db, renamed)."""
    copy = out / "hostile.db"
    shutil.copy(db, copy)
    conn = sqlite3.connect(copy)
    with conn:
        conn.execute("UPDATE utilities SET name = ? WHERE id = 'sce'", (HOSTILE,))
    conn.close()
    path = out / "hostile.docx"
    invoke("file", "waiver", "--db", str(copy), "--utility", "sce", "--out", str(path))
    return path


def docx_text(path: Path) -> str:
    """The body in order, one paragraph per line, a table row as its cells joined by ' | '."""
    doc = Document(str(path))
    lines = []
    for el in doc.element.body:
        if el.tag == qn("w:p"):
            lines.append(_text(el))
        elif el.tag == qn("w:tbl"):
            for tr in el.iter(qn("w:tr")):
                lines.append(" | ".join(" ".join(_text(p) for p in tc.iter(qn("w:p"))) for tc in tr.iter(qn("w:tc"))))
    return "\n".join(lines)


def _text(p) -> str:
    return "".join(t.text or "" if t.tag == qn("w:t") else "\t" for t in p.iter(qn("w:t"), qn("w:tab")))


def footnotes(path: Path) -> dict[str, str]:
    """Footnote id -> its text (paragraphs joined by newlines)."""
    from lxml import etree

    root = etree.fromstring(zipfile.ZipFile(path).read("word/footnotes.xml"))
    return {n.get(qn("w:id")): "\n".join(_text(p) for p in n.iter(qn("w:p"))).strip().replace("\xa0", " ")
            for n in root.iter(qn("w:footnote")) if int(n.get(qn("w:id"))) > 0}


def cited(path: Path, statement: str) -> str:
    """The footnote(s) after the paragraph that holds `statement`."""
    doc = Document(str(path))
    notes = footnotes(path)
    for p in doc.element.body.iter(qn("w:p")):
        if statement in _text(p):
            return "\n".join(notes[r.get(qn("w:id"))] for r in p.iter(qn("w:footnoteReference")))
    raise AssertionError(f"{statement!r} is not in {path.name}")
