"""Cross-source conflicts: the same fact stated differently by two sources (a DERIVER).

Which facts are compared is data (db/conflict_checks.yaml): per table, the columns naming
the fact (`key`) and the columns that must agree (`compare`). Rows of one source are never
compared here (a source disagreeing with itself is recorded by its parser, and a row key
stated twice by db/resolve.py), nor rows of two editions of one list (that is history:
db/history.py). A device approved at one utility and in pilot at another is two facts, not
a conflict: the utility is part of the key. Each conflict quotes both passages.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import yaml

from . import hooks

CHECKS_FILE = Path(__file__).with_name("conflict_checks.yaml")
PROV = ("source_id", "quote", "char_start", "char_end", "rule")


@lru_cache(maxsize=None)
def checks() -> dict[str, dict]:
    return yaml.safe_load(CHECKS_FILE.read_text(encoding="utf-8"))


def _as_of(row: dict, docs_as_of: dict[str, str | None]) -> str:
    return row.get("as_of") or docs_as_of.get(row["source_id"]) or "undated"


def derive_conflicts(rows: dict[str, list[dict]], docs, kb: Path) -> dict[str, list[dict]]:
    """DERIVER: one conflicts row per (fact, column, pair of sources) that disagree."""
    series = {d.id: d.entry.series for d in docs}
    as_of = {d.id: d.entry.as_of.isoformat() if d.entry.as_of else None for d in docs}
    members = defaultdict(list)
    for d in rows.get("devices", []):
        if d.get("family_id"):
            members[d["family_id"]].append(d["id"])
    out: list[dict] = []
    for table, spec in checks().items():
        groups: dict[tuple, list[dict]] = defaultdict(list)
        for r in rows.get(table, []):
            keys = [tuple(r.get(k) for k in spec["key"])]
            fam_col = spec.get("families")
            if fam_col and members.get(r.get(fam_col)):
                i = spec["key"].index(fam_col)
                keys += [k[:i] + (m,) + k[i + 1:] for k in keys[:1] for m in members[r[fam_col]]]
            for k in keys:
                if all(v is not None for v in k):
                    groups[k].append(r)
        for key, group in sorted(groups.items(), key=lambda kv: str(kv[0])):
            out += _disagreements(table, spec, key, group, series, as_of)
    seen, unique = set(), []
    for c in out:
        ident = (c["subject"], c["source_id"], c["char_start"], c["other_source_id"], c["other_char_start"])
        if ident not in seen:
            seen.add(ident)
            unique.append({**c, "id": f"conflict/across/{len(unique) + 1}/{c['id']}"})
    return {"conflicts": unique} if unique else {}


def _disagreements(table, spec, key, group, series, as_of) -> list[dict]:
    """Pairs of rows of `group` (one fact) from different sources, not editions of one
    list, that give a compared column different non-null values."""
    out = []
    by_source: dict[str, dict] = {}
    for r in sorted(group, key=lambda r: (r["source_id"], r["char_start"])):
        by_source.setdefault(r["source_id"], r)
    sources = sorted(by_source)
    label = ", ".join(f"{k}={v}" for k, v in zip(spec["key"], key))
    for i, a_id in enumerate(sources):
        for b_id in sources[i + 1:]:
            if series.get(a_id) == series.get(b_id):
                continue
            a, b = by_source[a_id], by_source[b_id]
            for col in spec["compare"]:
                va, vb = a.get(col), b.get(col)
                if va is None or vb is None or va == vb:
                    continue
                out.append({
                    "id": f"{table}/{col}",
                    "kind": "across_sources",
                    "subject": f"{table} ({label}): {col}",
                    "description": (f"{col} is {va!r} in {a_id} (as of {_as_of(a, as_of)}) "
                                    f"and {vb!r} in {b_id} (as of {_as_of(b, as_of)})"),
                    **{k: a[k] for k in PROV},
                    "rule": f"cross_conflicts:{table}.{col}",
                    "other_source_id": b["source_id"], "other_quote": b["quote"],
                    "other_char_start": b["char_start"], "other_char_end": b["char_end"],
                })
    return out


hooks.DERIVERS.append(derive_conflicts)
