"""msakb file: every kind drafted from the seed corpus through the CLI, re-read with python-docx;
the redline's tracked changes; strict rendering; escaping; clear errors for unknown ids."""

from __future__ import annotations

import re
import zipfile

import pytest
from click.testing import CliRunner
from docx import Document

from msakb.cli import cli
from msakb.errors import FilingError
from msakb.filings import ALL_KINDS, KINDS, Options, closing, contexts
from msakb.filings.kb import Kb
from msakb.filings.redline import read_paragraphs
from msakb.filings.render import render, undeclared_variables
from tests.filings_fixtures import (
    GUIDELINES,
    GUIDELINES_FILE,
    HOSTILE,
    TESLA,
    docx_text,
    draft_all,
    edited_guidelines,
)
from tests.kbtools import db_rows


@pytest.fixture(scope="module")
def drafts(built_db, tmp_path_factory):
    return draft_all(built_db, tmp_path_factory.mktemp("filings"))


rows = db_rows


def citation_of(text: str, statement: str) -> str:
    """The citations-section entry that the number after `statement` points at."""
    number = re.search(re.escape(statement) + r" \[(\d+)\]", text).group(1)
    return text.split("\nCitations\n", 1)[1].split(f"\n[{number}] ", 1)[1].split("\n[", 1)[0]


def test_waiver_cites_ownership_maintenance_and_whom_to_call(drafts, built_db):
    text = docx_text(drafts["waiver-sce"])
    assert text.startswith("Liability waiver for the use of a meter socket adapter\n"
                           "Utility: Southern California Edison (California)\n")
    statement = ("SCE meter technicians are not responsible for troubleshooting issues with the MSA; "
                 "for support, contact the installer or the manufacturer.")
    entry = citation_of(text, statement)
    assert entry.startswith("Meter Socket Adapter Program Guidelines (Southern California Edison), as of 2025-06-12; "
                            "source sce-msa-program-guidelines-2025, characters ")
    assert entry.split("\n", 1)[1].startswith("SCE meter technicians are not responsible for troubleshooting issues "
                                              "with the MSA. Please contact your installer or manufacturer for support.")
    assert "The MSA is owned by the customer; the program facilitates the installation or removal of customer-owned MSAs. [1]" in text
    assert "SCE is not responsible for the maintenance of the MSA device" in text
    # SCE says nothing of resale: flagged, and other jurisdictions shown only as reference
    resale = text.split("4. Sale of the home\n", 1)[1].split("\n5. ", 1)[0]
    assert resale.startswith("[STATEMENT NEEDED] The knowledge base holds no statement on this for Southern California Edison.\n"
                             "For reference, what other sources state (not Southern California Edison's terms):\n")
    lifespan = text.split("5. Expected lifespan\n", 1)[1].split("\n6. ", 1)[0]
    assert re.fullmatch(r"ConnectDER: ConnectDER device: Minimum 15 years \[\d+\]\nTesla: Tesla device: 20\+ years \[\d+\]", lifespan)
    for r in rows(built_db, "SELECT text FROM restrictions WHERE utility_id = 'sce'"):
        assert r["text"] in text


def test_waiver_for_a_device_keeps_its_maker_lifespan_only(drafts):
    text = docx_text(drafts["waiver-eversource"])
    assert "Device: Tesla Backup Switch 1624171-xx-y" in text
    lifespan = text.split("5. Expected lifespan\n", 1)[1].split("\n6. ", 1)[0]
    assert re.fullmatch(r"Tesla: Tesla device: 20\+ years \[\d+\]", lifespan)
    assert "Tesla: on a failure, Tesla would immediately be notified and would issue a rush service" in text


def test_restrictions_each_cited_and_unjustified_ones_flagged(drafts, built_db):
    text = docx_text(drafts["restrictions-sce"])
    expected = rows(built_db, "SELECT text, justification FROM restrictions "
                    "WHERE utility_id = 'sce' OR (utility_id IS NULL AND state = 'CA')")
    unjustified = sum(1 for r in expected if not (r["justification"] or "").strip())
    assert f"{len(expected)} restrictions on the use of meter socket adapters (MSAs) at Southern California Edison" in text
    assert f"{unjustified} of them have no justification in the sources and are flagged as needing one." in text
    assert text.count("Justification: [JUSTIFICATION NEEDED]") == unjustified
    assert re.search(r"No liquid tight conduit is used for communication cables for isolating MSAs \[\d+\]\n"
                     r"Justification: communication cables have low or no voltage\n", text)
    for r in expected:
        assert r["text"] in text
    quote = "\nNo liquid tight conduit is used for communication cables for isolating MSAs, as communication cables have low or no voltage"
    assert quote in text.split("\nCitations\n", 1)[1]


