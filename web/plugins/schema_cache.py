"""Datasette plugin: an immutable database's schema read once, not for every page.

Datasette 0.65 asks SQLite, for every table page, for the table's columns, primary keys,
foreign keys, full-text table and definition, each through its pool of SQL threads: about
fifteen small queries and 4 ms of a 40 ms page at 10,000 documents (bench/RESULTS.md), though
`msakb serve` publishes the knowledge base immutable. Here those answers are kept per
database, and forgotten when its file is replaced (a rebuild renames a new one into place):
the file's inode and modification time are part of the key. The pages are the same
(tests/test_serve.py compares them with and without this plugin).

Loaded by `msakb serve` (or `datasette --plugins-dir web/plugins`).
"""

from __future__ import annotations

import copy
import os

from datasette import hookimpl

# The schema questions Datasette's views ask (datasette/database.py); their answers depend on
# the file's schema alone.
CACHED = ("table_exists", "table_names", "view_names", "hidden_table_names", "table_columns",
          "table_column_details", "primary_keys", "fts_table", "label_column_for_table",
          "foreign_keys_for_table", "get_all_foreign_keys", "get_table_definition", "get_view_definition")


def _file_key(path) -> tuple | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def cache_schema(db) -> None:
    """Wrap the schema questions of Database `db` (immutable, on a file) with a cache."""
    answers: dict = {}

    def wrap(name, ask):
        async def cached(*args):
            key = (_file_key(db.path), name, args)
            if key[0] is None:
                return await ask(*args)
            if key not in answers:
                if any(k[0] != key[0] for k in answers):  # the file was replaced: a new schema, perhaps
                    answers.clear()
                answers[key] = await ask(*args)
            return copy.deepcopy(answers[key])  # callers may change what they are given
        cached.__name__ = name
        return cached

    for name in CACHED:
        ask = getattr(db, name, None)
        if ask is not None:  # a question this Datasette version does not ask is left alone
            setattr(db, name, wrap(name, ask))


@hookimpl
def startup(datasette):
    for db in datasette.databases.values():
        if not db.is_mutable and not db.is_memory and db.path:
            cache_schema(db)
