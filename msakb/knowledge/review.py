"""The review queue: list candidate facts (from the built database's `candidates` table),
grouped by the table they propose, each with the facts of other sources it disagrees with
(msakb/knowledge/review_conflicts.py); accept (one, several, or all of a source's proposals of a
table, with per-item overrides), reject or edit them. Decisions go to
kb/review/decisions.yaml (msakb/knowledge/decisions.py); an accepted candidate also becomes
annotations in kb/annotations/review-<source>.yaml (the fact, with the rule that proposed
it, and the mentions of the device or utility it names), so the next `msakb build` has it as
a fact whose quote it verifies; a disagreement no build rule finds is recorded beside it in
kb/conflicts/review-<source>.yaml (msakb/knowledge/review_files.py)."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from pathlib import Path

from msakb.db.store.models import ATTRIBUTION, FACT_TABLES
from msakb.errors import UnknownIdError
from msakb.knowledge.decisions import Decision, ReviewError, load_decisions, save_decisions
from msakb.knowledge.review_conflicts import conflicts_of, source_series
from msakb.knowledge.review_files import drop_accepted, write_accepted
from msakb.knowledge.table_values import BUILD_ONLY, FILLED, row_problem
from msakb.knowledge.yamlfile import DataFileError, parse_yaml

# the build's own tables, and conflicts: found by rule or written in kb/conflicts/, never an accepted proposal
NOT_TARGETS = BUILD_ONLY | {"conflicts"}
# Tables whose rows are things named by their own id (a utility, a device): an accepted
# proposal keeps that id, so it states a fact of the thing, not a row of its own.
_NAMED = {"utilities", "devices", "states", "standards", "manufacturers"}
# FKs the build fills itself: a utility's state row comes from the gazetteer (db/pipeline/resolve.py).
_DERIVED_FK = {("utilities", "state")}
_PER_ITEM = re.compile(r"^(c-[0-9a-f]{12}):(.+)$")


def _connect(db_path: Path) -> sqlite3.Connection:
    if not Path(db_path).exists():
        raise ReviewError(f"{db_path}: no database; build it first: msakb build --db {db_path}")
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name='candidates'").fetchone():
        raise ReviewError(f"{db_path}: has no candidates table; rebuild it: msakb build --db {db_path}")
    return conn


def _as_dict(row: sqlite3.Row) -> dict:
    d = dict(row)
    for k in ("proposed", "entities", "support", "fields"):
        d[k] = json.loads(d[k]) if d.get(k) else ({} if k in ("proposed", "fields") else [])
    return d


def pending(db_path: Path, kb: Path, source: str | None = None, table: str | None = None) -> list[dict]:
    """Candidates still to review, in source and text order: pending in the database and not
    decided since it was built (an edit made since shows its new values), each with the
    `conflicts` it has with other sources' facts."""
    decisions = load_decisions(kb)
    conn = _connect(db_path)
    try:
        sql = "SELECT * FROM candidates WHERE status = 'pending'" + (" AND source_id = ?" if source else "")
        rows = [_as_dict(r) for r in conn.execute(sql + " ORDER BY source_id, char_start, rule", (source,) if source else ())]
        if source and not rows and not conn.execute("SELECT 1 FROM sources WHERE id = ?", (source,)).fetchone():
            raise UnknownIdError("source", source, [s for (s,) in conn.execute("SELECT id FROM sources")])
        out, series = [], source_series(conn)
        for r in rows:
            d = decisions.get(r["id"])
            if d is not None and d.decision != "edited":
                continue
            if d is not None:
                r["table_name"], r["proposed"] = d.table or r["table_name"], {**r["proposed"], **d.values}
            if table and r["table_name"] != table:
                continue
            r["conflicts"] = conflicts_of(conn, r, series)
            out.append(r)
        return out
    finally:
        conn.close()


def _value(v: str):
    try:
        val = parse_yaml(v, "--set").data if v.strip() else ""
    except DataFileError:
        val = v
    return v if isinstance(val, (dt.date, list, dict)) else val