def test_restrictions_for_a_state_name_each_utility(drafts, built_db):
    text = docx_text(drafts["restrictions-nj"])
    assert text.startswith("Restrictions on meter socket adapter use: New Jersey\n")
    # PSE&G's rules reach the corpus through TESCO's deck: each says who reports it.
    assert ("Model of Meter Collar Adapter submitted for review (Public Service Electric and Gas) "
            "(as reported by TESCO Metering, an industry presentation) [") in text
    assert re.search(r"Adapter may not be used on Conventional Underground services .*\(Public Service Electric and Gas\) "
                     r"\(as reported by TESCO Metering, an industry presentation\) "
                     r"\[\d+\]\nJustification: Concern of available fault current > 22 kA\n", text)


def test_oem_application_prefilled_for_a_known_device(drafts):
    doc = Document(str(drafts["oem-tesla"]))
    fields = {r.cells[0].text: r.cells[1].text for t in doc.tables for r in t.rows}
    assert re.fullmatch(r"1624171-xx-y \[\d+\]", fields["Model number"])
    assert re.fullmatch(r"Tesla \[\d+\]", fields["Manufacturer"])
    assert re.fullmatch(r"200 \[\d+\]", fields["Rated continuous current (A)"])
    assert re.fullmatch(r"https://www.tesla.com/ \[\d+\]", fields["Web site"])
    assert fields["Contact e-mail"] == "[TO COMPLETE]"
    assert fields["UL 414 test report (number, laboratory, date)"] == "[TO COMPLETE]"
    text = docx_text(drafts["oem-tesla"])
    assert "Submitted to: Eversource (Connecticut)" in text
    assert "As Public Service Electric and Gas requires of equipment suppliers" in text
    assert "Product sample [" in text
    blanks = text.split("\nFields to complete\n", 1)[1].split("\nCitations\n", 1)[0].split("\n")
    assert blanks[0] == "The knowledge base could not fill these 12 fields; the applicant completes them:"
    assert blanks[1:] == [
        "1. Contact name for application questions", "2. Contact telephone", "3. Contact e-mail",
        "4. Installation instructions (document title, revision and date)",
        "5. Information for emergency responders (document and section)",
        "6. Product sample (quantity and date shipped to the EDC)",
        "7. UL 414 test report (number, laboratory, date)", "8. UL 414A test report (number, laboratory, date)",
        "9. UL 414B test report (number, laboratory, date)", "10. ANSI C12.1 test report (number, laboratory, date)",
        "11. ANSI C12.10 test report (number, laboratory, date)", "12. ANSI C12.7 test report (number, laboratory, date)",
    ]


def test_oem_application_without_a_device_is_a_blank_form(drafts):
    text = docx_text(drafts["oem-blank"])
    assert "Submitted to: [TO COMPLETE: electric distribution company]" in text
    assert "The knowledge base could not fill these 24 fields" in text
    assert "1. Manufacturer\n2. Product\n3. Model number\n" in text


def test_installer_conditions_from_installation_models(drafts):
    text = docx_text(drafts["installer-eversource"])
    assert re.search(r"Eversource \(Connecticut\): the installer model \(qualified installers remove the meter and "
                     r"install the MSA\) \[\d+\]\n", text)
    assert "Installer Model: Qualified personal (installers) are allowed to remove the utility meter" in text
    ca = docx_text(drafts["installer-ca"])
    assert re.search(r"Southern California Edison: the utility model \(only the utility removes the meter and "
                     r"installs the MSA\) \[\d+\]\n", ca)
    assert "Only an SCE meter technician may install or remove the MSA; certified installers may not (Southern California Edison)" in ca


