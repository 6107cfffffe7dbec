"""A full build's work in progress, kept in files beside the one it writes rather than in
memory, so that its peak memory does not grow with the corpus and its processes share the
work:

- each worker (db/pipeline/workers.py) keeps what it parsed in a staging file of its own: the
  texts, the records (rows of plain values, each in the partition of its row key), and the
  steps' per-source results;
- resolution (db/pipeline/resolve.py) runs partition by partition: a key's row, citations and
  conflicts depend only on the records of that key in build order, so the keys are split by a
  hash into partitions resolved apart (states and utilities together: a utility may give its
  state a row), each into a file of its own, which the build copies into its file in the
  partitions' order;
- `StoredRows`: the rows so far as a step's `derive` reads them (db/pipeline/step.py), read
  from the build's file when asked for.

Where the texts of the sources are read from meanwhile: db/pipeline/texts.py.

The number of partitions depends on the corpus alone, and records are merged in build order:
the rows do not depend on how many processes did the work.
"""

from __future__ import annotations

import dataclasses
import heapq
import json
import sqlite3
import time
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Iterator

from msakb.db.pipeline.checks import verify_rows
from msakb.db.pipeline.resolve import resolve
from msakb.db.pipeline.texts import StagedTexts
from msakb.db.store.models import FACT_TABLES
from msakb.db.store.schema import create_statements
from msakb.db.store.write import insert_rows
from msakb.errors import BuildError
from msakb.extract.shared.records import Record
from msakb.extract.shared.text import Span

# Records resolved at a time (whole keys): large enough that resolve's own cost per call is
# nothing, small enough that a slice's rows are a few megabytes.
SLICE = 5000
# A utility's row may give its state a row (resolve): these tables are resolved together, in
# the partition TOGETHER.
TOGETHER_TABLES = ("states", "utilities")
TOGETHER = -1
SOURCE_STRIDE = 1 << 24
"""a record's place in build order: its source's place times this, plus its own"""
_PLAIN = ("table", "values", "span", "rule", "source_id", "mention")
_EXTRA = tuple(f.name for f in dataclasses.fields(Record) if f.name not in _PLAIN)
_COLUMNS = ("seq", "tbl", "skey", "mention", "source_id", "char_start", "char_end", "rule", "data")


