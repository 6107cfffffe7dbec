"""Datasette plugin: the immutable knowledge base, as rebuilds replace its file.

`msakb serve` publishes the database immutable, and `msakb build` writes a new file and
renames it over the old one (atomically: the file at the path is always a whole build). Each
file, identified by inode, modification time and size, is served by a Database of its own
(`BuildFile`):

- Its schema is read once, not for every page: Datasette's views ask, for every table page,
  for the table's columns, keys, foreign keys, full-text table and definition, each a query
  through its pool of SQL threads. A BuildFile keeps the answers; they hold as long as it
  serves its file.
- A rebuilt file is served from the next request. Before each request, when the file at the
  path is no longer the one served, a new BuildFile takes the database's name and route
  (datasette.remove_database / add_database), with its table counts taken as Datasette takes
  them at startup. Datasette keeps one connection per SQL thread and database name, opened
  on the file there was: the SQL threads are replaced as well (a new `datasette.executor`;
  the old threads finish the queries they were given, then end, and their connections are
  closed, so the replaced file's space is freed).

Datasette 0.65.5 (pinned: shared STACK.md) through its public API: Database, subclassed with
its documented schema methods; add_database, remove_database, setting; the startup and
asgi_wrapper hooks. The one name it does not document is `datasette.executor`, the pool it
runs queries in. tests/test_immutable_file.py checks the pages are the same with and without
the plugin, that fewer schema queries run, and that a replaced file is served (and is not,
without the plugin).

Loaded by `msakb serve` (or `datasette --plugins-dir web/plugins`).
"""

from __future__ import annotations

import asyncio
import copy
import gc
import os
from concurrent.futures import ThreadPoolExecutor

from datasette import hookimpl
from datasette.database import Database

# The schema questions Datasette's views ask (datasette/database.py); their answers depend on
# the file's schema alone.
CACHED = ("table_exists", "table_names", "view_names", "hidden_table_names", "table_columns",
          "table_column_details", "primary_keys", "fts_table", "label_column_for_table",
          "foreign_keys_for_table", "get_all_foreign_keys", "get_table_definition", "get_view_definition")
COUNT_LIMIT_MS = 60 * 60 * 1000  # as Datasette counts an immutable file's rows at startup


def file_key(path) -> tuple | None:
    """What identifies the file at `path`: a rebuild's rename gives a new inode."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


class BuildFile(Database):
    """One build's file, immutable: the schema questions answered once."""

    def __init__(self, datasette, path):
        self.identity = file_key(path)  # before the file is opened: a file replaced since is followed too
        super().__init__(datasette, path=path, is_mutable=False)
        self.answers: dict = {}


def _answered_once(name: str):
    ask = getattr(Database, name)

    async def answered_once(self, *args):
        if (name, args) not in self.answers:
            self.answers[name, args] = await ask(self, *args)
        return copy.deepcopy(self.answers[name, args])  # callers may change what they are given

    answered_once.__name__ = name
    return answered_once


for _name in CACHED:
    if hasattr(Database, _name):  # a question this Datasette version does not ask is left alone
        setattr(BuildFile, _name, _answered_once(_name))


def serve_file_of(datasette, name: str, db: Database) -> BuildFile:
    """A BuildFile for the file at `db`'s path, in `db`'s place (same name and route)."""
    new = BuildFile(datasette, db.path)
    datasette.remove_database(name)
    datasette.add_database(new, name=name, route=db.route)
    return new


def is_immutable_file(db: Database) -> bool:
    return not db.is_mutable and not db.is_memory and bool(db.path)


async def follow_rebuilds(datasette) -> None:
    """Serve each replaced file from a BuildFile of its own, on fresh SQL threads."""
    replaced = [serve_file_of(datasette, name, db) for name, db in list(datasette.databases.items())
                if isinstance(db, BuildFile) and file_key(db.path) not in (None, db.identity)]
    if not replaced:
        return
    old = datasette.executor  # None: no SQL threads; each Database has a connection of its own
    if old is not None:
        datasette.executor = ThreadPoolExecutor(max_workers=datasette.setting("num_sql_threads"))
    await asyncio.get_running_loop().run_in_executor(None, retire, old)
    for db in replaced:
        await db.table_counts(limit=COUNT_LIMIT_MS)


def retire(executor: ThreadPoolExecutor | None) -> None:
    """Let the SQL threads of the replaced files answer what they were given and end, then
    close the connections they held (a sqlite3 connection sits in a reference cycle, its
    statement cache, so it is closed when collected): the replaced file is let go."""
    if executor is not None:
        executor.shutdown(wait=True)
    gc.collect()


@hookimpl
def startup(datasette):
    for name, db in list(datasette.databases.items()):
        if is_immutable_file(db) and not isinstance(db, BuildFile):
            serve_file_of(datasette, name, db)


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def following_rebuilds(scope, receive, send):
            if scope["type"] == "http":
                await follow_rebuilds(datasette)
            await app(scope, receive, send)

        return following_rebuilds

    return wrap