def test_order_26_cover_letter_and_parts(drafts):
    text = docx_text(drafts["order26-eversource"])
    assert text.startswith("[TO COMPLETE: date]\nCT PURA\nDocket No. 24-08-02\nCompliance filing in Docket No. 24-08-05\n"
                           "Re: Order No. 26, compliance filing of Eversource (Connecticut)\n"
                           "In Docket No. 24-08-02, Order No. 26 directs the EDCs to file the items below no later than "
                           "2025-03-31, as a compliance filing in Docket No. 24-08-05 [1].")
    doc = Document(str(drafts["order26-eversource"]))
    items = [[c.text for c in r.cells] for r in doc.tables[0].rows]
    assert [i[0] for i in items] == ["Item", *(f"({n})" for n in range(1, 9)), "further"]
    assert items[1][1] == "a liability waiver for solar customers using MSAs [1]"
    assert items[1][2] == "Liability waiver (enclosed)"
    assert items[4][2] == "[TO COMPLETE: to be supplied by Eversource (Connecticut)]"
    titles = [p.text for p in doc.paragraphs if p.style.name == "Title"]
    assert titles == [
        "Liability waiver for the use of a meter socket adapter",
        "Restrictions on meter socket adapter use: Eversource (Connecticut)",
        "Meter socket adapter allowance application",
        "Conditions for third-party installation, maintenance and service of meter socket adapters: Eversource (Connecticut)",
    ]
    assert text.count("\nCitations\n") == 1 and text.count("\nKnowledge-base build\n") == 1


def test_every_document_names_its_build(drafts, built_db):
    info = {r["key"]: r["value"] for r in rows(built_db, "SELECT key, value FROM build_info")}
    sources = rows(built_db, "SELECT id, sha256 FROM sources")
    for name in ("waiver-sce", "restrictions-nj", "oem-blank", "installer-ca", "order26-eversource"):
        text = docx_text(drafts[name])
        build = text.split("\nKnowledge-base build\n", 1)[1]
        assert build.startswith(f"Drafted by msakb from the knowledge base built {info['built_at']}.\n"
                                f"Knowledge-base fingerprint (sha256 of kb/): {info['kb_fingerprint']}\n")
        assert f"The build read {len(sources)} sources; the fingerprint covers them all." in build
        citations = text.split("\nCitations\n", 1)[1].split("\nKnowledge-base build\n")[0]
        cited = {s["id"] for s in sources if f"source {s['id']}, characters" in citations}
        assert cited, name
        for s in sources:
            listed = f"{s['id']} | " in build and f" | {s['sha256']}" in build
            assert listed == (s["id"] in cited), (name, s["id"])
        assert text.endswith(f"Drafted by msakb from the knowledge base built {info['built_at']} "
                             f"(kb fingerprint {info['kb_fingerprint'][:16]}); cited sources and their sha256 in the last section.")


def test_redline_holds_tracked_changes_that_accept_to_the_new_text(drafts):
    xml = zipfile.ZipFile(drafts["redline"]).read("word/document.xml").decode()
    assert xml.count("<w:ins ") >= 3 and xml.count("<w:del ") >= 3
    assert '<w:delText>designed</w:delText>' in xml and '<w:t>intended</w:t>' in xml
    old = GUIDELINES_FILE.read_text(encoding="utf-8").split("\n")
    new = edited_guidelines().split("\n")
    assert read_paragraphs(drafts["redline"], accept=True) == new
    assert read_paragraphs(drafts["redline"], accept=False) == old
    assert read_paragraphs(drafts["clean"]) == new
    assert "<w:ins " not in zipfile.ZipFile(drafts["clean"]).read("word/document.xml").decode()
    footer = Document(str(drafts["redline"])).sections[0].footer.paragraphs[0].text
    assert f"old: Meter Socket Adapter Program Guidelines ({GUIDELINES}, as of 2025-06-12), sha256 a655d6d8" in footer
    assert "new: guidelines-2026.docx, sha256 " in footer


