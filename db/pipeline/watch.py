"""What a build step's incremental form watches on the copy an incremental build patches
(Step.watch, run before anything is written to it): temporary triggers that record which
tables were written, or the keys of the rows written, so that the step's patch can keep what
did not change or make again only the rows of those keys.

A row inserted or deleted is a write; an update is one only when it sets a column the step
reads (an edit above a passage moves its offsets, which no step's output depends on). Each
watch is named after its step; everything it made is temporary, gone with the connection,
and dropped by `unwatch`.
"""

from __future__ import annotations

import sqlite3

EVENTS = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}
"""each event, and the row(s) of it whose keys are recorded"""


def _on(event: str, table: str, columns: tuple[str, ...]) -> str:
    """When a trigger of `table` fires: an update only of one of `columns`."""
    of = f" OF {', '.join(f'[{c}]' for c in columns)}" if event == "UPDATE" else ""
    return f"AFTER {event}{of} ON [{table}]"


def written_table(name: str) -> str:
    return f"{name}_written"


def keys_table(name: str, table: str) -> str:
    return f"{name}_keys_{table}"


def watch_writes(conn: sqlite3.Connection, name: str, columns: dict[str, tuple[str, ...]]) -> None:
    """Record the name of each table of `columns` written: a row inserted or deleted, or one
    of the columns given for it updated."""
    written = written_table(name)
    conn.execute(f"CREATE TEMP TABLE {written} (name TEXT PRIMARY KEY)")
    for table, read in columns.items():
        for event in EVENTS:
            conn.execute(f"CREATE TEMP TRIGGER [{written}_{event.lower()}_{table}] {_on(event, table, read)} "
                         f"BEGIN INSERT OR IGNORE INTO {written} VALUES ('{table}'); END")


def watch_keys(conn: sqlite3.Connection, name: str, table: str, keys: tuple[str, ...], read: tuple[str, ...]) -> None:
    """Record the `keys` columns of each row of `table` written (before and after an update
    of one of the `read` columns) in the temporary table keys_table(name, table)."""
    into = keys_table(name, table)
    conn.execute(f"CREATE TEMP TABLE {into} ({', '.join(keys)}, UNIQUE ({', '.join(keys)}))")
    for event, rows in EVENTS.items():
        body = " ".join(f"INSERT OR IGNORE INTO {into} VALUES ({', '.join(f'{row}.[{c}]' for c in keys)});"
                        for row in rows)
        conn.execute(f"CREATE TEMP TRIGGER [{into}_{event.lower()}] {_on(event, table, read)} BEGIN {body} END")


def _triggers(conn: sqlite3.Connection, prefix: str) -> int:
    return conn.execute("SELECT count(*) FROM sqlite_temp_master WHERE type = 'trigger' AND substr(name, 1, ?) = ?",
                        (len(prefix), prefix)).fetchone()[0]


def tables_written(conn: sqlite3.Connection, name: str, tables) -> set[str] | None:
    """The tables written since watch_writes; None when it did not run on this connection, or
    one of its triggers is gone (with its table: a step made the table again)."""
    written = written_table(name)
    try:
        if _triggers(conn, f"{written}_") != len(EVENTS) * len(tables):
            return None
        return {t for (t,) in conn.execute(f"SELECT name FROM temp.{written}")}
    except sqlite3.OperationalError:
        return None


def keys_written(conn: sqlite3.Connection, name: str, table: str) -> bool | None:
    """Whether watch_keys recorded keys of `table`; None when it did not run on this
    connection, or one of its triggers is gone."""
    into = keys_table(name, table)
    try:
        if _triggers(conn, f"{into}_") != len(EVENTS):
            return None
        return conn.execute(f"SELECT 1 FROM temp.{into} LIMIT 1").fetchone() is not None
    except sqlite3.OperationalError:
        return None


def unwatch(conn: sqlite3.Connection, name: str) -> None:
    """Drop the triggers and tables of the watches named `name`."""
    prefix = f"{name}_"
    made = conn.execute("SELECT type, name FROM sqlite_temp_master WHERE type IN ('trigger', 'table') "
                        "AND substr(name, 1, ?) = ? ORDER BY type = 'table'", (len(prefix), prefix)).fetchall()
    for kind, made_name in made:
        conn.execute(f"DROP {kind.upper()} IF EXISTS temp.[{made_name}]")
