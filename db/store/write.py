"""Writing rows into a knowledge-base file: the schema, the sources and fact rows in one
transaction, each value left out taking its model's default; and the temporary files of the
atomic write (a new file beside the old one, renamed into place only when all went well)."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Collection
from pathlib import Path

from msakb.db.store import models
from msakb.db.store.schema import create_statements, index_table
from msakb.errors import BuildError
from msakb.extract.shared.records import SourceDoc


# The page cache of a build's connection (KiB): the indexes of the tables written row by row
# stay in memory while they are built.
CACHE_KB = 32 * 1024


def temp_path(db_path: Path) -> Path:
    """Where this process writes the new database before renaming it over `db_path`."""
    return db_path.with_name(f".{db_path.name}.tmp-{os.getpid()}")


def sync_file(path: Path) -> None:
    """The file's data on disk (before it is renamed into place: it is written without syncing)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_temps(db_path: Path) -> None:
    """Delete the temporary files of builds that were killed before their rename (their
    process is gone); a temporary file is never renamed into place by another build."""
    prefix = f".{db_path.name}.tmp-"
    for p in db_path.parent.glob(f"{prefix}*"):
        pid = p.name[len(prefix):].split("-")[0]  # its -journal too
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            p.unlink(missing_ok=True)
        except PermissionError:
            pass  # alive, another user's


def open_database(path: Path, indexes: bool = True) -> sqlite3.Connection:
    """A new file at `path` with the schema's tables (and, unless told not to, its indexes: a
    build loading most rows at once creates them after, create_indexes), in a transaction the
    caller commits (the connection is in autocommit mode: BEGIN and COMMIT are the caller's;
    its writes are not synced: the caller syncs the file before it is used)."""
    if path.exists():
        path.unlink()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        # The file is a temporary one, discarded on failure: its journal need not be on disk,
        # nor its writes synced as they go (the build syncs it once, before it renames it).
        conn.execute("PRAGMA journal_mode = MEMORY")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute(f"PRAGMA cache_size = -{CACHE_KB}")
        conn.execute("BEGIN")
        for statement in create_statements():
            if indexes or not is_index(statement):
                conn.execute(statement)
    except BaseException:
        conn.close()
        raise
    return conn


def is_index(statement: str) -> bool:
    return statement.startswith(("CREATE INDEX", "CREATE UNIQUE INDEX"))


def create_indexes(conn: sqlite3.Connection, tables: Collection[str] | None = None) -> None:
    """The schema's indexes (those of `tables` only, when given) on a file opened without
    them: built once from the rows, faster than kept up to date row by row while a corpus's
    rows are loaded."""
    for statement in create_statements():
        if is_index(statement) and (tables is None or index_table(statement) in tables):
            conn.execute(statement)


def source_row(d: SourceDoc) -> dict:
    """The `sources` row of one source."""
    return {
        "id": d.id, "title": d.entry.title, "publisher": d.entry.publisher,
        "jurisdiction": d.entry.jurisdiction, "url": d.entry.url,
        "as_of": d.entry.as_of.isoformat() if d.entry.as_of else None,
        "as_of_note": d.entry.as_of_note, "kind": d.entry.kind, "voice": d.entry.voice,
        "speaker": d.entry.speaker_name, "sha256": d.entry.sha256,
        "file": d.entry.file, "utility_id": d.entry.utility, "series": d.entry.series,
        "chars": len(d.text), "lines": d.text.count("\n") + 1, "text": d.text,
    }


def insert_rows(conn: sqlite3.Connection, table: str, rows: list[dict]) -> None:
    """Insert rows (dicts) into `table`; a column left out or None takes the model's default."""
    if not rows:
        return
    cols = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]
    if not cols:
        raise BuildError(f"no table {table!r} in the schema (db/store/models.py)")
    extra = set().union(*rows) - set(cols)  # every key of every row
    if extra:
        raise BuildError(f"table {table}: unknown columns {sorted(extra)} (add them to db/store/models.py)")
    model = models.ALL_TABLES.get(table)
    defaults = {}
    if model is not None:
        defaults = {k: f.default for k, f in model.model_fields.items()
                    if f.default is not None and not callable(f.default) and repr(f.default) != "PydanticUndefined"}
    sql = f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in cols)}) VALUES ({', '.join('?' * len(cols))})"
    values = [tuple(map(r.get, cols)) for r in rows]
    # a value left out or None takes the model's default
    slots = [(i, defaults[c]) for i, c in enumerate(cols) if c in defaults]
    if slots:
        values = [_with_defaults(v, slots) for v in values]
    try:
        conn.executemany(sql, values)
    except sqlite3.IntegrityError as e:
        raise BuildError(f"table {table}: {_without_value(table, cols, values, e) or e}") from None


_NOT_NULL = re.compile(r"NOT NULL constraint failed: [^.]+\.(\w+)$")


def _without_value(table: str, cols: list[str], values: list[tuple], error: sqlite3.IntegrityError) -> str | None:
    """For a NOT NULL failure, which row lacks the value and what made it (its source and
    rule, the parser or annotation to correct); None for any other failure."""
    m = _NOT_NULL.match(str(error))
    if m is None or m.group(1) not in cols:
        return None
    column = cols.index(m.group(1))
    row = next((dict(zip(cols, v)) for v in values if v[column] is None), None)
    if row is None:
        return None
    key = row.get("code" if table == "states" else "id")
    made = ", ".join(f"{name} {row[k]}" for k, name in (("source_id", "source"), ("rule", "rule"))
                     if row.get(k) is not None)
    return (f"row {key!r}{f' ({made})' if made else ''} has no {m.group(1)}, a column the table requires: "
            f"what made the row must give it ({error})")


def _with_defaults(values: tuple, slots: list[tuple[int, object]]) -> tuple:
    if None not in values:  # most rows: one test in C, not one per slot
        return values
    out = list(values)
    for i, default in slots:
        if out[i] is None:
            out[i] = default
    return tuple(out)
