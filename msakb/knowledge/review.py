"""The review queue: list candidate facts (from the built database's `candidates` table),
accept, reject or edit them. Decisions go to kb/review/decisions.yaml (msakb/knowledge/decisions.py);
an accepted candidate also becomes annotations in kb/annotations/review-<source>.yaml (the
fact, with the rule that proposed it, and the mentions of the device or utility it names),
so the next `msakb build` has it as a fact whose quote it verifies."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import yaml

from msakb.db.store.models import ATTRIBUTION, FACT_TABLES
from msakb.errors import UnknownIdError
from msakb.knowledge.decisions import Decision, ReviewError, load_decisions, save_decisions, write_yaml

NOT_TARGETS = {"candidates", "citations", "conflicts", "approval_changes"}
_PROVENANCE = {"source_id", "quote", "char_start", "char_end", "rule"}


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
    for k in ("proposed", "entities", "support"):
        d[k] = json.loads(d[k]) if d.get(k) else ([] if k != "proposed" else {})
    return d


def pending(db_path: Path, kb: Path, source: str | None = None) -> list[dict]:
    """Candidates still to review: pending in the database and not decided since it was built
    (an edit made since shows its new values)."""
    decisions = load_decisions(kb)
    conn = _connect(db_path)
    try:
        sql = "SELECT * FROM candidates WHERE status = 'pending'" + (" AND source_id = ?" if source else "")
        rows = [_as_dict(r) for r in conn.execute(sql + " ORDER BY source_id, char_start, rule", (source,) if source else ())]
        if source and not rows and not conn.execute("SELECT 1 FROM sources WHERE id = ?", (source,)).fetchone():
            raise UnknownIdError("source", source, [s for (s,) in conn.execute("SELECT id FROM sources")])
    finally:
        conn.close()
    out = []
    for r in rows:
        d = decisions.get(r["id"])
        if d is not None and d.decision != "edited":
            continue
        if d is not None:
            r["table_name"], r["proposed"] = d.table or r["table_name"], {**r["proposed"], **d.values}
        out.append(r)
    return out


def parse_sets(sets: tuple[str, ...] | list[str]) -> dict:
    """['category=eligibility', 'rated_amps=200', 'device_id=null'] -> values."""
    out = {}
    for s in sets or ():
        if "=" not in s:
            raise ReviewError(f"--set {s!r}: expected field=value")
        k, v = s.split("=", 1)
        try:
            val = yaml.safe_load(v) if v.strip() else ""
        except yaml.YAMLError:
            val = v
        if isinstance(val, (dt.date, list, dict)):
            val = v
        out[k.strip()] = val
    return out


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
    fields = {k: f for k, f in model.model_fields.items() if k not in _PROVENANCE}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ReviewError(f"{table} has no column {', '.join(unknown)}; its columns: {', '.join(fields)}")
    # who states it defaults to the source's voice (db/pipeline/attribution.py); --set may say otherwise
    missing = [k for k, f in fields.items() if f.is_required() and values.get(k) is None and k not in ATTRIBUTION]
    if missing:
        raise ReviewError(f"a row of {table} needs {', '.join(missing)}: give it with "
                          + " ".join(f"--set {k}=..." for k in missing))
    for k, f in fields.items():
        fk = getattr(f, "foreign_key", None)
        v = values.get(k)
        if not isinstance(fk, str) or v is None:
            continue
        parent, col = fk.split(".")
        if any(s["table"] == parent and s["values"].get(col) == v for s in support):
            continue
        if not conn.execute(f"SELECT 1 FROM [{parent}] WHERE [{col}] = ?", (v,)).fetchone():
            raise ReviewError(f"{table}.{k} = {v!r}: no {parent} row has {col} {v!r} in the database; "
                              f"set another with --set {k}=...")


def _annotation_path(kb: Path, source: str) -> Path:
    return Path(kb) / "annotations" / f"review-{source}.yaml"


def _occurrence(text: str, quote: str, start: int) -> int | None:
    """Which occurrence of `quote` in `text` starts at `start` (None when it is the only one)."""
    n, i, found = 0, text.find(quote), None
    while i >= 0:
        n += 1
        if i == start:
            found = n
        i = text.find(quote, i + 1)
    if found is None:
        raise ReviewError(f"quote {quote[:50]!r} is not at offset {start} of its source: rebuild the database")
    return None if n == 1 else found


def _write_annotation(kb: Path, c: dict, table: str, values: dict, text: str) -> None:
    path = _annotation_path(kb, c["source_id"])
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    data = data or {"source": c["source_id"], "reviewed_by": "msakb review", "records": []}
    records = [r for r in data.get("records") or [] if r.get("candidate") != c["id"]]

    def record(tbl, vals, start, end, mention=False):
        quote = text[start:end]
        r = {"table": tbl, "quote": quote}
        occ = _occurrence(text, quote, start)
        if occ is not None:
            r["occurrence"] = occ
        r.update({"rule": c["rule"], "candidate": c["id"]})
        if mention:
            r["mention"] = True
        r["values"] = vals
        return r

    for s in c["support"]:
        records.append(record(s["table"], s["values"], s["char_start"], s["char_end"], mention=True))
    records.append(record(table, values, c["char_start"], c["char_end"]))
    data["records"] = records
    write_yaml(path, data, "# Facts accepted in review (msakb review accept); format: msakb/knowledge/annotations.py.\n")


def _drop_annotation(kb: Path, c: dict) -> None:
    path = _annotation_path(kb, c["source_id"])
    if not path.exists():
        return
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    data["records"] = [r for r in data.get("records") or [] if r.get("candidate") != c["id"]]
    if data["records"]:
        write_yaml(path, data, "# Facts accepted in review (msakb review accept); format: msakb/knowledge/annotations.py.\n")
    else:
        path.unlink()


def _decide(db_path: Path, kb: Path, cid: str, decision: str, table: str | None, sets: dict,
            reason: str | None = None) -> Decision:
    decisions = load_decisions(kb)
    conn = _connect(db_path)
    try:
        c = _candidate(conn, cid)
        prior = decisions.get(cid)
        base = {**c["proposed"], **(prior.values if prior and prior.decision != "rejected" else {})}
        table = table or (prior.table if prior and prior.table else c["table_name"])
        values = {**base, **sets}
        if decision == "accepted" or (decision == "edited" and prior and prior.decision == "accepted"):
            values = {"id": f"{c['source_id']}/{table}/review-{cid}", **{k: v for k, v in values.items() if k != "id"}}
            check_row(conn, table, values, c["support"])
            text = conn.execute("SELECT text FROM sources WHERE id = ?", (c["source_id"],)).fetchone()[0]
            _write_annotation(kb, c, table, values, text)
            decision = "accepted"
        elif decision == "rejected":
            _drop_annotation(kb, c)
    finally:
        conn.close()
    d = Decision(id=cid, source=c["source_id"], rule=c["rule"], quote=c["quote"], char_start=c["char_start"],
                 char_end=c["char_end"], decision=decision, table=None if decision == "rejected" else table,
                 values={} if decision == "rejected" else values, reason=reason, at=dt.date.today())
    decisions[cid] = d
    save_decisions(kb, decisions)
    return d


def accept(db_path: Path, kb: Path, cid: str, table: str | None = None, sets: dict | None = None) -> Decision:
    """Accept a candidate (optionally into another table, with values set): it becomes an
    annotation the next build reads as a fact, quote verified, rule kept."""
    return _decide(db_path, kb, cid, "accepted", table, sets or {})


def reject(db_path: Path, kb: Path, cid: str, reason: str | None = None) -> Decision:
    """Reject a candidate: it is not proposed again (and leaves the annotations if accepted)."""
    return _decide(db_path, kb, cid, "rejected", None, {}, reason)


def edit(db_path: Path, kb: Path, cid: str, table: str | None = None, sets: dict | None = None) -> Decision:
    """Change what a candidate proposes (table, values); an accepted one is rewritten."""
    if not table and not sets:
        raise ReviewError("edit: nothing to change; give --table and/or --set field=value")
    return _decide(db_path, kb, cid, "edited", table, sets or {})
