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

from msakb.db.pipeline import hooks
from msakb.db.store.columns import SEARCHABLE


def enable_search(conn: sqlite3.Connection) -> None:
    """Create and fill the FTS5 index of every table in SEARCHABLE."""
    db = Database(conn)
    for table, columns in SEARCHABLE.items():
        db[table].enable_fts(list(columns), fts_version="FTS5", tokenize="porter", create_triggers=False)


hooks.POST_WRITE.append(enable_search)