def parse_sets(sets: tuple[str, ...] | list[str]) -> tuple[dict, dict[str, dict]]:
    """['category=eligibility', 'c-1a2b3c4d5e6f:status=pilot'] -> (values for every item,
    {candidate id: values for that item})."""
    common: dict = {}
    per_item: dict[str, dict] = {}
    for s in sets or ():
        m = _PER_ITEM.match(s)
        target, text = (per_item.setdefault(m.group(1), {}), m.group(2)) if m else (common, s)
        if "=" not in text:
            raise ReviewError(f"--set {s!r}: expected field=value (or CANDIDATE_ID:field=value for one candidate)")
        k, v = text.split("=", 1)
        target[k.strip()] = _value(v)
    return common, per_item


def _candidate(conn: sqlite3.Connection, cid: str) -> dict:
    row = conn.execute("SELECT * FROM candidates WHERE id = ?", (cid,)).fetchone()
    if row is None:
        ids = [i for (i,) in conn.execute("SELECT id FROM candidates WHERE status = 'pending'")]
        raise UnknownIdError("candidate", cid, ids)
    return _as_dict(row)


def check_row(conn: sqlite3.Connection, table: str, values: dict, support: list[dict]) -> None:
    """The row fits its table: known columns, required ones given, references resolvable
    (in the database, or created by a mention the candidate carries)."""
    model = FACT_TABLES.get(table)
    if model is None or table in NOT_TARGETS:
        raise ReviewError(f"--table {table!r} is not a fact table; choose one of: "
                          f"{', '.join(sorted(set(FACT_TABLES) - NOT_TARGETS))}")
    fields = {k: f for k, f in model.model_fields.items() if k not in FILLED}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ReviewError(f"{table} has no column {', '.join(unknown)}; its columns: {', '.join(fields)}")
    # who states it defaults to the source's voice (db/pipeline/attribution.py); --set may say otherwise
    missing = [k for k, f in fields.items() if f.is_required() and values.get(k) is None and k not in ATTRIBUTION]
    if missing:
        raise ReviewError(f"a row of {table} needs {', '.join(missing)}: give it with "
                          + " ".join(f"--set {k}=..." for k in missing))
    problem = row_problem(table, values)  # a value of the wrong kind: the next build would refuse it
    if problem is not None:
        raise ReviewError(problem)
    for k, f in fields.items():
        fk = getattr(f, "foreign_key", None)
        v = values.get(k)
        if not isinstance(fk, str) or v is None or (table, k) in _DERIVED_FK:
            continue
        parent, col = fk.split(".")
        if any(s["table"] == parent and s["values"].get(col) == v for s in support):
            continue
        if parent == "states" and any(s["table"] == "utilities" and s["values"].get("state") == v for s in support):
            continue  # a utility's state row: the build makes it from the utility the fact names
        if not conn.execute(f"SELECT 1 FROM [{parent}] WHERE [{col}] = ?", (v,)).fetchone():
            raise ReviewError(f"{table}.{k} = {v!r}: no {parent} row has {col} {v!r} in the database; "
                              f"set another with --set {k}=...")


def select(db_path: Path, kb: Path, source: str, table: str | None = None, kind: str | None = None,
           excluding: tuple[str, ...] = ()) -> list[str]:
    """The ids of a source's pending candidates (of one table or kind), but those excluded."""
    rows = pending(db_path, kb, source, table)
    unknown = sorted(set(excluding) - {r["id"] for r in rows})
    if unknown:
        raise ReviewError(f"--except {unknown[0]}: not a pending candidate of {source}"
                          + (f" in {table}" if table else ""))
    return [r["id"] for r in rows if (kind is None or r["kind"] == kind) and r["id"] not in excluding]


def _row_values(c: dict, table: str, values: dict) -> dict:
    if table in _NAMED and values.get("id"):
        return values
    return {"id": f"{c['source_id']}/{table}/review-{c['id']}", **{k: v for k, v in values.items() if k != "id"}}


