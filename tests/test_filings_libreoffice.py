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
    out = tmp_path_factory.mktemp("lo")
    drafts = draft_all(built_db, out / "docx")
    profile = out / "profile"
    convert(drafts.values(), "pdf", out / "pdf", profile)
    convert([drafts["redline"]], "odt", out / "odt", profile)
    texts = {}
    for name, path in drafts.items():
        pdf = out / "pdf" / f"{path.stem}.pdf"
        assert pdf.is_file(), f"LibreOffice made no PDF of {path.name}"
        raw = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
        texts[name] = " ".join(re.sub(r"-\n\s*", "-", raw).split())  # a line may break after a hyphen
    return {"texts": texts, "odt": out / "odt" / "redline.odt", "drafts": drafts}


def test_every_filing_converts_and_reads_back(converted, built_db):
    t = converted["texts"]
    conn = sqlite3.connect(built_db)
    built_at, fingerprint = (conn.execute(f"SELECT value FROM build_info WHERE key = '{k}'").fetchone()[0]
                             for k in ("built_at", "kb_fingerprint"))
    conn.close()
    for name, text in t.items():
        if name not in ("redline", "clean"):
            assert f"Drafted by msakb from the knowledge base built {built_at}" in text, name
            assert fingerprint[:16] in text, name
    assert "Liability waiver for the use of a meter socket adapter" in t["waiver-sce"]
    assert ("SCE meter technicians are not responsible for troubleshooting issues with the MSA. "
            "Please contact your installer or manufacturer for support.") in t["waiver-sce"]
    assert "[STATEMENT NEEDED] The knowledge base holds no statement on this for Southern California Edison." in t["waiver-sce"]
    assert re.search(r"No liquid tight conduit is used for communication cables for isolating MSAs \[\d+\] "
                     r"Justification: communication cables have low or no voltage", t["restrictions-sce"])
    assert "Justification: [JUSTIFICATION NEEDED]" in t["restrictions-sce"]
    assert re.search(r"Model number +1624171-xx-y \[\d+\]", t["oem-tesla"])
    assert re.search(r"Contact e-mail +\[TO COMPLETE\]", t["oem-tesla"])
    assert "7. UL 414 test report (number, laboratory, date)" in t["oem-tesla"]
    assert "Eversource (Connecticut): the installer model" in t["installer-eversource"]
    assert ("In Docket No. 24-08-02, Order No. 26 directs the EDCs to file the items below no later than 2025-03-31, "
            "as a compliance filing in Docket No. 24-08-05") in t["order26-eversource"]
    assert f"Utility: {HOSTILE} (California)" in t["hostile"]


def test_clean_copy_and_redline_in_libreoffice(converted):
    t = converted["texts"]
    assert "The Meter Socket Adapter (MSA) Program is intended to facilitate" in t["clean"]
    assert "designed" not in t["clean"].split("Frequently Asked")[0]
    assert "This list was revised in 2026." in t["clean"]
    # the redline shows both sides: deleted text struck through, inserted text underlined
    assert "designed" in t["redline"] and "intended" in t["redline"]
    assert "279.22" in t["redline"] and "300.00" in t["redline"]


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


@pytest.mark.parametrize("mode", ["accept", "reject"])
def test_accepting_all_in_libreoffice_gives_the_new_text(mode, converted, tmp_path):
    """LibreOffice itself accepts (rejects) every change: the new (old) version, exactly."""
    from tests.filings_fixtures import GUIDELINES_FILE, edited_guidelines

    python = _system_python_with_uno()
    if python is None:
        pytest.skip("LibreOffice's Python bridge (python3-uno) is not installed; .ci/run installs it")
    script = Path(__file__).with_name("lo_changes.py")
    done = subprocess.run([python, str(script), SOFFICE, str(tmp_path / "profile"), str(converted["drafts"]["redline"]), mode],
                          check=True, capture_output=True, text=True, timeout=300)
    count, text = done.stdout.split("\n", 1)
    assert int(count) == 6  # two word replacements (a deletion and an insertion each), one deletion, one insertion
    expected = edited_guidelines() if mode == "accept" else GUIDELINES_FILE.read_text(encoding="utf-8")
    assert text == expected
