"""A value a file of the knowledge folder leaves out, gives of the wrong kind, or repeats, is
found when the file is read: one line naming the file and the record, what is wrong and what
to do; exit status 1; the previous database untouched. What only the written rows show (a
parser's row without a required value, a value naming no row) is reported with the row, its
source and its rule. (Not SQLite's bare complaint, which names neither.)"""

from __future__ import annotations

import hashlib
import shutil

import pytest
from click.testing import CliRunner

from msakb.cli import cli
from msakb.extract.parsers import PARSERS
from msakb.knowledge.yamlfile import dump_yaml
from tests.kbtools import KB, db_rows

GUIDELINES = "sce-msa-program-guidelines-2025"
STATEMENT_1 = f"{GUIDELINES}/statements/ownership-1"
QUOTE = "Is there an MSA available for a 400-amp service?"


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def seed(built_db, tmp_path):
    """A copy of the seed knowledge folder, and of the database built from it."""
    kb, db = tmp_path / "kb", tmp_path / "msakb.db"
    shutil.copytree(KB, kb)
    shutil.copy(built_db, db)
    return kb, db


def edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def build_fails(kb, db, *options: str) -> str:
    """The one line a failing `msakb build` prints; the database is left as it was."""
    before = digest(db)
    result = CliRunner().invoke(cli, ["build", "--db", str(db), "--kb", str(kb), "-q", *options])
    assert result.exit_code == 1, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1, result.output
    assert digest(db) == before
    assert [p.name for p in db.parent.iterdir() if ".tmp-" in p.name] == []
    return lines[0]


# --- kb/annotations/ ---------------------------------------------------------------------------

def test_an_annotation_without_a_column_its_table_requires(seed):
    kb, db = seed
    edit(kb / "annotations" / "filings-statements.yaml", "      topic: ownership\n", "")
    assert build_fails(kb, db) == (
        f"Error: filings-statements.yaml, record 1: statements row '{STATEMENT_1}' has no topic, which its "
        "table requires: add it to values (topic: ...)")


@pytest.mark.parametrize("table, values, expected", [
    ("restrictions", "{category: eligibility, text: t}",
     "a restrictions row has no id, which its table requires: add it to values (id: ...)"),
    ("restriction", "{id: r-1, category: eligibility, text: t}",
     "table 'restriction' takes no hand-written rows; one of: approvals, conflicts, data_needs, decisions, "
     "definitions, devices, directives, faqs, fees, lifespans, manufacturers, panel_models, process_steps, "
     "required_devices, restrictions, specs, standard_revisions, standard_tests, standards, statements, states, "
     "system_statuses, test_limits, timelines, utilities"),
    ("restrictions", "{id: r-1, category: eligibility, text: t, amps: 400}",
     "restrictions has no column 'amps'; its columns: id, utility_id, state, device_id, category, section, text, "
     "justification, voice, speaker, attribution"),
    ("restrictions", "{id: r-1, category: [eligibility, size], text: t}",
     "restrictions row 'r-1': category must be text, not a list (['eligibility', 'size'])"),
    ("restrictions", "{id: r-1, category: eligibility, text: t, section: 2025-01-31}",
     "restrictions row 'r-1': section must be text, not the date 2025-01-31: write it in quotes (\"2025-01-31\")"),
    ("faqs", "{id: f-1, number: two, question: q, answer: a}",
     "faqs row 'f-1': number must be a whole number, not the text 'two'"),
])
def test_an_annotation_value_its_table_cannot_take(seed, table, values, expected):
    kb, db = seed
    (kb / "annotations" / "bad.yaml").write_text(
        f"source: {GUIDELINES}\nrecords:\n  - table: {table}\n    quote: \"{QUOTE}\"\n    values: {values}\n",
        encoding="utf-8")
    assert build_fails(kb, db) == f"Error: bad.yaml, record 1: {expected}"


# --- the safety net at the insert: a parser's row without a required value -------------------

def test_a_parsed_row_without_a_required_value_names_its_row_source_and_rule(seed, monkeypatch):
    """Whatever made a row (a parser here, for want of a value it should have read), the
    insert's NOT NULL failure names the row, its source and its rule."""
    kb, db = seed
    parse = PARSERS["installer_article"]

    def parse_without_category(doc, gaz):
        for r in parse(doc, gaz):
            if r.values.get("id") == "kilowire-connectder-ev-article/restrictions/installation-2":
                r.values.pop("category")
            yield r

    monkeypatch.setitem(PARSERS, "installer_article", parse_without_category)
    # one worker: the build's own process parses, with the parser above
    assert build_fails(kb, db, "--workers", "1") == (
        "Error: table restrictions: row 'kilowire-connectder-ev-article/restrictions/installation-2' (source "
        "kilowire-connectder-ev-article, rule installer_article:requirement) has no category, a column the table "
        "requires: what made the row must give it (NOT NULL constraint failed: restrictions.category)")


