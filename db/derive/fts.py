"""Full-text search: an FTS5 index over the columns a person searches (the models'
`searchable()` fields, db/store/columns.py SEARCHABLE), so that Datasette's `?_search=`
works on those tables. Datasette finds each index by itself (a virtual table `<table>_fts`
whose content is the table), so the metadata does not name them.

Each such table's `search_rowid` column is filled with the row's rowid, and one index
starts with it and holds the columns the table's page is faceted by (db/store/columns.py
PAGE_FACETS, the metadata's `facets`). The metadata tells Datasette to match on it
(`fts_pk: search_rowid`): a search page's count and facets are then `search_rowid IN (<the
matching rowids>)` read from that narrow index alone, where `rowid IN (...)` looked up every
matching row in the wide table, once per count and once per facet.

A post-write step: it runs on the finished temporary database, before it is renamed into
place. No triggers: the served database is immutable. The porter tokenizer lets "isolating"
find "isolate".
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database

from msakb.db.pipeline.patch_writes import Patch, key_column
from msakb.db.pipeline.step import Step
from msakb.db.store.columns import PAGE_FACETS, SEARCHABLE, fts_table
from msakb.db.store.models import SEARCH_ROWID

def search_index(table: str) -> str:
    """The name of the index a search of `table` counts its rows and facets from."""
    return f"{table}_by_{SEARCH_ROWID}"


def search_index_sql(table: str) -> str:
    cols = ", ".join(f"[{c}]" for c in (SEARCH_ROWID, *PAGE_FACETS.get(table, ())))
    return f"CREATE INDEX IF NOT EXISTS [{search_index(table)}] ON [{table}] ({cols})"


def fill_search_rowid(conn: sqlite3.Connection, table: str, cond: str = "1") -> None:
    """search_rowid = rowid on every row (of those meeting `cond`) where it is not: all rows of
    a new file; in a patched one, the rows inserted, some of them carrying the value of the
    row they replace."""
    conn.execute(f"UPDATE [{table}] SET [{SEARCH_ROWID}] = rowid WHERE ({cond}) AND [{SEARCH_ROWID}] IS NOT rowid")


def enable_search(conn: sqlite3.Connection) -> None:
    """Create and fill the FTS5 index of every table in SEARCHABLE, its search_rowid and the
    index a search counts from."""
    db = Database(conn)
    for table, columns in SEARCHABLE.items():
        db[table].enable_fts(list(columns), fts_version="FTS5", tokenize="porter", create_triggers=False)
        fill_search_rowid(conn, table)
        conn.execute(search_index_sql(table))


def patch_search(p: Patch) -> None:
    """Index the rows an incremental build wrote (the rows it deleted left the index as they
    went: db/pipeline/patch_writes.py Writer), and give them their search_rowid (the writer
    inserts every row a patch adds; the rows it did not insert kept their rowid)."""
    w = p.writer
    w.index_inserted()
    for table in SEARCHABLE:
        if w.inserted.get(table):
            fill_search_rowid(w.db, table, w.where(key_column(table), w.inserted[table]))


STEP = Step("fts", reads=tuple(SEARCHABLE), writes_after=tuple(fts_table(t) for t in SEARCHABLE),
            post_write=enable_search, patch=patch_search)
