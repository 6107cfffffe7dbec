"""Every YAML, JSON and JSON Lines file msakb reads is validated by a model: for each, a copy
broken in one line fails with one error naming the file, the line and the field, and the
command that reads it exits 1 with that line (issues 12 and 15)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import msakb.db.derive.cross_conflicts as cross_conflicts
import msakb.db.query.conditions as conditions
import msakb.extract.shared.patterns as patterns
import msakb.web.serve as serve
from msakb.errors import MsakbError
from msakb.extract.shared.pattern_models import MODELS
from tests.hostile_kit import SCE_LIST, invoke, make_one_source_kb, one_line
from tests.kbtools import REPO
from tests.site_server import free_port

# file: a string in it (its first occurrence), what it becomes, and the error after "<file>, line <n>: "
PATTERN_CASES = {
    "candidates.yaml": ('fee_words: "', 'fee_words: "(unclosed', "field fee_words: not a valid regular expression"),
    "entities.jsonl": ('[{"TEXT"', '[{"TEXTX"', "field pattern: "),
    "entity_rules.yaml": ("capitalised_words_allowed: [", "capitalised_words_allowed: x [",
                          "field capitalised_words_allowed: Input should be a valid list"),
    "installation_models.yaml": ("model: utility", "model: crews",
                                 "statement 1, field model: Input should be 'utility', 'joint_meet' or 'installer'"),
    "installer_article.yaml": ("requirement: '", "requirement: '(?P<x", "field requirement: not a valid regular expression"),
    "justifications.yaml": ("keep: false}", "keep: sometimes}", "marker 1, field keep: Input should be a valid boolean"),
    "meeting_summary.yaml": ("header_lines: 4", "header_lines: -4", "field header_lines: Input should be greater than 0"),
    "obligations.jsonl": ('"label": "prohibition"', '"label": "obligation"',
                          "field label: Input should be 'requirement', 'prohibition' or 'permission'"),
    "proposals.yaml": ("(?P<per>", "(?P<pers>", "field fee_per: the pattern needs the named group(s) per"),
    "program_guidelines.yaml": ("decision_context_chars: 40", "decision_context_chars: forty",
                                "field decision_context_chars: Input should be a valid integer"),
    "slide_deck.yaml": ("slide: utility installation models", "slide: [utility, installation]",
                        "field installation_models.slide: Input should be a valid string"),
    "standards.yaml": ('{number: "^C12', '{number: "^C12(', "series 1, field number: not a valid regular expression"),
    "statuses.yaml": ("(?P<limitation>.+?) only", "(?P<limitation>.+? only",
                      "item 1, field pattern: not a valid regular expression"),
    "synonyms.yaml": ("terms:", "more_terms: 1\nterms:", "field more_terms: Extra inputs are not permitted"),
    "table_shapes.yaml": ("msa manufacturer: manufacturer", "msa manufacturer: [manufacturer]",
                          "field approved_products.msa manufacturer: Input should be a valid string"),
}


def _break(path: Path, old: str, new: str) -> int:
    """Replace the first occurrence of `old` by `new`; returns the number of its line."""
    text = path.read_text(encoding="utf-8")
    at = text.index(old)
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
    return text.count("\n", 0, at) + 1


def test_every_pattern_file_has_a_model_and_a_case():
    shipped = sorted(p.name for p in (REPO / "extract" / "patterns").iterdir() if p.suffix in (".yaml", ".jsonl"))
    assert shipped == sorted(MODELS) == sorted(PATTERN_CASES)


@pytest.mark.parametrize("name", sorted(PATTERN_CASES))
def test_a_broken_pattern_file_is_one_error_naming_file_line_and_field(name, tmp_path, monkeypatch):
    folder = tmp_path / "patterns"
    shutil.copytree(REPO / "extract" / "patterns", folder)
    line, new, expected = PATTERN_CASES[name]
    n = _break(folder / name, line, new)
    with pytest.raises(MsakbError) as e:
        patterns.pattern_file(name, folder / name)
    assert str(e.value).startswith(f"{folder / name}, line {n}: {expected}"), str(e.value)
    # the build reads every pattern file first: one line, exit 1
    monkeypatch.setattr(patterns, "PATTERNS", folder)
    kb = make_one_source_kb(tmp_path / "kb")
    line = one_line(invoke("build", "--kb", kb, "--db", tmp_path / "msakb.db", "-q"))
    assert line.startswith(f"Error: extract/patterns/{name}, line {n}: {expected}"), line


# --- the knowledge folder's files ---------------------------------------------------------

KB_CASES = {
    "sources/manifest.yaml": ("jurisdiction: CA", "jurisdiction: California",
                              f"source '{SCE_LIST}', field jurisdiction: must be a two-letter upper-case code"),
    "gazetteer/states.yaml": ("CA: California", "Cal: California", "field states.Cal: String should match pattern"),
    "gazetteer/utilities.yaml": ("kind: group", "kind: grup", "utility 'az-co-ops', field kind: Input should be 'utility' or 'group'"),
    "gazetteer/devices.yaml": ('member_pattern: "^EV', 'member_pattern: "^EV ([',
                               "family 'connectder-ev', field member_pattern: not a valid regular expression"),
    "annotations/sce-program-guidelines.yaml": ("- table: restrictions", "- occurrence: 0\n    table: restrictions",
                                                "record 1, field occurrence: Input should be greater than 0"),
    "rules/sce.yaml": ("id: sce-service-200a", "id: SCE Service", "rule 'SCE Service', field id: String should match pattern"),
    "conflicts/reviewed.yaml": ("reviewed_by:", "reviewed_by_whom:", "field reviewed_by: Field required"),
}


@pytest.mark.parametrize("name", sorted(KB_CASES))
def test_a_broken_knowledge_folder_file_is_one_line_naming_file_line_and_field(name, tmp_path):
    kb = tmp_path / "kb"
    shutil.copytree(REPO / "kb", kb)  # all five sources: every file is read
    line, new, expected = KB_CASES[name]
    n = _break(kb / name, line, new)
    db = tmp_path / "msakb.db"
    if name.startswith(("rules/", "conflicts/", "annotations/")):
        # read after the sources are parsed: keep just the one source these files name
        from tests.kbtools import keep_sources

        ids = {"rules/sce.yaml": ["sce-approved-products-2026-04-12", "sce-msa-program-guidelines-2025"],
               "annotations/sce-program-guidelines.yaml": ["sce-msa-program-guidelines-2025"],
               "conflicts/reviewed.yaml": ["kilowire-connectder-ev-article", "sce-msa-program-guidelines-2025"]}[name]
        keep = (kb / name).read_text(encoding="utf-8")
        keep_sources(kb, ids)
        (kb / name).write_text(keep, encoding="utf-8")
    line = one_line(invoke("build", "--kb", kb, "--db", db, "-q"))
    shown = f"kb/{name}" if name.startswith(("rules/", "conflicts/")) else str(kb / name)
    assert line.startswith(f"Error: {shown}, line {n}: {expected}"), line
    assert not db.exists()


def test_a_broken_parties_file(tmp_path, built_db):
    """kb/gazetteer/parties.yaml is read by the filings."""
    kb = tmp_path / "kb"
    shutil.copytree(REPO / "kb", kb)
    n = _break(kb / "gazetteer" / "parties.yaml", "state: CT", "state: Connecticut")
    line = one_line(invoke("file", "waiver", "--db", built_db, "--kb", kb, "--utility", "eversource-ct",
                           "--out", tmp_path / "w.docx"))
    assert line == (f"Error: {kb / 'gazetteer' / 'parties.yaml'}, line {n}: commission 1, field state: "
                    "String should match pattern '^[A-Z]{2}$'")


def test_a_broken_filings_settings_file(tmp_path, monkeypatch, built_db):
    import msakb.filings.context as context

    path = tmp_path / "filings.yaml"
    shutil.copy(REPO / "filings" / "templates" / "filings.yaml", path)
    n = _break(path, "order_number: \"26\"", "order_numbr: \"26\"")
    monkeypatch.setattr(context, "SETTINGS", path)
    line = one_line(invoke("file", "waiver", "--db", built_db, "--utility", "sce", "--out", tmp_path / "w.docx"))
    assert line == f"Error: {path}, line {n}: field order_26.order_numbr: Extra inputs are not permitted"


def test_a_broken_review_decisions_file(tmp_path, built_db):
    kb = tmp_path / "kb"
    shutil.copytree(REPO / "kb", kb)
    (kb / "review").mkdir(exist_ok=True)
    (kb / "review" / "decisions.yaml").write_text(
        "decisions:\n  - id: c-1\n    source: s\n    rule: r\n    quote: q\n    char_start: 1\n    char_end: 2\n"
        "    decision: maybe\n", encoding="utf-8")
    line = one_line(invoke("review", "--db", built_db, "--kb", kb))
    assert line == (f"Error: {kb / 'review' / 'decisions.yaml'}, line 8: decision 'c-1', field decision: "
                    "Input should be 'accepted', 'rejected' or 'edited'")


# --- the package's own configuration ------------------------------------------------------

def test_a_broken_conflict_checks_file(tmp_path, monkeypatch):
    path = tmp_path / "conflict_checks.yaml"
    shutil.copy(REPO / "db" / "derive" / "conflict_checks.yaml", path)
    n = _break(path, "compare: [status]", "compare: [stat]")
    monkeypatch.setattr(cross_conflicts, "CHECKS_FILE", path)
    cross_conflicts.checks.cache_clear()
    try:
        kb = make_one_source_kb(tmp_path / "kb")
        line = one_line(invoke("build", "--kb", kb, "--db", tmp_path / "msakb.db", "-q"))
        assert line == f"Error: db/derive/conflict_checks.yaml, line {n - 2}: approvals has no column 'stat'"
        n = _break(path, "compare: [stat]", "compare: status")
        cross_conflicts.checks.cache_clear()
        line = one_line(invoke("build", "--kb", kb, "--db", tmp_path / "msakb.db", "-q"))
        assert line == f"Error: db/derive/conflict_checks.yaml, line {n}: field approvals.compare: Input should be a valid list"
    finally:
        cross_conflicts.checks.cache_clear()


def test_a_broken_site_fields_file(tmp_path, monkeypatch, built_db):
    path = tmp_path / "site_fields.yaml"
    shutil.copy(REPO / "db" / "query" / "site_fields.yaml", path)
    n = _break(path, "type: number", "type: float")
    monkeypatch.setattr(conditions, "SITE_FIELDS_FILE", path)
    conditions.site_fields.cache_clear()
    try:
        line = one_line(invoke("check", "--db", built_db, "--utility", "sce"))
        assert line == (f"Error: db/query/site_fields.yaml, line {n}: field service_amps.type: "
                        "Input should be 'number', 'integer', 'text', 'choice' or 'yes_no'")
    finally:
        conditions.site_fields.cache_clear()


@pytest.mark.parametrize("name, line, new, expected", [
    ("metadata.yaml", "https://www.apache.org/licenses/LICENSE-2.0", "javascript:alert(1)",
     "field license_url: 'javascript:alert(1)' is not an http:// or https:// URL"),
    ("metadata.yaml", "label_column: title", "label_colum: title",
     "field databases.msakb.tables.sources.label_colum: Extra inputs are not permitted"),
    ("settings.json", '"sql_time_limit_ms": 1000', '"sql_time_limit_ms": "soon"',
     "field sql_time_limit_ms: Input should be a valid integer"),
    ("settings.json", '"max_returned_rows": 2000', '"max_returned_rows": 2000, "max_returned_rows": 1',
     "not valid JSON (duplicate key 'max_returned_rows')"),
])
def test_a_broken_web_configuration_file(tmp_path, monkeypatch, built_db, name, line, new, expected):
    path = tmp_path / name
    shutil.copy(REPO / "web" / name, path)
    n = _break(path, line, new)
    monkeypatch.setattr(serve, "METADATA" if name.endswith(".yaml") else "SETTINGS", path)
    with pytest.raises(MsakbError) as e:
        serve.load_metadata() if name.endswith(".yaml") else serve.load_settings()
    where = f"{path}, line {n}: " if "duplicate" not in expected else f"{path}: "
    assert str(e.value) == where + expected
    line = one_line(invoke("serve", "--db", built_db, "--no-build", "--port", free_port()))
    assert line == f"Error: {e.value}"


def test_every_data_file_of_the_repository_is_covered():
    """A new YAML/JSON file needs its model and a case here."""
    covered = {f"extract/patterns/{n}" for n in PATTERN_CASES} | {f"kb/{n}" for n in KB_CASES} | {
        "db/derive/conflict_checks.yaml", "db/query/site_fields.yaml", "web/metadata.yaml", "web/settings.json",
        "kb/gazetteer/parties.yaml", "filings/templates/filings.yaml"}
    found = {str(p.relative_to(REPO)) for folder in ("extract", "db", "web", "kb", "filings", "msakb")
             for p in (REPO / folder).rglob("*") if p.suffix in (".yaml", ".yml", ".json", ".jsonl")}
    found = {f for f in found if not (f.startswith("kb/annotations/") or f.startswith("kb/rules/"))} | {  # one case per kind
        f"kb/{n}" for n in KB_CASES if n.startswith(("annotations/", "rules/"))}
    assert found == covered


def test_a_broken_pattern_file_stops_a_build_that_could_patch_the_previous_database(tmp_path, monkeypatch):
    """An incremental build does not check the pattern files again (its code, those files
    included, is the one whose full build checked them): pattern files elsewhere than the
    code's are part of the code's fingerprint, so the next build is a full one that checks them."""
    folder = tmp_path / "patterns"
    shutil.copytree(REPO / "extract" / "patterns", folder)
    monkeypatch.setattr(patterns, "PATTERNS", folder)
    kb, db = make_one_source_kb(tmp_path / "kb"), tmp_path / "msakb.db"
    assert invoke("build", "--kb", kb, "--db", db, "-q").exit_code == 0
    assert "incremental build" in invoke("build", "--kb", kb, "--db", db).output  # unbroken: a patch
    line, new, expected = PATTERN_CASES["candidates.yaml"]
    n = _break(folder / "candidates.yaml", line, new)
    before = db.read_bytes()
    line = one_line(invoke("build", "--kb", kb, "--db", db, "-q"))
    assert line.startswith(f"Error: extract/patterns/candidates.yaml, line {n}: {expected}"), line
    assert db.read_bytes() == before
