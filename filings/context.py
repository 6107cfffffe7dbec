"""What every filing's context shares: settings, the scope (a utility or a state), and the
restrictions and statements that apply within it, each with its footnote and with who
states it. All functions read the knowledge base and return plain dicts and lists.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from msakb.errors import FilingError
from msakb.filings.attribution import Speakers
from msakb.filings.kb import Citations, Kb
from msakb.filings.markup import plain
from msakb.filings.settings_file import FilingsSettings
from msakb.knowledge.yamlfile import DataFileError, load_yaml

SETTINGS = Path(__file__).resolve().parent / "templates" / "filings.yaml"


@lru_cache(maxsize=2)
def _load(path: str, mtime: float) -> dict:
    try:
        doc = load_yaml(Path(path))
    except DataFileError as e:
        raise FilingError(str(e)) from None
    if doc.data is not None:
        doc.validate(FilingsSettings, FilingError)  # filings/settings_file.py; then used as written
    return doc.data or {}


def settings(path: Path | None = None) -> dict:
    """filings/templates/filings.yaml (re-read when it changes)."""
    path = Path(path or SETTINGS)
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
    """id -> plain name of the rows of `table` (utilities, devices) with those ids."""
    wanted = json.dumps(sorted({i for i in ids if i}))
    return {r["id"]: plain(r["name"]) for r in kb.rows(
        f"SELECT id, name FROM {table} WHERE id IN (SELECT value FROM json_each(?))", wanted)}


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


def restriction_rows(kb: Kb, where: dict, categories: list[str] | None = None,
                     device_id: str | None = None) -> list[dict]:
    """The restriction rows in scope, in source order."""
    u_id, s_code = where["utility"] and where["utility"]["id"], where["state"] and where["state"]["code"]
    # Three index look-ups, not one OR that SQLite answers by scanning the table: a national
    # corpus has 126,000 restrictions and a utility a few hundred.
    return [r for r in kb.rows(
        "SELECT r.*, u.state AS _utility_state FROM restrictions r LEFT JOIN utilities u ON u.id = r.utility_id "
        "WHERE r.id IN (SELECT id FROM restrictions WHERE utility_id = ?1 "
        "UNION ALL SELECT id FROM restrictions WHERE ?1 IS NULL AND utility_id IN (SELECT id FROM utilities WHERE state = ?2) "
        "UNION ALL SELECT id FROM restrictions WHERE (utility_id IS NULL OR utility_id = '') AND coalesce(state, '') IN ('', ?2)) "
        "ORDER BY r.source_id, r.char_start, r.id", u_id, s_code)
        if applies(r, where, device_id) and not (categories and r["category"] not in categories)]


def category_rank() -> dict[str, int]:
    return {c: i for i, c in enumerate(settings().get("categories", {}))}


def heading(category: str) -> str:
    return settings().get("categories", {}).get(category, category.replace("_", " ").capitalize())


def items(kb: Kb, cites: Citations, speakers: Speakers, rows: list[dict]) -> list[dict]:
    """Fact rows as the items a template lists: text without markup, footnote, who states it,
    the conflicts found on its passage. A row carrying `_also` (restatements) or `_children`
    (a list it introduces) brings them along."""
    from msakb.filings.conflicts import conflicts_of

    unames = names(kb, "utilities", (r.get("utility_id") for r in rows))
    dnames = names(kb, "devices", (r.get("device_id") for r in rows))
    out = []
    for r in rows:
        also = r.get("_also", [])
        item = {**r, "text": plain(r.get("text")), "quote_text": plain(r.get("quote")), "fn": cites.add(r, *also),
                "utility_name": unames.get(r.get("utility_id") or "") or None,
                "device_name": dnames.get(r.get("device_id") or "") or None,
                "speaker": speakers.of(r)["speaker"], "reported_by": speakers.label(r),
                "conflicts": conflicts_of(kb, cites, [r, *also]),
                "also": [{"heading": heading(a["category"]), "text": plain(a["text"])} for a in also
                         if a.get("category") and a.get("category") != r.get("category")],
                "children": [{"text": plain(c["_child_text"]), "fn": cites.add(c, *c.get("_also", []))}
                             for c in r.get("_children", [])]}
        justification = (r.get("justification") or "").strip()
        item["justification"] = justification
        item["needs_justification"] = not justification
        out.append(item)
    return out


def grouped(rows: list[dict]) -> list[dict]:
    """Items grouped by category in settings order: [{category, heading, number, rows}]."""
    rank = category_rank()
    groups: dict[str, list] = {}
    for r in sorted(rows, key=lambda r: (rank.get(r["category"], len(rank)), r["category"])):
        groups.setdefault(r["category"], []).append(r)
    return [{"category": c, "heading": heading(c), "number": n, "rows": rs}
            for n, (c, rs) in enumerate(groups.items(), 1)]


def statements(kb: Kb, where: dict, topics: list[str], device_id: str | None = None) -> dict[str, list[dict]]:
    """Statement rows on each topic that apply within the scope (or to no place at all)."""
    rows = kb.rows(
        "SELECT s.*, u.state AS _utility_state FROM statements s "
        "LEFT JOIN utilities u ON u.id = s.utility_id ORDER BY s.source_id, s.char_start, s.id"
    )
    out: dict[str, list[dict]] = {t: [] for t in topics}
    for r in rows:
        if r["topic"] not in out:
            continue
        general = not r["utility_id"] and not r["state"]
        if applies(r, where, device_id) or (general and device_id in (None, r.get("device_id"))):
            out[r["topic"]].append(r)
    return out


def lifespans(kb: Kb, device: dict | None) -> list[dict]:
    """Expected lifespans the sources give, for the device's maker when a device is named."""
    rows = kb.rows("SELECT * FROM lifespans ORDER BY manufacturer, id")
    if device is not None:
        maker = (device["manufacturer"] or "").lower()
        rows = [r for r in rows if r.get("device_id") == device["id"] or (r["manufacturer"] or "").lower() == maker]
    return [{**r, "text": f"{r['manufacturer']}: {r['text']}"} if r.get("manufacturer") and not
            r["text"].lower().startswith(r["manufacturer"].lower()) else r for r in rows]


def utility_rows(kb: Kb, table: str, utility: dict | None) -> list[dict]:
    """Rows of a per-utility table (fees, timelines) for the utility, in source order."""
    if utility is None:
        return []
    return kb.rows(f"SELECT * FROM {table} WHERE utility_id = ? ORDER BY source_id, char_start, id", utility["id"])