def accept_many(db_path: Path, kb: Path, ids: list[str], table: str | None = None, common: dict | None = None,
                per_item: dict[str, dict] | None = None) -> list[Decision]:
    """Accept candidates: each becomes an annotation the next build reads as a fact, quote
    verified, rule kept; a conflict only review finds is recorded with it. All or none:
    a candidate whose row does not fit its table stops the whole batch, naming it."""
    per_item = per_item or {}
    stray = sorted(set(per_item) - set(ids))
    if stray:
        raise ReviewError(f"--set {stray[0]}:...: {stray[0]} is not among the candidates accepted")
    decisions = load_decisions(kb)
    conn = _connect(db_path)
    try:
        accepted, texts, series = [], {}, source_series(conn)
        for cid in ids:
            c = _candidate(conn, cid)
            prior = decisions.get(cid)
            base = {**c["proposed"], **(prior.values if prior and prior.decision != "rejected" else {})}
            target = table or (prior.table if prior and prior.table else c["table_name"])
            values = _row_values(c, target, {**base, **(common or {}), **per_item.get(cid, {})})
            try:
                check_row(conn, target, values, c["support"])
            except ReviewError as e:
                raise ReviewError(f"{cid}: {e}" if len(ids) > 1 else str(e)) from None
            found = [x for x in conflicts_of(conn, {**c, "table_name": target, "proposed": values}, series) if x["found_by"] == "review"]
            for sid in {c["source_id"], *(x["other_source_id"] for x in found)} - set(texts):
                texts[sid] = conn.execute("SELECT text FROM sources WHERE id = ?", (sid,)).fetchone()[0]
            accepted.append((c, target, values, found))
    finally:
        conn.close()
    write_accepted(kb, accepted, texts)
    out = []
    for c, target, values, _ in accepted:
        d = Decision(id=c["id"], source=c["source_id"], rule=c["rule"], quote=c["quote"], char_start=c["char_start"],
                     char_end=c["char_end"], decision="accepted", table=target, values=values, at=dt.date.today())
        decisions[c["id"]] = d
        out.append(d)
    save_decisions(kb, decisions)
    return out


def accept(db_path: Path, kb: Path, cid: str, table: str | None = None, sets: dict | None = None) -> Decision:
    """Accept one candidate (optionally into another table, with values set)."""
    return accept_many(db_path, kb, [cid], table, sets)[0]


def reject(db_path: Path, kb: Path, cid: str, reason: str | None = None) -> Decision:
    """Reject a candidate: it is not proposed again (and leaves the annotations if accepted)."""
    decisions = load_decisions(kb)
    conn = _connect(db_path)
    try:
        c = _candidate(conn, cid)
    finally:
        conn.close()
    drop_accepted(kb, c)
    d = Decision(id=cid, source=c["source_id"], rule=c["rule"], quote=c["quote"], char_start=c["char_start"],
                 char_end=c["char_end"], decision="rejected", table=None, values={}, reason=reason, at=dt.date.today())
    decisions[cid] = d
    save_decisions(kb, decisions)
    return d


def edit(db_path: Path, kb: Path, cid: str, table: str | None = None, sets: dict | None = None) -> Decision:
    """Change what a candidate proposes (table, values); an accepted one is rewritten."""
    if not table and not sets:
        raise ReviewError("edit: nothing to change; give --table and/or --set field=value")
    decisions = load_decisions(kb)
    prior = decisions.get(cid)
    if prior is not None and prior.decision == "accepted":
        return accept(db_path, kb, cid, table, sets)
    conn = _connect(db_path)
    try:
        c = _candidate(conn, cid)
    finally:
        conn.close()
    base = {**c["proposed"], **(prior.values if prior and prior.decision == "edited" else {})}
    target = table or (prior.table if prior and prior.table else c["table_name"])
    d = Decision(id=cid, source=c["source_id"], rule=c["rule"], quote=c["quote"], char_start=c["char_start"],
                 char_end=c["char_end"], decision="edited", table=target, values={**base, **(sets or {})}, at=dt.date.today())
    decisions[cid] = d
    save_decisions(kb, decisions)
    return d
