"""The writes of an incremental build (db/patch.py) on the copy of the previous database: the
changed sources' rows, the rows of the keys resolved again, each deriver's rows where what it
reads changed, the post-write steps on the rows written, and the checks.

Each build step of db/hooks.py has its incremental form here; a step not in KNOWN makes the
build a full one (db/patch.py), so a new deriver is never skipped silently.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict

from msakb.db.pipeline.checks import verify_quote
from msakb.db.pipeline.fingerprints import build_info
from msakb.db.derive import candidates, cross_conflicts, history, labels, reviewed_conflicts, rules
from msakb.db.store.columns import SEARCHABLE, fts_table
from msakb.db.store import models
from msakb.db.store.write import insert_rows, source_row
from msakb.errors import BuildError

KNOWN = {
    "msakb.db.derive.rules.derive_rules", "msakb.db.derive.history.derive_changes", "msakb.db.derive.candidates.derive",
    "msakb.db.derive.cross_conflicts.derive_conflicts", "msakb.db.derive.reviewed_conflicts.derive_reviewed",
    "msakb.db.derive.labels.device_names", "msakb.db.derive.fts.enable_search", "msakb.db.derive.history.current_views",
}
OTHER_SIDE = ("other_source_id", "other_quote", "other_char_start", "other_char_end")


def _key(table: str) -> str:
    return "code" if table == "states" else "id"


class Writer:
    """Deletes and inserts that keep the full-text indexes in step (their content is the
    table: a row deleted is first deleted from its index, a row inserted is indexed at the end)."""

    def __init__(self, db: sqlite3.Connection, texts: dict[str, str]):
        self.db, self.texts = db, texts
        self.inserted: dict[str, set] = defaultdict(set)
        db.execute("CREATE TEMP TABLE patch_del (k TEXT)")

    def where(self, table: str, col: str, values) -> str:
        self.db.execute("DELETE FROM patch_del")
        self.db.executemany("INSERT INTO patch_del VALUES (?)", [(v,) for v in values])
        return f"[{col}] IN (SELECT k FROM patch_del)"

    def delete(self, table: str, cond: str, params=()) -> int:
        if table in SEARCHABLE:
            cols = ", ".join(f"[{c}]" for c in SEARCHABLE[table])
            fts = fts_table(table)
            self.db.execute(f"INSERT INTO [{fts}] ([{fts}], rowid, {cols}) SELECT 'delete', rowid, {cols} "
                            f"FROM [{table}] WHERE {cond}", params)
        return self.db.execute(f"DELETE FROM [{table}] WHERE {cond}", params).rowcount

    def delete_keys(self, table: str, values) -> int:
        values = set(values)
        return self.delete(table, self.where(table, _key(table), values)) if values else 0

    def insert(self, table: str, rows: list[dict]) -> None:
        """Insert rows (their quotes checked first, both sides of a conflict or change)."""
        if table in models.FACT_TABLES:
            for r in rows:
                verify_quote(table, r.get(_key(table)), r.get("source_id"), r.get("quote"), r.get("char_start"),
                             r.get("char_end"), self.texts)
                if r.get("other_source_id") is not None:
                    verify_quote(f"{table} (other side)", r.get("id"), *(r.get(c) for c in OTHER_SIDE), self.texts)
        insert_rows(self.db, table, rows)
        if table in SEARCHABLE:
            self.inserted[table] |= {r["id"] for r in rows}

    def select(self, table: str, cond: str = "1", params=()) -> list[dict]:
        cur = self.db.execute(f"SELECT * FROM [{table}] WHERE {cond} ORDER BY rowid", params)
        names = [c[0] for c in cur.description]
        return [dict(zip(names, r)) for r in cur]

    def index_inserted(self) -> None:
        for table, keys in self.inserted.items():
            cols = ", ".join(f"[{c}]" for c in SEARCHABLE[table])
            cond = self.where(table, "id", keys)
            self.db.execute(f"INSERT INTO [{fts_table(table)}] (rowid, {cols}) SELECT rowid, {cols} FROM [{table}] "
                            f"WHERE {cond}")


def _differing_sources(old_out: dict, new_out: dict) -> set:
    """Sources whose rows differ before and after the keys were resolved again. A key resolved
    again often gives the very same row (another source's record of a shared device, say):
    its source's derived rows (candidates) need no redoing."""
    out = set()
    for table in set(old_out) | set(new_out):
        k = _key(table)
        old = {r[k]: r for r in old_out.get(table, [])}
        new = {r[k]: r for r in new_out.get(table, [])}
        for key in old.keys() | new.keys():
            a, b = old.get(key), new.get(key)
            if a != b:
                out.update(r["source_id"] for r in (a, b) if r)
    return out


def apply(db, kb, docs, order, changed: set, removed: set, old_out: dict, new_out: dict, index: dict,
          texts: dict) -> dict[str, int]:
    """Patch `db` (a copy of the previous database) into what a full build gives; the rows
    per table (as a full build reports them)."""
    w = Writer(db, texts)
    ph = lambda xs: ",".join("?" * len(xs))  # noqa: E731
    meta = {s: (se, a) for s, se, a in db.execute(
        f"SELECT id, series, as_of FROM sources WHERE id IN ({ph(changed)})", sorted(changed))}
    w.delete_keys("sources", changed | removed)
    w.insert("sources", [source_row(docs[s]) for s in order if s in changed])

    # the keys resolved again: the rows they had, then the rows they have
    for table, rows in old_out.items():
        ids = {r[_key(table)] for r in rows}
        if w.delete_keys(table, ids) != len(ids):
            raise BuildError(f"the previous database does not hold the {table} rows of its records")
    for table, rows in new_out.items():
        w.insert(table, rows)
    written = _differing_sources(old_out, new_out)
    tables = set(old_out) | set(new_out)

    # rules: every rule, against the rows it names
    files = rules.load_rule_files(kb / "rules")
    refs = sorted({r.restriction for _, rf in files for r in rf.rules})
    w.delete("rules", "1")
    if files:
        rows = {"restrictions": w.select("restrictions", f"id IN ({ph(refs)})", refs),
                "utilities": w.select("utilities"), "devices": w.select("devices")}
        w.insert("rules", rules.derive_rules(rows, [], kb).get("rules", []))

    # history: the series of every source whose approvals may have changed
    srcs = changed | removed | {r["source_id"] for out in (old_out, new_out) for r in out.get("approvals", [])}
    series = {index["series"][s] for s in srcs if s in index["series"]} | {docs[s].entry.series for s in srcs if s in docs}
    if series:
        w.delete("approval_changes", f"series IN ({ph(series)})", sorted(series))
        eds = [docs[s] for s in order if docs[s].entry.series in series]
        ids = [d.id for d in eds]
        rows = {"approvals": w.select("approvals", f"source_id IN ({ph(ids)})", ids)} if ids else {}
        w.insert("approval_changes", history.derive_changes(rows, eds, kb).get("approval_changes", []))

    # candidates: those of every source whose rows changed (a candidate is covered by its source's rows)
    srcs = (changed | written) - removed
    w.delete("candidates", w.where("candidates", "source_id", srcs | removed))
    if srcs:
        ids = sorted(srcs)
        rows = {t: w.select(t, f"source_id IN ({ph(ids)})", ids) for t in models.FACT_TABLES
                if t not in ("candidates", "conflicts", "citations")}
        rows["conflicts"] = [r for r in w.select("conflicts", f"source_id IN ({ph(ids)})", ids)
                             if not r["rule"].startswith(("cross_conflicts:", "kb/conflicts/"))]
        rows["citations"] = w.select("citations", f"source_id IN ({ph(ids)})", ids)
        w.insert("candidates", candidates.derive(rows, [docs[s] for s in order if s in srcs], kb)["candidates"])

    # conflicts between sources: again, when a compared row, a device, or a source's date or series changed
    checked = set(cross_conflicts.checks())
    all_docs = [docs[s] for s in order]
    dated = any(meta.get(s) != (docs[s].entry.series, docs[s].entry.as_of.isoformat() if docs[s].entry.as_of else None)
                for s in changed if s in meta)
    family_of = lambda out: {d["id"]: d.get("family_id") for d in out.get("devices", [])}  # noqa: E731
    if removed or (changed - set(meta)) or dated or family_of(old_out) != family_of(new_out):
        w.delete("conflicts", "rule LIKE 'cross_conflicts:%' AND id LIKE 'conflict/across/%'")
        rows = {t: w.select(t) for t in checked}
        rows["devices"] = w.select("devices")
        w.insert("conflicts", cross_conflicts.derive_conflicts(rows, all_docs, kb).get("conflicts", []))
    elif tables & checked:  # only the facts of the rows resolved again
        _redo_cross_conflicts(w, old_out, new_out, all_docs, kb)
    w.delete("conflicts", "rule LIKE 'kb/conflicts/%' AND id LIKE 'conflict/reviewed/%'")
    w.insert("conflicts", reviewed_conflicts.derive_reviewed({}, all_docs, kb).get("conflicts", []))

    # post-write: device names of the devices written, their full-text entries; the checks
    new_devices = w.inserted.get("devices", set())
    if new_devices:
        for r in w.select("devices", w.where("devices", "id", new_devices)):
            db.execute("UPDATE devices SET name = ? WHERE id = ?",
                       (labels.device_name(r["manufacturer"], r["product"], r["model"]), r["id"]))
    w.index_inserted()
    check(w, changed)
    db.execute("DELETE FROM build_info")
    insert_rows(db, "build_info", [{"key": k, "value": v} for k, v in build_info(all_docs, kb).items()])
    counts = {}
    for table in models.FACT_TABLES:
        n = db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]
        if n or table == "candidates":
            counts[table] = n
    return counts


