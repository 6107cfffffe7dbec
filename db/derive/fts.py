"""Full-text search: an FTS5 index over the sources and over the text of facts, so that
Datasette's `?_search=` works on those tables (web/metadata.yaml names each `fts_table`).

Registered as a POST_WRITE step (db/hooks.py): it runs on the finished temporary database,
before it is renamed into place. No triggers: the served database is immutable.
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database

from msakb.db.pipeline import hooks
from msakb.errors import BuildError

# table -> the columns a person searches (the porter tokenizer: "isolating" finds "isolate").
SEARCHABLE: dict[str, tuple[str, ...]] = {
    "sources": ("title", "text"),
    "devices": ("name", "manufacturer", "product", "model", "technology"),
    "approvals": ("status_text", "limitation", "notes"),
    "restrictions": ("text", "justification"),
    "directives": ("text",),
    "decisions": ("text",),
    "data_needs": ("need", "response"),
    "faqs": ("question", "answer"),
    "statements": ("text",),
    "definitions": ("term", "definition"),
    "standard_tests": ("test", "criteria"),
    "process_steps": ("title", "description", "customer_activities", "documents_required", "utility_activities"),
}


def fts_table(table: str) -> str:
    """The name of `table`'s full-text index (sqlite-utils' convention)."""
    return f"{table}_fts"


def enable_search(conn: sqlite3.Connection) -> None:
    """Create and fill the FTS5 index of every table in SEARCHABLE."""
    db = Database(conn)
    for table, columns in SEARCHABLE.items():
        have = set(db[table].columns_dict) if db[table].exists() else set()
        missing = [c for c in columns if c not in have]
        if missing:
            raise BuildError(
                f"full-text search: table {table!r} has no column(s) {missing} "
                "(db/fts.py SEARCHABLE must follow db/models.py)"
            )
        db[table].enable_fts(list(columns), fts_version="FTS5", tokenize="porter", create_triggers=False)


hooks.POST_WRITE.append(enable_search)
