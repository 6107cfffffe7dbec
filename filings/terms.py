"""A filer's terms and what others report: the split every kind of filing makes.

A filer's terms are its own rows and the orders that bind it (filings.attribution); a
state-wide list's are every party's own rows and orders. The rest is listed apart, each
"as reported by <speaker>".
"""

from __future__ import annotations

from msakb.filings import context as c
from msakb.filings.filing import Filing
from msakb.filings.restrictions import restrictions as merged_restrictions


def split(f: Filing, rows: list[dict], utility: dict | None) -> tuple[list, list]:
    """(terms, reported) of fact rows for a filing by `utility` (None: a state-wide list)."""
    groups = f.groups(utility)
    flags = [f.speakers.is_term(r, utility, groups) for r in rows]
    return [r for r, t in zip(rows, flags) if t], [r for r, t in zip(rows, flags) if not t]


def restriction_items(f: Filing, where: dict, categories=None, device_id=None) -> tuple[list, list]:
    rows = merged_restrictions(f.kb, c.restriction_rows(f.kb, where, categories, device_id))
    terms, reported = split(f, rows, where["utility"])
    return c.items(f.kb, f.cites, f.speakers, terms), c.items(f.kb, f.cites, f.speakers, reported)


def installation_models(f: Filing, utilities: list[dict]) -> tuple[list, list]:
    """Each utility's installation model as its row states it: (own statements, reports)."""
    conf = c.settings().get("installer_conditions", {})
    own, reported = [], []
    for u in utilities:
        if not u.get("installation_model"):
            continue
        model_name = conf.get("model_names", {}).get(u["installation_model"], u["installation_model"])
        item = {**c.items(f.kb, f.cites, f.speakers, [u])[0], "name": u["name"], "model": u["installation_model"],
                "model_name": model_name, "text": f"{u['name']} follows {model_name}"}
        (own if f.speakers.is_term({**u, "utility_id": u["id"]}, u) else reported).append(item)
    return own, reported
