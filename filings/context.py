"""What every filing's context shares: settings, the scope (a utility or a state), and the
restrictions and statements that apply within it, each carrying its citation number.

All functions read the knowledge base and return plain dicts and lists; none writes anything.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import yaml

from msakb.errors import FilingError
from msakb.filings.kb import Citations, Kb

SETTINGS = Path(__file__).resolve().parent / "templates" / "filings.yaml"


@lru_cache(maxsize=2)
def _load(path: str, mtime: float) -> dict:
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise FilingError(f"{path}: not valid YAML: {e}") from None


def settings(path: Path = SETTINGS) -> dict:
    """filings/templates/filings.yaml (re-read when it changes)."""
    return _load(str(path), path.stat().st_mtime)


def scope(kb: Kb, utility: str | None, state: str | None, need: bool = True) -> dict:
    """The utility and/or state a filing is about; a state defaults to the utility's own."""
    if utility is None and state is None:
        if need:
            raise FilingError("name a utility (--utility ID) or a state (--state XX)")
        return {"utility": None, "state": None}
    u = kb.utility(utility) if utility else None
    code = state or (u and u["state"])
    s = kb.state(code) if code else None
    if u and s and u["state"] and u["state"] != s["code"]:
        raise FilingError(f"utility {u['id']!r} is in {u['state']}, not in --state {s['code']}")
    return {"utility": u, "state": s}


def names(kb: Kb, table: str, ids) -> dict[str, str]:
    """id -> name of the rows of `table` (utilities, devices) with those ids."""
    wanted = json.dumps(sorted({i for i in ids if i}))
    return {r["id"]: r["name"] for r in kb.rows(f"SELECT id, name FROM {table} WHERE id IN (SELECT value FROM json_each(?))", wanted)}


def applies(row: dict, where: dict, device_id: str | None = None) -> bool:
    """Does a row (with utility_id/state/device_id) apply within the scope?"""
    u, s = where["utility"], where["state"]
    if device_id and row.get("device_id") not in (None, device_id):
        return False
    if row.get("utility_id"):
        if u is not None:
            return row["utility_id"] == u["id"]
        return s is not None and row.get("_utility_state") == s["code"]
    if row.get("state"):
        return s is not None and row["state"] == s["code"]
    return u is None and s is None


def restrictions(kb: Kb, cites: Citations, where: dict, categories: list[str] | None = None,
                 device_id: str | None = None) -> list[dict]:
    """The restrictions in scope, in settings order of category, each with its citation(s)."""
    u_id, s_code = where["utility"] and where["utility"]["id"], where["state"] and where["state"]["code"]
    # The SQL keeps the rows that can apply (the utility's or its state's, and those of no
    # utility); `applies` decides. Reading every restriction of a national corpus (126,000)
    # to keep a utility's few hundred took most of a filing's time.
    # Three index look-ups, not one OR that SQLite answers by scanning the table (80 ms).
    rows = [r for r in kb.rows(
        "SELECT r.*, u.state AS _utility_state FROM restrictions r LEFT JOIN utilities u ON u.id = r.utility_id "
        "WHERE r.id IN (SELECT id FROM restrictions WHERE utility_id = ?1 "
        "UNION ALL SELECT id FROM restrictions WHERE ?1 IS NULL AND utility_id IN (SELECT id FROM utilities WHERE state = ?2) "
        "UNION ALL SELECT id FROM restrictions WHERE (utility_id IS NULL OR utility_id = '') AND coalesce(state, '') IN ('', ?2)) "
        "ORDER BY r.source_id, r.char_start, r.id", u_id, s_code)
        if applies(r, where, device_id) and not (categories and r["category"] not in categories)]
    order = list(settings().get("categories", {}))
    unames = names(kb, "utilities", (r["utility_id"] for r in rows))
    dnames = names(kb, "devices", (r["device_id"] for r in rows))
    also = {}
    for c in kb.rows("SELECT * FROM citations WHERE table_name = 'restrictions' "
                     "AND row_id IN (SELECT value FROM json_each(?)) ORDER BY id", json.dumps([r["id"] for r in rows])):
        also.setdefault(c["row_id"], []).append(c)
    out = []
    for r in rows:
        item = cites.cite(r)
        item["also_cited"] = [cites.add(c) for c in also.get(r["id"], [])]
        item["utility_name"] = unames.get(r["utility_id"]) if r["utility_id"] else None
        item["device_name"] = dnames.get(r["device_id"]) if r["device_id"] else None
        item["needs_justification"] = not (r["justification"] or "").strip()
        item["stated_by"] = reported_by(kb, r["source_id"])
        out.append(item)
    rank = {c: i for i, c in enumerate(order)}
    out.sort(key=lambda r: (rank.get(r["category"], len(rank)), r["category"]))
    return out


