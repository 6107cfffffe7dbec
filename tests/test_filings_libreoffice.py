"""A real word processor opens what msakb writes: LibreOffice (headless) converts every filing to
PDF, and the PDF text holds what the knowledge base said; it reads the redline's tracked changes.

Conversions are batched (one soffice call for all PDFs, one for the ODT) with a fresh profile
directory per run, so parallel runs do not clash over LibreOffice's lock.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import zipfile
from pathlib import Path

import pytest

from click.testing import CliRunner

from msakb.cli import cli
from tests.filings_fixtures import HOSTILE, draft_all

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
pytestmark = pytest.mark.skipif(
    SOFFICE is None or PDFTOTEXT is None,
    reason="LibreOffice (soffice) or pdftotext is not installed; CI installs libreoffice-writer-nogui and poppler-utils",
)


def convert(files, target: str, outdir, profile) -> None:
    subprocess.run(
        [SOFFICE, "--headless", f"-env:UserInstallation=file://{profile}", "--convert-to", target,
         "--outdir", str(outdir), *map(str, files)],
        check=True, capture_output=True, timeout=300,
    )


@pytest.fixture(scope="module")
def converted(built_db, tmp_path_factory):
    from tests.test_redline import two_versions

    out = tmp_path_factory.mktemp("lo")
    drafts = draft_all(built_db, out / "docx")
    old, new = two_versions(out)
    table_redline = out / "docx" / "table-redline.docx"
    CliRunner().invoke(cli, ["file", "program-redline", "--db", str(built_db), "--old", str(old), "--new", str(new),
                             "--out", str(table_redline)], catch_exceptions=False)
    drafts["table-redline"] = table_redline
    profile = out / "profile"
    convert(drafts.values(), "pdf", out / "pdf", profile)
    convert([drafts["redline"]], "odt", out / "odt", profile)
    texts, pages = {}, {}
    for name, path in drafts.items():
        pdf = out / "pdf" / f"{path.stem}.pdf"
        assert pdf.is_file(), f"LibreOffice made no PDF of {path.name}"
        raw = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
        pages[name] = raw.count("\f")
        texts[name] = " ".join(re.sub(r"-\n\s*", "-", raw).split())  # a line may break after a hyphen
    return {"texts": texts, "pages": pages, "odt": out / "odt" / "redline.odt", "drafts": drafts,
            "versions": (old, new)}


def test_every_filing_converts_with_page_numbers_and_footnotes(converted, built_db):
    t, pages = converted["texts"], converted["pages"]
    conn = sqlite3.connect(built_db)
    fingerprint = conn.execute("SELECT value FROM build_info WHERE key = 'kb_fingerprint'").fetchone()[0]
    conn.close()
    for name, text in t.items():
        if name in ("redline", "clean", "table-redline"):
            continue
        assert f"Page 1 of {pages[name]}" in text and f"Page {pages[name]} of {pages[name]}" in text, name
        assert f"fingerprint {fingerprint}" in text, name
        assert "msakb" not in text.lower(), name
    assert "METER SOCKET ADAPTER CUSTOMER RELEASE, WAIVER AND INDEMNITY AGREEMENT" in t["waiver-sce"]
    # a footnote at the foot of the page quotes the passage
    assert ("Southern California Edison, Meter Socket Adapter Program Guidelines (as of 2025-06-12). SCE meter "
            "technicians are not responsible for troubleshooting issues with the MSA. Please contact your installer or "
            "manufacturer for support.") in t["waiver-sce"]
    assert re.search(r"Fee: \$279\.22 per site visit\d+\.", t["waiver-sce"])
    assert "Justification: [JUSTIFICATION NEEDED]" in t["restrictions-sce"]
    assert re.search(r"Voltage and phase 120/240 VAC/180 SPLIT PHASE\d+", t["oem-tesla"])
    assert "as reported by TESCO Metering" in t["installer-eversource"]
    assert "STATE OF CONNECTICUT PUBLIC UTILITIES REGULATORY AUTHORITY" in t["order26-eversource"]
    assert "CERTIFICATE OF SERVICE" in t["order26-eversource"] and "ATTACHMENT D" in t["order26-eversource"]
    assert f"CUSTOMER {HOSTILE.upper()}" in t["hostile"]


def test_signature_block_is_not_alone_on_its_page(converted):
    """The page holding "By: ____" of the order-26 filing also holds the conclusion before it."""
    text = converted["texts"]["order26-eversource"]
    conclusion = text.split("IV. Conclusion", 1)[1].split("By: ___", 1)[0]
    assert "Page" not in conclusion, "the signature block starts a page of its own"


def test_clean_copy_and_redline_in_libreoffice(converted):
    t = converted["texts"]
    assert "The Meter Socket Adapter (MSA) Program is intended to facilitate" in t["clean"]
    assert "designed" not in t["clean"].split("Frequently Asked")[0]
    assert "This list was revised in 2026." in t["clean"]
    # the redline shows both sides: deleted text struck through, inserted text underlined
    assert "designed" in t["redline"] and "intended" in t["redline"]
    assert "279.22" in t["redline"] and "300.00" in t["redline"]
    assert "Program rules for 2026" in t["table-redline"] and "Removal $150.00" in t["table-redline"]


def test_libreoffice_sees_the_tracked_changes(converted):
    content = zipfile.ZipFile(converted["odt"]).read("content.xml").decode()
    tracked = content.split("<text:tracked-changes", 1)[1].split("</text:tracked-changes>", 1)[0]
    regions = re.findall(r"<text:changed-region.*?</text:changed-region>", tracked)
    kinds = [("deletion" if "<text:deletion>" in r else "insertion" if "<text:insertion>" in r else "other") for r in regions]
    # designed->intended, $279.22->$300.00: a deletion and an insertion each; the removed FAQ is one
    # deletion (its paragraphs together); the added sentence one insertion
    assert sorted(kinds) == ["deletion"] * 3 + ["insertion"] * 3, kinds
    deleted = " ".join(re.sub(r"<[^>]+>", " ", r) for r in regions if "<text:deletion>" in r)
    assert "designed" in deleted and "279.22" in deleted and "Is an MSA permitted with overhead service?" in deleted
    assert all("<dc:creator>msakb</dc:creator>" in r for r in regions)


def _system_python_with_uno() -> str | None:
    for python in ("/usr/bin/python3", shutil.which("python3")):
        if python and subprocess.run([python, "-c", "import uno"], capture_output=True).returncode == 0:
            return python
    return None


@pytest.mark.parametrize("which", ["redline", "table-redline"])
@pytest.mark.parametrize("mode", ["accept", "reject"])
def test_accepting_all_in_libreoffice_gives_the_new_text(mode, which, converted, tmp_path):
    """LibreOffice itself accepts (rejects) every change: the new (old) version, exactly,
    tables included (a cell's paragraphs, row by row)."""
    from msakb.filings.versions import layout, read_paragraphs
    from tests.filings_fixtures import GUIDELINES_FILE, edited_guidelines

    python = _system_python_with_uno()
    if python is None:
        pytest.skip("LibreOffice's Python bridge (python3-uno) is not installed; .ci/run installs it")
    script = Path(__file__).with_name("lo_changes.py")
    done = subprocess.run([python, str(script), SOFFICE, str(tmp_path / "profile"), str(converted["drafts"][which]), mode],
                          check=True, capture_output=True, text=True, timeout=300)
    count, text = done.stdout.split("\n", 1)
    if which == "redline":
        assert int(count) == 6  # two word replacements (a deletion and an insertion each), one deletion, one insertion
        version = edited_guidelines() if mode == "accept" else GUIDELINES_FILE.read_text(encoding="utf-8")
        expected = read_paragraphs(layout(version))
    else:
        old, new = converted["versions"]
        expected = read_paragraphs(new if mode == "accept" else old)
    assert text.split("\n") == expected