def _redo_cross_conflicts(w: Writer, old_out: dict, new_out: dict, all_docs, kb) -> None:
    """The cross-source conflicts of the facts whose rows were resolved again (before or
    after), from every row stating those facts; a conflict's id depends on its fact alone."""
    checks = cross_conflicts.checks()
    devices = w.select("devices", "family_id IS NOT NULL")
    members = cross_conflicts.family_members(devices)
    family_of = {d["id"]: d["family_id"] for d in devices}
    only = {t: {k for out in (old_out, new_out) for r in out.get(t, []) for k in cross_conflicts.group_keys(r, spec, members)}
            for t, spec in checks.items()}
    subjects, rows = [], {"devices": devices}
    for table, facts in only.items():
        if not facts:
            continue
        spec = checks[table]
        subjects += [cross_conflicts.subject(table, spec, k, col) for k in facts for col in spec["compare"]]
        conds, params = [], []
        for i, col in enumerate(spec["key"]):  # rows agreeing with a fact on each column (a superset)
            values = {k[i] for k in facts}
            if col == spec.get("families"):
                values |= {family_of[v] for v in values if v in family_of}
            conds.append(f"[{col}] IN ({','.join('?' * len(values))})")
            params += sorted(values, key=str)
        rows[table] = w.select(table, " AND ".join(conds), params)
    w.delete("conflicts", f"rule LIKE 'cross_conflicts:%' AND {w.where('conflicts', 'subject', subjects)}")
    w.insert("conflicts", cross_conflicts.derive_conflicts(rows, all_docs, kb, only).get("conflicts", []))


def check(w: Writer, changed: set) -> None:
    """The quotes of the rows kept of a changed source (rows written were checked as written);
    every foreign key."""
    ids = sorted(changed)
    ph = ",".join("?" * len(ids))
    for table in models.FACT_TABLES:
        key = _key(table)
        for row in w.db.execute(f"SELECT [{key}], source_id, quote, char_start, char_end FROM [{table}] "
                                f"WHERE source_id IN ({ph})", ids):
            verify_quote(table, *row, w.texts)
        if "other_source_id" in models.FACT_TABLES[table].model_fields:
            for row in w.db.execute(f"SELECT id, {', '.join(OTHER_SIDE)} FROM [{table}] "
                                    f"WHERE other_source_id IN ({ph})", ids):
                verify_quote(f"{table} (other side)", *row, w.texts)
    if w.db.execute("PRAGMA foreign_key_check").fetchone():
        raise BuildError("a broken reference")  # the full build that follows names it