def reported_by(kb: Kb, source_id: str) -> str | None:
    """'KiloWire, an installer' when the source reports a rule rather than sets it (its
    manifest `voice` is not utility or regulator); None for a utility's or regulator's own."""
    src = kb.rows("SELECT publisher, voice FROM sources WHERE id = ?", source_id)[0]
    voices = settings().get("reporting_voices", {})
    return f"{src['publisher']}, {voices[src['voice']]}" if src["voice"] in voices else None


def grouped(rows: list[dict]) -> list[dict]:
    """Restrictions grouped by category: [{category, heading, restrictions}]."""
    labels = settings().get("categories", {})
    groups: dict[str, list] = {}
    for r in rows:
        groups.setdefault(r["category"], []).append(r)
    return [{"category": c, "heading": labels.get(c, c.replace("_", " ").capitalize()), "restrictions": rs}
            for c, rs in groups.items()]


def statements(kb: Kb, cites: Citations, where: dict, topics: list[str], device_id: str | None = None) -> dict:
    """For each topic: the statements in scope ('here') and those made elsewhere ('elsewhere'),
    the latter for reference only and labelled with whom they come from."""
    rows = kb.rows(
        "SELECT s.*, u.state AS _utility_state FROM statements s "
        "LEFT JOIN utilities u ON u.id = s.utility_id ORDER BY s.source_id, s.char_start, s.id"
    )
    unames = names(kb, "utilities", (r["utility_id"] for r in rows))
    dnames = names(kb, "devices", (r["device_id"] for r in rows))
    out = {t: {"topic": t, "here": [], "elsewhere": []} for t in topics}
    for r in rows:
        if r["topic"] not in out:
            continue
        item = cites.cite(r)
        item["utility_name"] = unames.get(r["utility_id"]) if r["utility_id"] else None
        item["device_name"] = dnames.get(r["device_id"]) if r["device_id"] else None
        item["who"] = item["utility_name"] or r["state"] or "general"
        general = not r["utility_id"] and not r["state"]
        key = "here" if applies(r, where, device_id) or (general and _device_ok(r, device_id)) else "elsewhere"
        out[r["topic"]][key].append(item)
    return out


def _device_ok(row: dict, device_id: str | None) -> bool:
    return device_id is None or row.get("device_id") in (None, device_id)


def lifespans(kb: Kb, cites: Citations, device: dict | None) -> list[dict]:
    """Expected lifespans the sources give, for the device's maker when a device is named."""
    rows = kb.rows("SELECT * FROM lifespans ORDER BY manufacturer, id")
    if device is not None:
        maker = (device["manufacturer"] or "").lower()
        rows = [r for r in rows if r.get("device_id") == device["id"] or (r["manufacturer"] or "").lower() == maker]
    return [cites.cite(r) for r in rows]


def party(where: dict) -> dict:
    """Names for the template: who the filing is for."""
    u, s = where["utility"], where["state"]
    return {
        "utility": u,
        "state": s,
        "scope_name": u["name"] if u else (s["name"] if s else "all jurisdictions"),
    }
