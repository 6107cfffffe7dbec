"""The provenance rule: every fact row's quote is exactly its source's slice, the schema
refuses a row without provenance, and the build's check catches a row that lies."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msakb.db.pipeline.checks import check_database
from msakb.db.store.models import FACT_TABLES
from msakb.errors import ProvenanceError


def _all_rows(db):
    conn = sqlite3.connect(db)
    texts = dict(conn.execute("SELECT id, text FROM sources"))
    rows = []
    for table in FACT_TABLES:
        key = "code" if table == "states" else "id"
        for r in conn.execute(f"SELECT [{key}], source_id, quote, char_start, char_end FROM [{table}]"):
            rows.append((table, *r))
    conn.close()
    return texts, rows


@pytest.fixture(scope="module")
def corpus(built_db):
    return _all_rows(built_db)


def test_every_fact_table_has_rows_with_quotes(corpus):
    texts, rows = corpus
    assert len(texts) == 5
    assert len(rows) > 500


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_quote_equals_source_slice(corpus, data):
    texts, rows = corpus
    table, key, source_id, quote, start, end = data.draw(st.sampled_from(rows))
    assert quote, (table, key)
    assert texts[source_id][start:end] == quote, (table, key)


def test_schema_refuses_a_row_without_provenance(built_db, tmp_path):
    db = tmp_path / "copy.db"
    shutil.copy(built_db, db)
    conn = sqlite3.connect(db)
    with pytest.raises(sqlite3.IntegrityError, match="NOT NULL constraint failed: definitions.quote"):
        conn.execute(
            "INSERT INTO definitions (id, term, definition, voice, speaker, attribution, source_id, char_start, "
            "char_end, rule) VALUES ('x', 'Term', 'def', 'utility', 'Southern California Edison', 'own', "
            "'sce-approved-products-2026-04-12', 0, 1, 'test')"
        )
    conn.close()


def test_check_names_the_row_whose_quote_lies(built_db, tmp_path):
    db = tmp_path / "copy.db"
    shutil.copy(built_db, db)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            "UPDATE devices SET char_start = char_start + 1 WHERE id = 'enphase-mc-200-011-v01'"
        )
    conn.close()
    with pytest.raises(ProvenanceError, match=r"^devices row 'enphase-mc-200-011-v01': quote 'Enphase\\t<b>MC-200"):
        check_database(db)