def test_redline_between_two_sources(kb_copy, tmp_path):
    """A source and an edited copy of it in one test kb: compared by source id."""
    import hashlib

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
    result = CliRunner().invoke(cli, ["file", "program-redline", "--db", str(db), "--old", GUIDELINES,
                                      "--new", f"{GUIDELINES}-edited", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert read_paragraphs(out) == edited_guidelines().split("\n")
    assert read_paragraphs(out, accept=False) == GUIDELINES_FILE.read_text(encoding="utf-8").split("\n")


def test_markdown_preview(built_db, tmp_path):
    out = tmp_path / "w.md"
    result = CliRunner().invoke(cli, ["file", "waiver", "--db", str(built_db), "--utility", "sce", "--out", str(out), "--format", "md"])
    assert result.exit_code == 0, result.output
    md = out.read_text(encoding="utf-8")
    assert md.startswith("# Liability waiver for the use of a meter socket adapter\n\n**Utility:** Southern California Edison (California)")
    assert "## 4\\. Sale of the home\n\n<mark>**\\[STATEMENT NEEDED\\]**</mark>" in md


def test_escaping_keeps_the_document_valid(drafts):
    text = docx_text(drafts["hostile"])
    assert f"Utility: {HOSTILE} (California)\n" in text
    assert f"6. Restrictions on use at {HOSTILE}\n" in text
    xml = zipfile.ZipFile(drafts["hostile"]).read("word/document.xml").decode()
    assert "Edison &amp; Sons &lt;Power&gt;" in xml


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_templates_need_only_what_the_context_gives(kind, built_db):
    kb = Kb(built_db)
    try:
        parts, cites = contexts(kind, kb, Options(utility="eversource-ct", device=TESLA))
        for template, ctx in parts + closing(kb, cites):
            missing = undeclared_variables(template) - set(ctx)
            assert not missing, f"{template} reads {sorted(missing)}, which its context lacks"
    finally:
        kb.close()


def test_strict_rendering_names_template_line_and_variable(built_db):
    kb = Kb(built_db)
    try:
        (template, ctx), *_ = contexts("waiver", kb, Options(utility="sce"))[0]
    finally:
        kb.close()
    del ctx["lifespans"]
    with pytest.raises(FilingError, match=r"template waiver\.html\.j2, line \d+ \(.*lifespans.*\): 'lifespans' is undefined"):
        render(template, ctx)
    ctx2 = dict(ctx, lifespans=[], utility={"id": "sce"})
    with pytest.raises(FilingError, match=r"template waiver\.html\.j2, line \d+ .*has no attribute 'name'"):
        render(template, ctx2)
    ctx3 = dict(ctx, lifespans=[], utility=dict(ctx2["utility"], name=None))
    with pytest.raises(FilingError, match=r"template waiver\.html\.j2, line 4 .*a printed value is None"):
        render(template, ctx3)


@pytest.mark.parametrize("args, message", [
    (["waiver", "--utility", "nope"], "Error: unknown utility 'nope'; valid choices: "),
    (["waiver", "--utility", "sce", "--device", "nope"], "Error: unknown device 'nope'; valid choices: "),
    (["memo", "--utility", "sce"], "Error: unknown kind 'memo'; valid choices: " + ", ".join(ALL_KINDS) + "\n"),
    (["waiver", "--state", "CT"], "Error: a waiver is for one utility: give --utility ID; utilities in CT: eversource-ct, ui\n"),
    (["restrictions", "--state", "ZZ"], "Error: unknown state 'ZZ'; valid choices: "),
    (["oem-application", "--oem", "Acme"], "Error: unknown manufacturer (--oem) 'Acme'; valid choices: "),
    (["order-26", "--utility", "sce"], "Error: order-26 is for an EDC in CT; 'sce' is in CA; choose one of: eversource-ct, ui\n"),
    (["program-redline", "--old", GUIDELINES], "Error: program-redline needs --new: a source id or a .docx file\n"),
    (["program-redline", "--old", GUIDELINES, "--new", "missing.docx"], "Error: --new missing.docx: no such .docx file\n"),
])
def test_bad_input_is_one_clear_error_and_no_file(args, message, built_db, tmp_path):
    out = tmp_path / "x.docx"
    result = CliRunner().invoke(cli, ["file", args[0], "--db", str(built_db), "--out", str(out), *args[1:]])
    assert result.exit_code == 1
    assert result.output.startswith(message), result.output
    if "valid choices" in message and "kind" not in message:
        assert result.output.count("\n") == 1
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_unknown_utility_lists_the_known_ones(built_db, tmp_path):
    result = CliRunner().invoke(cli, ["file", "waiver", "--db", str(built_db), "--utility", "nope", "--out", str(tmp_path / "x.docx")])
    choices = result.output.split("valid choices: ", 1)[1].strip().split(", ")
    assert "sce" in choices and "eversource-ct" in choices and "ui" in choices


def test_missing_database_is_named(tmp_path):
    result = CliRunner().invoke(cli, ["file", "waiver", "--db", str(tmp_path / "none.db"), "--utility", "sce", "--out", str(tmp_path / "x.docx")])
    assert result.exit_code == 1
    assert result.output == f"Error: no knowledge base at {tmp_path / 'none.db'}; build one first: msakb build --db {tmp_path / 'none.db'}\n"


def test_redline_between_two_docx_files(drafts, tmp_path):
    """Two .docx versions (the old one itself a redline: its changes count as accepted)."""
    out = tmp_path / "again.docx"
    result = CliRunner().invoke(cli, ["file", "program-redline", "--old", str(drafts["redline"]),
                                      "--new", str(drafts["waiver-sce"]), "--out", str(out), "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 0, result.output
    assert read_paragraphs(out, accept=False) == edited_guidelines().split("\n")
    new = read_paragraphs(drafts["waiver-sce"])  # body paragraphs, table cells included
    assert new[0] == "Liability waiver for the use of a meter socket adapter" and "Source" in new
    assert read_paragraphs(out) == new
    footer = Document(str(out)).sections[0].footer.paragraphs[0].text
    assert footer.startswith("Redline by msakb from no knowledge base. old: redline.docx, sha256 ")


def test_each_block_kind_gets_its_word_style(tmp_path):
    """filings/writers.py looks each style's id up once and sets it on the paragraph's XML:
    every paragraph still has the style python-docx's own setter would give it."""
    from docx import Document

    from msakb.filings.layout import Block, Run
    from msakb.filings.writers import write_docx

    kinds = [("title", 0, None), ("h1", 0, None), ("h2", 0, None), ("h3", 0, None), ("p", 0, None), ("quote", 0, None),
             ("li", 0, None), ("li", 1, None), ("li", 2, None), ("li", 0, 1), ("li", 1, 2), ("h1", 0, None), ("p", 0, None)]
    blocks = [Block(kind, [Run(f"{kind} {level} {number}")], level=level, number=number) for kind, level, number in kinds]
    out = write_docx(blocks, tmp_path / "styles.docx", "footer", "title")
    got = [(p.text, p.style.name) for p in Document(str(out)).paragraphs]
    assert got == [
        ("title 0 None", "Title"), ("h1 0 None", "Heading 1"), ("h2 0 None", "Heading 2"), ("h3 0 None", "Heading 3"),
        ("p 0 None", "Normal"), ("quote 0 None", "Quote"), ("li 0 None", "List Bullet"), ("li 1 None", "List Bullet 2"),
        ("li 2 None", "List Bullet 3"), ("1. li 0 1", "List"), ("2. li 1 2", "List 2"), ("h1 0 None", "Heading 1"),
        ("p 0 None", "Normal"),
    ]


def test_restrictions_in_scope_are_those_applies_keeps_of_every_row(built_db):
    """context.restrictions narrows in SQL before `applies` decides: for every scope, the rows
    kept are those `applies` keeps of all the restrictions."""
    from msakb.filings import context as c
    from msakb.filings.kb import Citations, Kb

    kb = Kb(built_db)
    every = kb.rows("SELECT r.*, u.state AS _utility_state FROM restrictions r LEFT JOIN utilities u ON u.id = r.utility_id")
    scopes = [("sce", None), ("eversource-ct", None), ("pseg", None), (None, "NJ"), (None, "CA"), (None, "CT")]
    sizes = []
    for utility, state in scopes:
        where = c.scope(kb, utility, state)
        got = sorted(r["id"] for r in c.restrictions(kb, Citations(kb), where))
        assert got == sorted(r["id"] for r in every if c.applies(r, where)), (utility, state)
        sizes.append(len(got))
    assert sorted(set(sizes)) == [0, 21, 55, 57]  # SCE, PSE&G and NJ, CA: different sets; none in CT
    kb.close()
