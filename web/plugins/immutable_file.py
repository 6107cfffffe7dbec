"""Datasette plugin: the immutable knowledge base, as rebuilds replace its file.

`msakb serve` publishes the database immutable, and `msakb build` writes a new file and
renames it over the old one (atomically: the file at the path is always a whole build). Two
things follow from the file, identified by inode, modification time and size:

- Its schema is read once, not for every page. Datasette 0.65 asks SQLite, for every table
  page, for the table's columns, keys, foreign keys, full-text table and definition, each
  through its pool of SQL threads: about fifteen small queries and 3 ms of a 40 ms page at
  10,000 documents. The answers are kept until the file is replaced.
- A rebuilt file is served from the next request. Datasette opens an immutable database once
  per SQL thread and keeps that connection, so a running server went on answering from the
  build it started with (the replaced file stays readable) until restarted. Every query now
  compares the file with the one its thread's connection was opened on and opens the new
  one when they differ; the table counts Datasette keeps for an immutable file go with it.

Written against Datasette 0.65.5 (pinned: shared STACK.md): it wraps methods of its Database
and uses its per-thread connections (`datasette.database.connections`) and
`Datasette._prepare_connection`. tests/test_immutable_file.py checks the pages are the same
with and without it, that fewer schema queries run, and that a replaced file is served.

Loaded by `msakb serve` (or `datasette --plugins-dir web/plugins`).
"""

from __future__ import annotations

import copy
import os
import threading

from datasette import database as datasette_database
from datasette import hookimpl

# The schema questions Datasette's views ask (datasette/database.py); their answers depend on
# the file's schema alone.
CACHED = ("table_exists", "table_names", "view_names", "hidden_table_names", "table_columns",
          "table_column_details", "primary_keys", "fts_table", "label_column_for_table",
          "foreign_keys_for_table", "get_all_foreign_keys", "get_table_definition", "get_view_definition")


def file_key(path) -> tuple | None:
    """What identifies the file at `path`: a rebuild's rename gives a new inode."""
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
            key = (file_key(db.path), name, args)
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


def follow_file(db) -> None:
    """Make Database `db` (immutable, on a file) open its file again when it is replaced."""
    installed = file_key(db.path)
    seen = [installed]  # the file identity of the last query
    mine = threading.local()  # per SQL thread: the connection we know, and the file it is on
    execute_fn = db.execute_fn

    def reopen(old):
        new = db.connect()
        db.ds._prepare_connection(new, db.name)
        if db.ds.executor is None:
            db._read_connection = new
        else:
            setattr(datasette_database.connections, db.name, new)
        if old in db._all_file_connections:
            db._all_file_connections.remove(old)
        old.close()
        return new

    async def following(fn):
        key = file_key(db.path)
        if key != seen[0]:
            seen[0] = key
            db._cached_table_counts = None  # the counts of the build that was replaced

        def on_current_file(conn):
            # A connection we have not seen was opened by Datasette on this thread's first
            # query: take it as opened on the file there was when this plugin started.
            opened_on = mine.key if getattr(mine, "conn", None) is conn else installed
            if key is not None and opened_on != key:
                conn, opened_on = reopen(conn), key
            mine.conn, mine.key = conn, opened_on
            return fn(conn)

        return await execute_fn(on_current_file)

    db.execute_fn = following


@hookimpl
def startup(datasette):
    for db in datasette.databases.values():
        if not db.is_mutable and not db.is_memory and db.path:
            follow_file(db)
            cache_schema(db)
