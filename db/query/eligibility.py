"""`msakb check`: can these devices go on this site, and if not, which rule says no.

For each device known for the utility (its current approvals, a family's approval applying
to each member), every rule of the utility that applies to the device is evaluated against
the site (db/query/conditions.py, three-valued). A device is `not_eligible` when a rule fails
(each failure cited: source, quote), `unknown` when no rule fails but some cannot be decided
(the site fields they need are named), and `eligible` when all of them hold. With no rules
encoded for a utility the answer is `unknown`, never `eligible`.
"""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path
from typing import Any

from msakb.db.query.conditions import Outcome, evaluate, site_fields
from msakb.errors import MsakbError, UnknownIdError


class SiteError(MsakbError):
    """A site option has a value of the wrong kind."""


def parse_site(raw: dict[str, Any]) -> dict[str, Any]:
    """Typed site values from option strings (None = not given). Bad values name the option."""
    out = {}
    for name, spec in site_fields().items():
        v = raw.get(name)
        if v is None or v == "":
            continue
        opt, kind = spec["option"], spec["type"]
        try:
            if kind in ("number", "integer"):
                out[name] = float(v) if kind == "number" else int(v)
                if not (math.isfinite(out[name]) and out[name] > 0):
                    raise SiteError(f"{opt}: {v!r} must be a finite number above zero")
            elif kind == "yes_no":
                s = str(v).strip().lower()
                if s not in ("yes", "no", "true", "false", "y", "n"):
                    raise ValueError
                out[name] = s in ("yes", "true", "y")
            elif kind == "choice":
                s = str(v).strip().lower()
                if s not in [str(c).lower() for c in spec["choices"]]:
                    raise SiteError(f"{opt}: {v!r} is not one of {', '.join(map(str, spec['choices']))}")
                out[name] = s
            else:
                out[name] = str(v).strip()
        except ValueError:
            what = {"yes_no": "yes or no", "integer": "a whole number"}.get(kind, "a number")
            raise SiteError(f"{opt}: {v!r} is not {what}") from None
    unknown = set(raw) - set(site_fields())
    if unknown:
        raise SiteError(f"unknown site fields {sorted(unknown)}; known: {', '.join(site_fields())}")
    return out


def _connect(db_path: Path) -> sqlite3.Connection:
    if not Path(db_path).exists():
        raise MsakbError(f"{db_path}: no knowledge base there; run `msakb build --db {db_path}` first")
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def known_devices(conn, utility: str) -> list[dict]:
    """Devices with a current approval at `utility`; a family's approval applies to each
    member (a family with no member in the knowledge base stands for itself)."""
    out: dict[str, dict] = {}
    for a in conn.execute(
        "SELECT a.id, a.device_id, a.status, a.status_text, a.source_id, d.is_family "
        "FROM current_approvals a JOIN devices d ON d.id = a.device_id WHERE a.utility_id = ? ORDER BY a.id",
        (utility,),
    ):
        members = [a["device_id"]]
        if a["is_family"]:
            members = [r[0] for r in conn.execute("SELECT id FROM devices WHERE family_id = ? ORDER BY id", (a["device_id"],))] or members
        for did in members:
            entry = out.setdefault(did, {"device_id": did, "approvals": []})
            entry["approvals"].append({
                "id": a["id"], "status": a["status"], "status_text": a["status_text"], "source_id": a["source_id"],
                "via_family": a["device_id"] if did != a["device_id"] else None,
            })
    return list(out.values())


def _device_row(conn, device_id: str) -> dict:
    d = dict(conn.execute("SELECT * FROM devices WHERE id = ?", (device_id,)).fetchone())
    if d.get("family_id"):
        fam = dict(conn.execute("SELECT * FROM devices WHERE id = ?", (d["family_id"],)).fetchone())
        d = {k: (v if v is not None else fam.get(k)) for k, v in d.items()}
    return d


