"""What a proposal disagrees with: the facts of other sources on the same subject, found in
the built database when the queue is listed, so that a reviewer sees both quotes side by side
before accepting (`msakb review --source S`).

- a fact the build compares across sources (db/derive/conflict_checks.yaml: an approval's
  status for one utility and device, its family standing for each member; a fee; ...): the
  next build finds the conflict by that rule once the proposal is accepted;
- a utility's installation model: one utilities row per utility, so the next build records
  the accepted statement that differs as a conflict (db/pipeline/resolve.py, rule
  resolve:utilities.installation_model; a utility's own statement the row, a report a citation);
- an eligibility limit (service rating, meter form, phase, voltage): against the utility's
  eligibility rules (kb/rules) and the eligibility restrictions of other sources, read by the
  extractor's own limit reader. No build rule compares those: accepting the proposal records
  the conflict in kb/conflicts/review-<source>.yaml (`found_by: review`).

Editions of one list (same series) are history, not conflicts, as in the build.
"""

from __future__ import annotations

import json
import sqlite3

from msakb.db.derive.cross_conflicts import checks
from msakb.extract.candidates.fields import limits
from msakb.extract.shared.entities import entities_of

_LIMIT_LABELS = {"AMPS", "METER_FORM", "PHASE", "VOLTS"}


def _other(row: dict, **extra) -> dict:
    return {"other_source_id": row["source_id"], "other_quote": row["quote"], "other_char_start": row["char_start"],
            "other_char_end": row["char_end"], **extra}


def source_series(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT id, series FROM sources"))


def _family_ids(conn: sqlite3.Connection, device_id: str, support: list[dict]) -> set[str]:
    """The device, its family, and (for a family) its members."""
    ids = {device_id}
    new = [s["values"] for s in support if s["table"] == "devices" and s["values"].get("id") == device_id]
    fam = new[0].get("family_id") if new else None
    row = conn.execute("SELECT family_id FROM devices WHERE id = ?", (device_id,)).fetchone()
    fam = fam or (row[0] if row else None)
    if fam:
        ids.add(fam)
    ids |= {m for (m,) in conn.execute("SELECT id FROM devices WHERE family_id = ?", (device_id,))}
    return ids


def _by_rule(conn, c: dict, series: dict) -> list[dict]:
    table, values = c["table_name"], c["proposed"]
    spec = checks().get(table)
    if not spec or any(values.get(k) is None for k in spec["key"] if k != spec.get("families")):
        return []
    fam_col = spec.get("families")
    where, args = [], []
    for k in spec["key"]:
        if k == fam_col and values.get(k) is not None:
            ids = sorted(_family_ids(conn, values[k], c["support"]))
            where.append(f"[{k}] IN ({', '.join('?' * len(ids))})")
            args += ids
        else:
            where.append(f"[{k}] IS ?")
            args.append(values.get(k))
    out = []
    for r in conn.execute(f"SELECT * FROM [{table}] WHERE {' AND '.join(where)}", args):
        r = dict(r)
        if r["source_id"] == c["source_id"] or series.get(r["source_id"]) == series.get(c["source_id"]):
            continue
        for col in spec["compare"]:
            if values.get(col) is not None and r.get(col) is not None and values[col] != r[col]:
                out.append(_other(r, subject=f"{table}: {col}", field=col, proposed=values[col], existing=r[col],
                                  found_by="rule", rule=f"cross_conflicts:{table}.{col}"))
    return out


def _installation_model(conn, c: dict) -> list[dict]:
    v = c["proposed"]
    if c["table_name"] != "utilities" or not v.get("installation_model"):
        return []
    r = conn.execute("SELECT * FROM utilities WHERE id = ?", (v.get("id"),)).fetchone()
    if r is None or r["source_id"] == c["source_id"] or not r["installation_model"] or r["installation_model"] == v["installation_model"]:
        return []
    return [_other(dict(r), subject=f"utilities {v['id']}: installation_model", field="installation_model",
                   proposed=v["installation_model"], existing=r["installation_model"], found_by="rule",
                   rule="resolve:utilities.installation_model")]


def _bound(lim: dict):
    """A limit's upper bound (numbers) or allowed values (categories), for comparing two."""
    op, v = lim.get("op"), lim.get("value")
    if op in ("<=", "<", "equals"):
        return v
    if op == "between" and isinstance(v, list):
        return v[1]
    if op == "in" and isinstance(v, list):
        return sorted(map(str, v))
    return None


def _leaves(cond) -> list[dict]:
    if isinstance(cond, dict) and "field" in cond:
        return [cond]
    if isinstance(cond, dict):
        return [x for k in ("all", "any") for c in cond.get(k, []) for x in _leaves(c)]
    return []


def _limits(conn, c: dict) -> list[dict]:
    uid = c["proposed"].get("utility_id")
    mine = json.loads(c["fields"] or "{}").get("limits") if isinstance(c.get("fields"), str) else (c.get("fields") or {}).get("limits")
    if c["table_name"] != "restrictions" or not uid or not mine:
        return []
    existing: list[tuple[dict, dict, str]] = []  # (limit, row quoted, rule)
    for r in conn.execute("SELECT * FROM rules WHERE utility_id = ?", (uid,)):
        for leaf in _leaves(json.loads(r["condition"])):
            existing.append((leaf, dict(r), f"rule {r['id']} ({r['file']})"))
    for r in conn.execute("SELECT * FROM restrictions WHERE utility_id = ? AND category IN ('eligibility', 'disqualifier') "
                          "AND source_id != ?", (uid, c["source_id"])):
        if "?" in r["quote"]:
            continue  # a question and its answer ("Is there an MSA for a 400-amp service? No.") set no limit
        ents = [e for e in entities_of(r["quote"]) if e[0] in _LIMIT_LABELS]
        for leaf in limits(ents, r["quote"], 0, r["category"] == "disqualifier"):
            existing.append((leaf, dict(r), f"restriction {r['id']}"))
    out, seen = [], set()
    for lim in mine:
        for other, row, where in existing:
            if other["field"] != lim["field"] or row["source_id"] == c["source_id"]:
                continue
            a, b = _bound(lim), _bound(other)
            key = (lim["field"], row["source_id"], row["char_start"])
            if a is None or b is None or a == b or key in seen:
                continue
            seen.add(key)
            out.append(_other(row, subject=f"eligibility of {uid}: {lim['field']}", field=lim["field"],
                              proposed=f"{lim['op']} {lim['value']}", existing=f"{other['op']} {other['value']}",
                              found_by="review", rule=where))
    return out


def conflicts_of(conn: sqlite3.Connection, c: dict, series: dict[str, str] | None = None) -> list[dict]:
    """The facts of other sources a proposal (a candidate row, `proposed` and `support`
    decoded) disagrees with, each with its quote and how the build will know of it.
    `series`: every source's series (read once by a caller asking of many candidates)."""
    series = series if series is not None else source_series(conn)
    return _by_rule(conn, c, series) + _installation_model(conn, c) + _limits(conn, c)
