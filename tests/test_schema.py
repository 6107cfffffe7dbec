"""db/store/schema.py writes the DDL itself: it must make the schema SQLAlchemy's create_all makes."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine
from sqlmodel import SQLModel

from msakb.db.store.schema import SQL_TYPES, create_statements
from msakb.errors import BuildError


def shape(path) -> dict:
    """Every table's columns, keys and indexes, as SQLite reports them."""
    conn = sqlite3.connect(path)
    try:
        out = {}
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
            out[name] = {
                "columns": conn.execute(f"PRAGMA table_info([{name}])").fetchall(),
                "foreign_keys": sorted(r[2:5] for r in conn.execute(f"PRAGMA foreign_key_list([{name}])")),
                "indexes": sorted((r[1], r[2], r[3], tuple(c[2] for c in conn.execute(f"PRAGMA index_info([{r[1]}])")))
                                  for r in conn.execute(f"PRAGMA index_list([{name}])")),
            }
        return out
    finally:
        conn.close()


def test_the_written_ddl_makes_the_schema_create_all_makes(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'sqlalchemy.db'}")
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    conn = sqlite3.connect(tmp_path / "written.db")
    for statement in create_statements():
        conn.execute(statement)
    conn.commit()
    conn.close()
    expected = shape(tmp_path / "sqlalchemy.db")
    assert shape(tmp_path / "written.db") == expected
    assert len(expected) == len(SQLModel.metadata.tables) > 25
    assert ("ix_sources_series", 0, "c", ("series",)) in expected["sources"]["indexes"]
    assert ("devices", "family_id", "id") in expected["devices"]["foreign_keys"]


def test_a_column_type_the_writer_does_not_know_is_named(monkeypatch):
    monkeypatch.delitem(SQL_TYPES, "Float")
    create_statements.cache_clear()
    try:
        with pytest.raises(BuildError, match=r"column \w+\.\w+ has type Float, which db/store/schema.py does not know"):
            create_statements()
    finally:
        create_statements.cache_clear()


def test_a_built_database_has_every_index_of_the_schema(built_db):
    """A full build creates the schema's indexes after loading the rows: those of the resolved
    tables before the steps, those of the tables the steps add rows to after them."""
    from msakb.db.store.schema import index_table

    conn = sqlite3.connect(built_db)
    try:
        have = {(name, table) for name, table in conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'")}
    finally:
        conn.close()
    wanted = {(s.split('"')[1], index_table(s)) for s in create_statements() if " INDEX " in s}
    assert wanted <= have and ("ix_approval_changes_source_id", "approval_changes") in wanted
