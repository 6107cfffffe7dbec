"""Facts stated once, in the models (db/store/columns.py): the columns a person searches
(their full-text indexes, which Datasette finds without the metadata naming them) and the
tables that id columns name (the models' foreign keys), read by the served pages."""

from __future__ import annotations

import asyncio
import sqlite3

import msakb.web.serve as serve
from msakb.db.store.columns import ID_LINKS, SEARCHABLE, fts_table
from msakb.db.store.models import ALL_TABLES


def test_datasette_finds_the_index_of_every_table_with_searchable_columns(built_db):
    assert set(SEARCHABLE) >= {"sources", "devices", "restrictions", "directives"}
    assert SEARCHABLE["devices"] == ("name", "manufacturer", "product", "model", "technology")

    async def found():
        ds = serve.make_datasette(built_db)
        await ds.invoke_startup()
        db = ds.get_database(serve.DATABASE_NAME)
        return {t: await db.fts_table(t) for t in ALL_TABLES}

    indexes = asyncio.run(found())
    assert indexes == {t: fts_table(t) if t in SEARCHABLE else None for t in ALL_TABLES}
    conn = sqlite3.connect(built_db)
    for table, columns in SEARCHABLE.items():
        indexed = [r[1] for r in conn.execute(f"PRAGMA table_info([{fts_table(table)}])")]
        assert indexed == list(columns), table
    conn.close()


def test_id_links_are_the_foreign_keys_of_the_built_database(built_db):
    conn = sqlite3.connect(built_db)
    foreign = {}
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for fk in conn.execute(f"PRAGMA foreign_key_list([{table}])"):
            foreign.setdefault(fk[3], set()).add(fk[2])
    conn.close()
    assert foreign["source_id"] == {"sources"} and foreign["state"] == {"states"}
    single = {c: next(iter(t)) for c, t in foreign.items() if len(t) == 1}
    assert {c: ID_LINKS.get(c) for c in single} == single
    # a query's own id, named after its model (`d.id AS directive_id`), links to its row too
    assert ID_LINKS["directive_id"] == "directives" and ID_LINKS["process_step_id"] == "process_steps"
    assert "build_info_id" not in ID_LINKS  # build_info's rows are keys, not ids
