"""Full-text search: an FTS5 index over the columns a person searches (the models'
`searchable()` fields, db/store/columns.py SEARCHABLE), so that Datasette's `?_search=`
works on those tables. Datasette finds each index by itself (a virtual table `<table>_fts`
whose content is the table), so the metadata does not name them.

A post-write step: it runs on the finished temporary database, before it is renamed into
place. No triggers: the served database is immutable. The porter tokenizer lets "isolating"
find "isolate".
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database

from msakb.db.pipeline.patch_writes import Patch
from msakb.db.pipeline.step import Step
from msakb.db.store.columns import SEARCHABLE, fts_table


def enable_search(conn: sqlite3.Connection) -> None:
    """Create and fill the FTS5 index of every table in SEARCHABLE."""
    db = Database(conn)
    for table, columns in SEARCHABLE.items():
        db[table].enable_fts(list(columns), fts_version="FTS5", tokenize="porter", create_triggers=False)


def patch_search(p: Patch) -> None:
    """Index the rows an incremental build wrote (the rows it deleted left the index as they
    went: db/pipeline/patch_writes.py Writer)."""
    p.writer.index_inserted()


STEP = Step("fts", reads=tuple(SEARCHABLE), writes_after=tuple(fts_table(t) for t in SEARCHABLE),
            post_write=enable_search, patch=patch_search)