# --- kb/conflicts/ -----------------------------------------------------------------------------

def test_a_reviewed_conflict_id_used_twice(seed):
    kb, db = seed
    shutil.copy(kb / "conflicts" / "reviewed.yaml", kb / "conflicts" / "more.yaml")
    assert build_fails(kb, db) == (
        "Error: kb/conflicts/reviewed.yaml, conflict 'sce-who-installs-the-msa': the id is also used in "
        "kb/conflicts/more.yaml; give each conflict its own id")


# --- kb/review/decisions.yaml --------------------------------------------------------------------

def test_a_decision_value_that_is_a_date(seed, built_db):
    kb, db = seed
    c = db_rows(built_db, "SELECT * FROM candidates WHERE status = 'pending' AND instr(quote, char(10)) = 0 "
                "ORDER BY id LIMIT 1")[0]
    (kb / "review").mkdir()
    (kb / "review" / "decisions.yaml").write_text(dump_yaml({"decisions": [{
        "id": c["id"], "source": c["source_id"], "rule": c["rule"], "quote": c["quote"],
        "char_start": c["char_start"], "char_end": c["char_end"], "decision": "edited",
        "table": c["table_name"], "values": {"section": "placeholder"}}]}).replace("placeholder", "2025-03-31"),
        encoding="utf-8")
    assert build_fails(kb, db) == (
        f"Error: {kb / 'review' / 'decisions.yaml'}, line 10: decision '{c['id']}', field values: section is the "
        "date 2025-03-31: write it in quotes (\"2025-03-31\")")


# --- kb/rules/ ---------------------------------------------------------------------------------

@pytest.mark.parametrize("old, new, expected", [
    ("require: {field: der_kind, op: equals, value: solar}", "require: {field: der_kind, op: equals, value: 2025-03-31}",
     "rule 'pseg-solar-on-customer-side': require: value 2025-03-31 is a date: write it in quotes (\"2025-03-31\")"),
    ('require: {field: fault_current_ka, op: "<=", value: 22}', 'require: {field: fault_current_ka, op: "<=", value: 22kA}',
     "rule 'pseg-fault-current-22ka': require: `<=` compares numbers; '22kA' is not one"),
    ("says: the adapter connects a solar system (on the customer side of the meter)", 'says: ""',
     "line 10: rule 'pseg-solar-on-customer-side', field says: String should have at least 1 character"),
])
def test_a_rule_value_of_the_wrong_kind(seed, old, new, expected):
    kb, db = seed
    edit(kb / "rules" / "pseg.yaml", old, new)
    separator = ", " if expected.startswith("line") else ": "
    assert build_fails(kb, db) == f"Error: kb/rules/pseg.yaml{separator}{expected}"


# --- kb/gazetteer/ -----------------------------------------------------------------------------

@pytest.mark.parametrize("file, old, new, expected", [
    ("utilities.yaml", "aliases: [APS]", 'aliases: [APS, ""]',
     "utilities.yaml, line 5: utility 'aps', field aliases[1]: is empty: write it out, or remove it"),
    ("devices.yaml", "  - id: connectder-islandder", "  - id: connectder-ev",
     "devices.yaml: family 'connectder-ev' is listed twice"),
    ("devices.yaml", "EQB is Energy QuarterBack\n",
     "EQB is Energy QuarterBack\n  - name: Tesla Backup Switch\n    device: neworld-eqb-mim-200-plus-pe\n    why: a slip\n",
     "devices.yaml: alias 'Tesla Backup Switch' names both 'neworld-eqb-mim-200-plus-pe' and "
     "'tesla-backup-switch-1624171-xx-y'"),
])
def test_a_gazetteer_entry_empty_or_listed_twice(seed, file, old, new, expected):
    kb, db = seed
    edit(kb / "gazetteer" / file, old, new)
    assert build_fails(kb, db) == f"Error: {kb / 'gazetteer'}/{expected}"


# --- the reference check: a value naming no row ------------------------------------------------

def test_an_annotation_naming_no_row_is_named_with_its_file(seed):
    kb, db = seed
    edit(kb / "annotations" / "filings-statements.yaml", "      utility_id: sce\n", "      utility_id: sce-ca\n")
    assert build_fails(kb, db) == (
        f"Error: 1 broken reference(s); first: statements row '{STATEMENT_1}' (source {GUIDELINES}, rule "
        "annotation:filings-statements.yaml#1): its utility_id 'sce-ca' names no utilities row: give the id of one "
        "that exists")
