"""Datasette plugin: a rebuilt knowledge base is served from the moment its file is renamed in.

`msakb build` writes a new file and renames it over the old one (db/build.py). Datasette
opens an immutable database once per SQL thread and keeps that connection, so a running
`msakb serve` went on answering from the previous build (its unlinked file stays readable)
until restarted. Here every query first compares the file at the path (inode, modification
time, size) with the one its thread's connection was opened on, and opens the new file when
they differ; the table counts Datasette keeps for an immutable database are dropped with it.
The file at the path is always a whole build (the rename is atomic), so no query sees a
half-written one. web/plugins/schema_cache.py keys its answers on the same file identity.

Written against Datasette 0.65.5 (pinned: shared STACK.md): it uses its per-thread
connections (`datasette.database.connections`) and `Datasette._prepare_connection`.
tests/test_follow_rebuilds.py replaces a served file and checks the pages change with it.
"""

from __future__ import annotations

import os
import threading

from datasette import database as datasette_database
from datasette import hookimpl


def file_key(path) -> tuple | None:
    """What identifies the file at `path`: a rebuild's rename gives a new inode."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


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
