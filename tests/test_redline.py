"""msakb file program-redline: the new document's formatting kept (headings, lists, tables,
runs) with word-level tracked changes inside it; source versions laid out from their markup;
unrelated versions refused without --force."""

from __future__ import annotations

import hashlib
import zipfile

import pytest
from click.testing import CliRunner
from docx import Document

from msakb.cli import cli
from msakb.filings.versions import layout, read_paragraphs
from tests.filings_fixtures import GUIDELINES, GUIDELINES_FILE, edited_guidelines, invoke


def two_versions(folder):
    """An old and a new .docx with a heading, a bulleted list, bold runs and a table."""
    def make(path, heading, item, fee, extra_row):
        doc = Document()
        doc.add_paragraph(heading, style="Heading 1")
        p = doc.add_paragraph("Customers ")
        p.add_run("must").bold = True
        p.add_run(" apply online before any work starts.")
        doc.add_paragraph(item, style="List Bullet")
        doc.add_paragraph("Meters are read monthly.", style="List Bullet")
        rows = [("Service", "Fee"), ("Site visit", fee)] + ([("Removal", "$150.00")] if extra_row else [])
        table = doc.add_table(rows=len(rows), cols=2)
        table.style = "Table Grid"
        for i, (a, b) in enumerate(rows):
            table.cell(i, 0).text, table.cell(i, 1).text = a, b
        doc.add_paragraph("Questions go to the program team.")
        doc.save(str(path))
        return path

    old = make(folder / "old.docx", "Program rules", "An approved installer fits the adapter.", "$279.22", False)
    new = make(folder / "new.docx", "Program rules for 2026", "A licensed installer fits the adapter.", "$300.00", True)
    return old, new


@pytest.fixture
def redlined(built_db, tmp_path):
    old, new = two_versions(tmp_path)
    out = tmp_path / "redline.docx"
    invoke("file", "program-redline", "--db", str(built_db), "--old", str(old), "--new", str(new), "--out", str(out))
    return old, new, out


def test_redline_keeps_headings_lists_tables_and_runs(redlined):
    old, new, out = redlined
    doc = Document(str(out))
    styles = [p.style.name for p in doc.paragraphs]
    assert styles[:4] == ["Heading 1", "Normal", "List Bullet", "List Bullet"]
    assert len(doc.tables) == 1
    body = zipfile.ZipFile(out).read("word/document.xml").decode()
    assert body.count("<w:tbl>") == 1
    # word-level changes inside the heading, the list item and a table cell
    assert '<w:delText xml:space="preserve">approved</w:delText>' in body and ">licensed</w:t>" in body
    assert '<w:delText xml:space="preserve">$279.22</w:delText>' in body and ">$300.00</w:t>" in body
    assert "> for 2026</w:t>" in body  # "Program rules" -> "Program rules for 2026"
    assert body.count('<w:trPr><w:ins ') == 1  # the added row
    assert "<w:b/>" in body  # the bold run kept
    assert read_paragraphs(out, accept=True) == read_paragraphs(new)
    assert read_paragraphs(out, accept=False) == read_paragraphs(old)
    clean = out.with_name("redline-clean.docx")
    assert read_paragraphs(clean) == read_paragraphs(new) and "<w:ins " not in zipfile.ZipFile(clean).read("word/document.xml").decode()


def test_redline_of_a_source_and_an_edited_copy(built_db, tmp_path):
    new = tmp_path / "guidelines-2026.docx"
    layout(edited_guidelines()).save(str(new))
    out = tmp_path / "program.docx"
    invoke("file", "program-redline", "--db", str(built_db), "--old", GUIDELINES, "--new", str(new), "--out", str(out))
    body = zipfile.ZipFile(out).read("word/document.xml").decode()
    assert body.count("<w:ins ") == 4 and body.count("<w:del ") == 6
    assert '<w:delText xml:space="preserve">designed</w:delText>' in body and ">intended</w:t>" in body
    assert read_paragraphs(out, accept=True) == read_paragraphs(new)
    old = read_paragraphs(layout(GUIDELINES_FILE.read_text(encoding="utf-8")))
    assert read_paragraphs(out, accept=False) == old
    # the source's markup is laid out, not printed: no "\\$", no "**", headings as headings
    text = "\n".join(old)
    assert "\\$" not in text and "**" not in text and "$279.22" in text
    headings = [p.text for p in Document(str(out)).paragraphs if p.style.name.startswith("Heading")]
    assert "Program Eligibility" in headings and "Installation/Removal Process" in headings


