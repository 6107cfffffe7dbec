"""The writes of an incremental build (db/pipeline/patch.py) on the copy of the previous
database, and what each build step's incremental form is handed (`Patch`): the changed
sources' rows replaced, the rows of the keys resolved again replaced, then each step's
`patch` (db/pipeline/steps.py), then the checks and the build's record.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from msakb.db.pipeline.attribution import SourceVoice
from msakb.db.pipeline.attribution import fill as fill_attribution
from msakb.db.pipeline.checks import verify_quote, verify_rows
from msakb.db.pipeline.fingerprints import build_info
from msakb.db.pipeline.texts import DocTexts
from msakb.db.store import models
from msakb.db.store.columns import SEARCHABLE, fts_table
from msakb.db.store.write import insert_rows, source_row
from msakb.errors import BuildError
from msakb.extract.shared.records import SourceDoc

OTHER_SIDE = ("other_source_id", "other_quote", "other_char_start", "other_char_end")


def key_column(table: str) -> str:
    return "code" if table == "states" else "id"


def marks(values) -> str:
    """`?, ?, ?`: one SQL parameter per value."""
    return ",".join("?" * len(values))


class Writer:
    """Selects, deletes and inserts on the copy. A table with a full-text index (whose content
    is the table) keeps it whole: a row is taken out of the index before it is deleted; the
    rows inserted are indexed by the full-text step's incremental form (`index_inserted`),
    after the steps before it changed them (a device's name)."""

    def __init__(self, db: sqlite3.Connection, texts: dict[str, str], voices: dict[str, SourceVoice]):
        self.db, self.texts, self.voices = db, texts, voices
        self.inserted: dict[str, set] = defaultdict(set)
        self.deleted: dict[str, set] = defaultdict(set)
        """keys deleted from the tables other rows refer to (check_references)"""
        self.added: Counter = Counter()
        """rows inserted less rows deleted, per table"""
        names = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        self.references = references(db, names)
        self.indexed = {t: cols for t, cols in SEARCHABLE.items() if fts_table(t) in names}
        db.execute("CREATE TEMP TABLE patch_del (k TEXT)")

    def where(self, col: str, values) -> str:
        """A condition `col IN values`, the values held in a temporary table (any number)."""
        self.db.execute("DELETE FROM patch_del")
        self.db.executemany("INSERT INTO patch_del VALUES (?)", [(v,) for v in values])
        return f"[{col}] IN (SELECT k FROM patch_del)"

    def delete(self, table: str, cond: str, params=()) -> int:
        if any(parent == table for refs in self.references.values() for _, parent, _ in refs):
            key = key_column(table)
            self.deleted[table] |= {k for (k,) in self.db.execute(f"SELECT [{key}] FROM [{table}] WHERE {cond}", params)}
        if table in self.indexed:
            cols = ", ".join(f"[{c}]" for c in self.indexed[table])
            fts = fts_table(table)
            self.db.execute(f"INSERT INTO [{fts}] ([{fts}], rowid, {cols}) SELECT 'delete', rowid, {cols} "
                            f"FROM [{table}] WHERE {cond}", params)
        gone = self.db.execute(f"DELETE FROM [{table}] WHERE {cond}", params).rowcount
        self.added[table] -= gone
        return gone

    def delete_keys(self, table: str, values) -> int:
        values = set(values)
        return self.delete(table, self.where(key_column(table), values)) if values else 0

    def insert(self, table: str, rows: list[dict]) -> None:
        """Insert rows (their quotes checked first, both sides of a conflict or change)."""
        if table in models.FACT_TABLES:
            fill_attribution({table: rows}, self.voices)  # as the full build does after its steps' derive
            verify_rows(table, rows, self.texts)
        insert_rows(self.db, table, rows)
        self.inserted[table] |= {r[key_column(table)] for r in rows}
        self.added[table] += len(rows)

    def select(self, table: str, cond: str = "1", params=(), columns: tuple[str, ...] = ()) -> list[dict]:
        """The rows (`columns` of them, default all) in the table's order."""
        names = ", ".join(f"[{c}]" for c in columns) or "*"
        cur = self.db.execute(f"SELECT {names} FROM [{table}] WHERE {cond} ORDER BY rowid", params)
        names = [c[0] for c in cur.description]
        return [dict(zip(names, r)) for r in cur]

    def index_inserted(self) -> None:
        """Index the rows inserted into the tables with a full-text index."""
        for table, cols in self.indexed.items():
            if self.inserted.get(table):
                names = ", ".join(f"[{c}]" for c in cols)
                cond = self.where("id", self.inserted[table])
                self.db.execute(f"INSERT INTO [{fts_table(table)}] (rowid, {names}) SELECT rowid, {names} "
                                f"FROM [{table}] WHERE {cond}")


@dataclass
class Patch:
    """What a step's incremental form is handed: the writer on the copy, and what changed."""

    writer: Writer
    kb: Path
    docs: dict[str, SourceDoc]
    """every source of this build, by id"""
    order: list[str]
    """the sources in the manifest's order"""
    changed: set[str]
    """sources whose text or manifest entry changed, and the sources added"""
    removed: set[str]
    old_out: dict[str, list[dict]]
    """the rows the keys resolved again had in the previous database ..."""
    new_out: dict[str, list[dict]]
    """... and the rows they have now"""
    index: dict
    """the previous build's record (db/pipeline/patch.py INDEX): its sources' series"""
    previous: dict[str, tuple] = field(default_factory=dict)
    """changed source -> (series, as_of) in the previous database (none for an added one)"""

    @property
    def all_docs(self) -> list[SourceDoc]:
        return [self.docs[s] for s in self.order]

    @property
    def resolved_tables(self) -> set[str]:
        """The tables with rows of keys resolved again."""
        return set(self.old_out) | set(self.new_out)

    def differing_sources(self) -> set[str]:
        """Sources whose rows differ before and after the keys were resolved again. A key
        resolved again often gives the very same row (another source's record of a shared
        device, say): its source's derived rows (candidates) need no redoing."""
        out = set()
        for table in self.resolved_tables:
            k = key_column(table)
            old = {r[k]: r for r in self.old_out.get(table, [])}
            new = {r[k]: r for r in self.new_out.get(table, [])}
            for key in old.keys() | new.keys():
                a, b = old.get(key), new.get(key)
                if a != b:
                    out.update(r["source_id"] for r in (a, b) if r)
        return out

    def of_sources(self, table: str, sources) -> list[dict]:
        """The rows of `table` that quote one of `sources`."""
        ids = sorted(sources)
        return self.writer.select(table, f"source_id IN ({marks(ids)})", ids)


def open_patch(db: sqlite3.Connection, kb: Path, docs: dict[str, SourceDoc], order: list[str], changed: set,
               removed: set, old_out: dict, new_out: dict, index: dict, voices: dict[str, SourceVoice]) -> Patch:
    """Replace the changed sources' rows and the rows of the keys resolved again; the Patch the
    steps' incremental forms are then handed."""
    w = Writer(db, DocTexts(list(docs.values())), voices)
    ids = sorted(changed)
    previous = {s: (se, a) for s, se, a in db.execute(
        f"SELECT id, series, as_of FROM sources WHERE id IN ({marks(ids)})", ids)}
    w.delete_keys("sources", changed | removed)
    w.insert("sources", [source_row(docs[s]) for s in order if s in changed])
    for table, rows in old_out.items():
        keys = {r[key_column(table)] for r in rows}
        if w.delete_keys(table, keys) != len(keys):
            raise BuildError(f"the previous database does not hold the {table} rows of its records")
    for table, rows in new_out.items():
        w.insert(table, rows)
    return Patch(w, kb, docs, order, changed, removed, old_out, new_out, index, previous)


def close_patch(p: Patch) -> dict[str, int]:
    """The checks of the patched file, its build record; the rows per table (as a full build
    reports them)."""
    check(p.writer, p.changed)
    db = p.writer.db
    db.execute("DELETE FROM build_info")
    insert_rows(db, "build_info", [{"key": k, "value": v} for k, v in build_info(p.all_docs, p.kb).items()])
    before = p.index.get("tables")  # the previous build's rows per table, when it recorded them
    counts = {}
    for table in models.ALL_TABLES:  # the fact tables and the steps' other tables (aliases)
        if table in ("sources", "build_info"):
            continue
        if before is not None and table in models.FACT_TABLES:  # every fact row goes through the writer
            n = before.get(table, 0) + p.writer.added[table]
        else:
            n = db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]
        if n or table == "candidates":
            counts[table] = n
    return counts