def check(db_path: Path, site: dict[str, Any], utility: str | None = None, state: str | None = None,
          device: str | None = None) -> list[dict]:
    """One result per (utility, device): verdict, failures (cited), needs (fields by name)."""
    if not utility and not state:
        raise SiteError("give --utility or --state")
    conn = _connect(db_path)
    try:
        all_utils = {r["id"]: dict(r) for r in conn.execute("SELECT id, name, state FROM utilities")}
        if utility:
            if utility not in all_utils:
                raise UnknownIdError("utility", utility, list(all_utils))
            utils = [utility]
        else:
            states = {r[0] for r in conn.execute("SELECT code FROM states")}
            if state.upper() not in states:
                raise UnknownIdError("state", state, list(states))
            utils = [u for u, r in all_utils.items() if r["state"] == state.upper()]
        results = []
        for u in sorted(utils):
            devices = known_devices(conn, u)
            if device:
                family = dict(conn.execute("SELECT id, family_id FROM devices").fetchall())
                devices = [d for d in devices if device in (d["device_id"], family.get(d["device_id"]))]
            rules = [dict(r) for r in conn.execute(
                "SELECT r.*, s.title AS source_title, s.id IN (SELECT id FROM current_sources) AS current_edition "
                "FROM rules r JOIN sources s ON s.id = r.source_id "
                "WHERE r.utility_id = ? ORDER BY r.id", (u,))]
            for d in devices:
                results.append(_judge(conn, u, d, rules, site))
        if device and not results:
            known = {r[0] for r in conn.execute("SELECT device_id FROM current_approvals")}
            where = f"utility {utility}" if utility else f"state {state}"
            raise MsakbError(f"--device {device!r}: no current approval of it for {where}; devices with approvals: "
                             f"{', '.join(sorted(known))}")
        return results
    finally:
        conn.close()


def _judge(conn, utility: str, dev: dict, rules: list[dict], site: dict) -> dict:
    drow = _device_row(conn, dev["device_id"])
    applying = [r for r in rules if r["devices"] is None
                or {drow["id"], drow.get("family_id")} & set(json.loads(r["devices"]))]

    def get(name: str):
        if name.startswith("device."):
            return drow.get(name[len("device."):])
        return site.get(name)

    def lookup(table: str, column: str) -> list[dict]:
        cols = {c[1] for c in conn.execute(f"PRAGMA table_info([{table}])")}
        where, args = ("WHERE utility_id = ?", (utility,)) if "utility_id" in cols else ("", ())
        return [{"table": table, "id": r["id"], "value": r[column], "source_id": r["source_id"], "quote": r["quote"]}
                for r in conn.execute(f"SELECT * FROM [{table}] {where}", args)]

    failures, unknowns, passed, not_applicable = [], [], [], []
    for r in applying:
        when = Outcome(True)
        if r["when_condition"]:
            when = evaluate(json.loads(r["when_condition"]), get, lookup)
        if when.value is False:
            not_applicable.append(r["id"])
            continue
        req = evaluate(json.loads(r["condition"]), get, lookup)
        if req.value is True and when.value is True:
            passed.append(r["id"])
        elif req.value is False and when.value is True:
            failures.append({
                "rule": r["id"], "says": r["says"], "restriction_id": r["restriction_id"],
                "source_id": r["source_id"], "source_title": r["source_title"], "quote": r["quote"],
                "current_edition": bool(r["current_edition"]),
                "evidence": req.evidence + _device_evidence(conn, drow, r["fields"]),
            })
        else:
            unknowns.append({"rule": r["id"], "says": r["says"], "missing": sorted(when.missing | req.missing)})
    needed = sorted({f for u in unknowns for f in u["missing"]})
    if failures:
        verdict = "not_eligible"
    elif not applying:
        verdict = "unknown"
    elif unknowns:
        verdict = "unknown"
    else:
        verdict = "eligible"
    return {
        "utility_id": utility, "device_id": dev["device_id"], "device": drow.get("name") or dev["device_id"],
        "approvals": dev["approvals"], "verdict": verdict, "failures": failures,
        "needs": [_need(f) for f in needed], "undecided": unknowns, "passed": passed,
        "not_applicable": not_applicable,
        "note": None if applying else f"no eligibility rules are encoded for {utility} (kb/rules/)",
    }


# device column -> the specs quantity that states it (so a failure can quote the rating).
_SPEC_OF = {"meter_form": "meter_form", "rated_amps": "current", "volts": "voltage", "phase": "phase", "hertz": "frequency"}


def _device_evidence(conn, drow: dict, fields: str) -> list[dict]:
    """The specs rows that state the device values a rule read (current editions only)."""
    out = []
    for f in fields.split(", "):
        quantity = _SPEC_OF.get(f[len("device."):]) if f.startswith("device.") else None
        if quantity is None:
            continue
        row = conn.execute(
            "SELECT id, source_id, quote FROM current_specs WHERE device_id IN (?, ?) AND quantity = ? "
            "ORDER BY device_id != ?, id LIMIT 1",  # the model's own spec before its family's
            (drow["id"], drow.get("family_id") or drow["id"], quantity, drow["id"]),
        ).fetchone()
        if row:
            out.append({"table": "specs", "id": row["id"], "value": drow.get(f[len("device."):]),
                        "source_id": row["source_id"], "quote": row["quote"]})
    return out


def _need(name: str) -> dict:
    if name.startswith("device."):
        return {"field": name, "option": None,
                "help": f"the device's {name[7:]} is not in the knowledge base (no source states it)"}
    spec = site_fields()[name]
    return {"field": name, "option": spec["option"], "help": spec["help"]}