def test_redline_between_two_sources(kb_copy, tmp_path):
    """A source and an edited copy of it in one test kb: compared by source id."""
    from msakb.db.pipeline.builder import build
    from tests.kbtools import keep_sources, manifest, write_manifest

    keep_sources(kb_copy, [GUIDELINES])
    data = edited_guidelines().encode("utf-8")
    (kb_copy / "sources" / "edited.txt").write_bytes(data)
    m = manifest(kb_copy)
    entry = dict(m["sources"][0], id=f"{GUIDELINES}-edited", file="edited.txt", sha256=hashlib.sha256(data).hexdigest())
    entry["expect"] = {}
    m["sources"].append(entry)
    write_manifest(kb_copy, m)
    db = tmp_path / "kb.db"
    build(db, kb_copy)
    out = tmp_path / "program.docx"
    invoke("file", "program-redline", "--db", str(db), "--old", GUIDELINES, "--new", f"{GUIDELINES}-edited", "--out", str(out))
    assert read_paragraphs(out) == read_paragraphs(layout(edited_guidelines()))
    assert read_paragraphs(out, accept=False) == read_paragraphs(layout(GUIDELINES_FILE.read_text(encoding="utf-8")))
    props = Document(str(out)).core_properties
    assert props.comments.startswith(f"Old: Meter Socket Adapter Program Guidelines (Southern California Edison, 2025-06-12; "
                                     f"source {GUIDELINES}), sha256 a655d6d8")


def test_unrelated_versions_need_force(built_db, tmp_path):
    out = tmp_path / "r.docx"
    args = ["file", "program-redline", "--db", str(built_db), "--old", GUIDELINES, "--new",
            "tesco-nysemec-msa-deck-2026-03-18", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1 and not out.exists()
    assert result.output == ("Error: --old and --new are of different series (“Southern California Edison / "
                             "program_guidelines / sce” and “TESCO Metering / slide_deck”): they look like different "
                             "documents; give --force to compare them anyway\n")
    old, _ = two_versions(tmp_path)
    result = CliRunner().invoke(cli, ["file", "program-redline", "--db", str(built_db), "--old", str(old), "--new",
                                      GUIDELINES, "--out", str(out)])
    assert result.exit_code == 1 and "of their words in common: they look like different documents" in result.output
    result = CliRunner().invoke(cli, args + ["--force"])
    assert result.exit_code == 0, result.output
    assert read_paragraphs(out) == read_paragraphs(layout(
        (GUIDELINES_FILE.parent / "003_e0014145927d8056.txt").read_text(encoding="utf-8")))


def test_a_file_that_is_not_a_docx_is_one_line(built_db, tmp_path):
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"PK not really")
    result = CliRunner().invoke(cli, ["file", "program-redline", "--db", str(built_db), "--old", str(bad), "--new",
                                      GUIDELINES, "--out", str(tmp_path / "r.docx")])
    assert result.exit_code == 1
    assert result.output == f"Error: --old {bad}: not a readable .docx file (BadZipFile)\n"


@pytest.mark.parametrize("lines", [71, 72, 73])
def test_a_new_version_that_ends_early_in_plain_paragraphs(built_db, tmp_path, lines):
    """The new version: the guidelines' first lines as plain paragraphs (the old one lays
    their rows out as tables), ending on an inserted paragraph after which everything else is
    deleted: the last paragraph's mark can be neither inserted nor deleted."""
    new = tmp_path / "first-lines.docx"
    doc = Document()
    for line in GUIDELINES_FILE.read_text(encoding="utf-8").split("\n")[:lines]:
        doc.add_paragraph(line)
    doc.save(str(new))
    out = tmp_path / "program.docx"
    invoke("file", "program-redline", "--db", str(built_db), "--old", GUIDELINES, "--new", str(new), "--out", str(out))
    assert read_paragraphs(out, accept=True) == read_paragraphs(new)
    assert read_paragraphs(out, accept=False) == read_paragraphs(layout(GUIDELINES_FILE.read_text(encoding="utf-8")))