def check(w: Writer, changed: set) -> None:
    """The quotes of the rows kept of a changed source (rows written were checked as written);
    every foreign key."""
    ids = sorted(changed)
    for table in models.FACT_TABLES:
        key = key_column(table)
        for row in w.db.execute(f"SELECT [{key}], source_id, quote, char_start, char_end FROM [{table}] "
                                f"WHERE source_id IN ({marks(ids)})", ids):
            verify_quote(table, *row, w.texts)
        if "other_source_id" in models.FACT_TABLES[table].model_fields:
            for row in w.db.execute(f"SELECT id, {', '.join(OTHER_SIDE)} FROM [{table}] "
                                    f"WHERE other_source_id IN ({marks(ids)})", ids):
                verify_quote(f"{table} (other side)", *row, w.texts)
    check_references(w)


def references(db: sqlite3.Connection, tables) -> dict[str, list[tuple[str, str, str]]]:
    """table -> its foreign keys: (column, parent table, parent column)."""
    return {t: [(r[3], r[2], r[4]) for r in db.execute(f"PRAGMA foreign_key_list([{t}])")] for t in sorted(tables)}


def check_references(w: Writer) -> None:
    """What PRAGMA foreign_key_check says of the whole file, for what the patch changed (the
    rest resolved in the previous build): every reference of a row inserted resolves, and no
    row refers to a key deleted and not inserted again."""
    for table, keys in w.inserted.items():
        cond = w.where(key_column(table), keys)
        for col, parent, pcol in w.references.get(table, []):
            if w.db.execute(f"SELECT 1 FROM [{table}] c WHERE {cond} AND c.[{col}] IS NOT NULL AND NOT EXISTS "
                            f"(SELECT 1 FROM [{parent}] p WHERE p.[{pcol}] = c.[{col}]) LIMIT 1").fetchone():
                raise BuildError("a broken reference")  # the full build that follows names it
    for parent, keys in w.deleted.items():
        gone = keys - w.inserted.get(parent, set())
        if not gone:
            continue
        for table, refs in w.references.items():
            for col, p, _ in refs:
                if p == parent and w.db.execute(f"SELECT 1 FROM [{table}] WHERE {w.where(col, gone)} LIMIT 1").fetchone():
                    raise BuildError("a broken reference")
