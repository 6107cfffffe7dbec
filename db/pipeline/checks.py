"""The checks a build makes before its file is used: every fact row's quote is the slice of
its source that its offsets name (both sides of a conflict), and every foreign key resolves.

A full build checks the rows its workers resolve as they write them (verify_rows, in the
workers: the build copies those files' rows into its own as they are), then the rest of its
file: the rows its steps derived, and every foreign key (check_database)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from msakb.db.store import models
from msakb.errors import BuildError, ProvenanceError


def check_database(path: Path, tables=None) -> None:
    """Every fact row's quote (of `tables`; default: of every fact table) is its source's
    slice; every foreign key resolves."""
    conn = sqlite3.connect(path)
    try:
        texts = dict(conn.execute("SELECT id, text FROM sources"))
        for table, model in models.FACT_TABLES.items():
            if tables is not None and table not in tables:
                continue
            key = "code" if table == "states" else "id"
            for row in conn.execute(f"SELECT [{key}], source_id, quote, char_start, char_end FROM [{table}]"):
                verify_quote(table, *row, texts)
            if table == "conflicts":
                for row in conn.execute("SELECT id, other_source_id, other_quote, other_char_start, other_char_end FROM conflicts"):
                    verify_quote("conflicts (other side)", *row, texts)
        bad = conn.execute("PRAGMA foreign_key_check").fetchall()
        if bad:
            raise BuildError(f"{len(bad)} broken reference(s); first: {_broken(conn, *bad[0])}")
    finally:
        conn.close()


def _broken(conn: sqlite3.Connection, table: str, rowid: int, parent: str, fkid: int) -> str:
    """A row whose reference resolves to nothing: its id, what made it (source and rule: the
    parser or annotation to correct) and the value that names no row."""
    key = "code" if table == "states" else "id"
    column = next((r[3] for r in conn.execute(f"PRAGMA foreign_key_list([{table}])") if r[0] == fkid), None)
    made = ("source_id", "rule") if table in models.FACT_TABLES else ()
    cols = [key, *made, *([column] if column else [])]
    row = conn.execute(f"SELECT {', '.join(f'[{c}]' for c in cols)} FROM [{table}] WHERE rowid = ?", (rowid,)).fetchone()
    if row is None:
        return f"{table} row {rowid!r} points at a missing {parent} row"
    got = dict(zip(cols, row))
    by = f" (source {got['source_id']}, rule {got['rule']})" if made else ""
    what = (f"its {column} {got[column]!r} names no {parent} row: give the id of one that exists" if column
            else f"it points at a missing {parent} row")
    return f"{table} row {got[key]!r}{by}: {what}"


def verify_rows(table: str, rows: list[dict], texts: dict[str, str]) -> None:
    """verify_quote of each row of a fact table about to be written (both sides of a conflict
    or a change)."""
    if table not in models.FACT_TABLES:
        return
    key = "code" if table == "states" else "id"
    for r in rows:
        verify_quote(table, r.get(key), r.get("source_id"), r.get("quote"), r.get("char_start"), r.get("char_end"), texts)
        if r.get("other_source_id") is not None:
            verify_quote(f"{table} (other side)", r.get(key), r.get("other_source_id"), r.get("other_quote"),
                         r.get("other_char_start"), r.get("other_char_end"), texts)


def verify_quote(table: str, row_id, source_id, quote, start, end, texts: dict[str, str]) -> None:
    """A ProvenanceError naming the row unless `quote == texts[source_id][start:end]`."""
    try:  # by key, not .get: a text mapping may read a text only when asked for it (texts.py)
        text = texts[source_id]
    except KeyError:
        text = None
    if text is None:
        raise ProvenanceError(f"{table} row {row_id!r}: source {source_id!r} is not in sources")
    if start is None or end is None or not (0 <= start <= end <= len(text)):
        raise ProvenanceError(f"{table} row {row_id!r}: offsets {start}..{end} lie outside source {source_id!r}")
    if text[start:end] != quote or not quote:
        raise ProvenanceError(
            f"{table} row {row_id!r}: quote {quote[:60]!r} is not source {source_id!r}[{start}:{end}] "
            f"({text[start:end][:60]!r})"
        )