def partitions_for(sources: int) -> int:
    """How many partitions of row keys a corpus is resolved in (a function of the corpus:
    the rows must not depend on the number of workers)."""
    return max(1, min(32, sources // 250))


def partition(table: str, key, partitions: int) -> int:
    if table in TOGETHER_TABLES:
        return TOGETHER
    return zlib.crc32(f"{table}\x00{key!r}".encode()) % partitions


# One encoder for every value (json.dumps with arguments makes a new one each call).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _dumps(value, what: str) -> str:
    try:
        return _ENCODER.encode(value)
    except (TypeError, ValueError) as e:
        raise BuildError(f"{what}: not plain data (strings, numbers, None, lists, mappings): {e}") from None


def _table(p: int) -> str:
    return "records_together" if p == TOGETHER else f"records_{p}"


class StagingFile:
    """The staging file one process writes (a worker's, or the build's own for the annotations)."""

    def __init__(self, path: Path, partitions: int):
        self.path, self.partitions = Path(path), partitions
        self.path.unlink(missing_ok=True)
        self.conn = sqlite3.connect(self.path, isolation_level=None)
        # a file of this build only, deleted at its end: nothing to journal or sync
        self.conn.execute("PRAGMA journal_mode = OFF")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("BEGIN")
        for p in [TOGETHER, *range(partitions)]:
            self.conn.execute(f"CREATE TABLE {_table(p)} ({', '.join(_COLUMNS)})")
        self.conn.execute("CREATE TABLE texts (id TEXT PRIMARY KEY, text TEXT)")
        self.conn.execute("CREATE TABLE results (step TEXT, source_id TEXT, data TEXT, PRIMARY KEY (step, source_id))")
        self.conn.execute("COMMIT")

    def add(self, place: int, source_id: str, text: str | None, records: list[Record],
            results: dict[str, list]) -> None:
        """One source's text (None: no need to keep it), its records (`place`: its place in
        build order) and its steps' results, committed (the file is read by other processes
        once every source is done)."""
        by_part: dict[int, list[tuple]] = {}
        for i, r in enumerate(records):
            by_part.setdefault(partition(r.table, r.key, self.partitions), []).append(
                encode_record(r, place * SOURCE_STRIDE + i))
        self.conn.execute("BEGIN")
        if text is not None:
            self.conn.execute("INSERT INTO texts VALUES (?, ?)", (source_id, text))
        for p, rows in by_part.items():
            self.conn.executemany(f"INSERT INTO {_table(p)} VALUES ({', '.join('?' * len(_COLUMNS))})", rows)
        for step, items in results.items():
            self.conn.execute("INSERT INTO results VALUES (?, ?, ?)",
                              (step, source_id, _dumps(items, f"{source_id}: the build step {step!r}'s results")))
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


def encode_record(r: Record, seq: int) -> tuple:
    """A record as one row of plain values (its span as offsets into its source's text)."""
    extra = [getattr(r, f) for f in _EXTRA]
    try:
        data = _ENCODER.encode([r.values, extra])
    except (TypeError, ValueError):
        data = _dumps([r.values, extra], f"{r.source_id}, {r.rule}: a {r.table} record")  # says what is wrong
    return (seq, r.table, repr(r.key), int(r.mention), r.source_id, r.span.start, r.span.end, r.rule, data)


_DECODER = json.JSONDecoder()


def decode_record(row: tuple, texts: Mapping[str, str]) -> Record:
    _seq, table, _skey, mention, source_id, start, end, rule, data = row
    values, extra = _DECODER.raw_decode(data)[0]  # written by encode_record: no surrounding space
    # Record's fields are _PLAIN's in its order, then _EXTRA's
    return Record(table, values, Span(texts[source_id], start, end), rule, source_id, bool(mention), *extra)


class Staged:
    """Read access to every staging file of a build (once they are all written)."""

    def __init__(self, paths: list[Path]):
        self.paths = list(paths)
        self.conns = [sqlite3.connect(f"file:{p}?mode=ro", uri=True) for p in self.paths]

    def close(self) -> None:
        for c in self.conns:
            c.close()

    def texts(self) -> StagedTexts:
        return StagedTexts(self.conns)

    def results(self, step: str, source_id: str) -> list | None:
        """What the workers computed for `step` on this source (None: nothing staged)."""
        for c in self.conns:
            row = c.execute("SELECT data FROM results WHERE step = ? AND source_id = ?", (step, source_id)).fetchone()
            if row is not None:
                return json.loads(row[0])
        return None

    def records(self, p: int) -> Iterator[tuple]:
        """The staged records of partition `p`, by table, key and build order; those of
        TOGETHER in build order alone (which utility gives a state its row depends on it)."""
        if p == TOGETHER:
            order, key = "seq", (lambda r: r[0])
        else:
            order, key = "tbl, skey, seq", (lambda r: (r[1], r[2], r[0]))
        cursors = [c.execute(f"SELECT {', '.join(_COLUMNS)} FROM {_table(p)} ORDER BY {order}") for c in self.conns]
        return heapq.merge(*cursors, key=key)


def resolve_partition(staged: Staged, p: int, texts: Mapping[str, str], gaz, voices: dict,
                      out: Path) -> tuple[dict[str, int], float]:
    """Resolve partition `p`'s records into a new file `out` (the schema's tables, without
    their indexes), a slice of whole keys at a time, each row's quote checked against `texts`
    as it is written; its rows per table, and the seconds spent writing them."""
    out.unlink(missing_ok=True)
    conn = sqlite3.connect(out, isolation_level=None)
    counts: dict[str, int] = {}
    writing = 0.0
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        for statement in create_statements():
            if statement.startswith("CREATE TABLE"):
                conn.execute(statement)

        def write(rows: dict[str, list[dict]], held: Mapping[str, str]) -> None:
            nonlocal writing
            started = time.perf_counter()
            for table, table_rows in rows.items():
                verify_rows(table, table_rows, held)
                insert_rows(conn, table, table_rows)
                counts[table] = counts.get(table, 0) + len(table_rows)
            writing += time.perf_counter() - started

        def resolve_slice(rows: list[tuple]) -> None:
            # the texts of this slice's sources, read at once
            held = texts.hold({r[4] for r in rows}) if isinstance(texts, StagedTexts) else texts
            write(resolve([decode_record(r, held) for r in rows], gaz, voices), held)

        chunk: list[tuple] = []
        last = None
        for r in staged.records(p):
            if len(chunk) >= SLICE and (r[1], r[2]) != last and p != TOGETHER:
                resolve_slice(chunk)
                chunk = []
            chunk.append(r)
            last = (r[1], r[2])
        if chunk:
            resolve_slice(chunk)
        conn.execute("COMMIT")
    finally:
        conn.close()
    return counts, writing


def copy_rows(conn: sqlite3.Connection, part: Path, tables: list[str]) -> None:
    """The rows of a partition's file into the build's, table by table, in their order, in a
    transaction of their own (`conn` is in autocommit mode, outside one: a file is attached
    and detached only there)."""
    conn.execute("ATTACH DATABASE ? AS part", (f"file:{part}?mode=ro",))
    try:
        conn.execute("BEGIN")
        for table in tables:
            conn.execute(f"INSERT INTO main.[{table}] SELECT * FROM part.[{table}] ORDER BY rowid")
        conn.execute("COMMIT")
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.execute("DETACH DATABASE part")


class StoredRows(Mapping):
    """table -> its rows so far (dicts, in the order written), read from the build's file
    each time a step asks; `of_source` reads one source's rows of a table by its index,
    `stream` a table's rows one at a time."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def _select(self, sql: str, params=()) -> list[dict]:
        cur = self.conn.execute(sql, params)
        names = [c[0] for c in cur.description]
        return [dict(zip(names, r)) for r in cur]

    def __getitem__(self, table: str) -> list[dict]:
        if table not in FACT_TABLES and table != "sources":
            raise KeyError(table)
        rows = self._select(f"SELECT * FROM [{table}] ORDER BY rowid")
        if not rows:
            raise KeyError(table)
        return rows

    def __iter__(self) -> Iterator[str]:
        for table in ("sources", *FACT_TABLES):
            if self.conn.execute(f"SELECT 1 FROM [{table}] LIMIT 1").fetchone():
                yield table

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def of_source(self, table: str, source_id: str) -> list[dict]:
        return self._select(f"SELECT * FROM [{table}] WHERE source_id = ? ORDER BY rowid", (source_id,))

    def stream(self, table: str, columns: tuple[str, ...] | None = None) -> Iterator[dict]:
        """The rows of `table` (only `columns` of them, if given; `rowid` names the row) one
        at a time, in the order written: a step that needs few of a large table's rows finds
        which (`by_rowid`) with little memory."""
        cols = ", ".join("rowid" if c == "rowid" else f"[{c}]" for c in columns) if columns else "*"
        cur = self.conn.cursor().execute(f"SELECT {cols} FROM [{table}] ORDER BY rowid")
        names = [c[0] for c in cur.description]
        for r in cur:
            yield dict(zip(names, r))

    def by_rowid(self, table: str, rowids) -> list[dict]:
        """The rows of `table` with these rowids, in the order written."""
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS wanted_rowids (id INTEGER PRIMARY KEY)")
        self.conn.execute("DELETE FROM wanted_rowids")
        self.conn.executemany("INSERT OR IGNORE INTO wanted_rowids VALUES (?)", ((i,) for i in rowids))
        return self._select(f"SELECT * FROM [{table}] WHERE rowid IN (SELECT id FROM wanted_rowids) ORDER BY rowid")
