"""Cross-source conflicts: the same fact stated differently by two sources (a DERIVER).

Which facts are compared is data (db/conflict_checks.yaml): per table, the columns naming
the fact (`key`) and the columns that must agree (`compare`). Rows of one source are never
compared here (a source disagreeing with itself is recorded by its parser, and a row key
stated twice by db/resolve.py), nor rows of two editions of one list (that is history:
db/history.py). A device approved at one utility and in pilot at another is two facts, not
a conflict: the utility is part of the key. Each conflict quotes both passages.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

import yaml

from msakb.db.pipeline import hooks

CHECKS_FILE = Path(__file__).with_name("conflict_checks.yaml")
PROV = ("source_id", "quote", "char_start", "char_end", "rule")


@lru_cache(maxsize=None)
def checks() -> dict[str, dict]:
    return yaml.safe_load(CHECKS_FILE.read_text(encoding="utf-8"))


def _as_of(row: dict, docs_as_of: dict[str, str | None]) -> str:
    return row.get("as_of") or docs_as_of.get(row["source_id"]) or "undated"


def family_members(devices: list[dict]) -> dict[str, list[str]]:
    """family id -> its member devices' ids."""
    members = defaultdict(list)
    for d in devices:
        if d.get("family_id"):
            members[d["family_id"]].append(d["id"])
    return members


def group_keys(row: dict, spec: dict, members: dict[str, list[str]]) -> list[tuple]:
    """The facts a row states: its key, and with `families`, the key of each member device."""
    keys = [tuple(row.get(k) for k in spec["key"])]
    fam_col = spec.get("families")
    if fam_col and members.get(row.get(fam_col)):
        i = spec["key"].index(fam_col)
        keys += [keys[0][:i] + (m,) + keys[0][i + 1:] for m in members[row[fam_col]]]
    return [k for k in keys if all(v is not None for v in k)]


def derive_conflicts(rows: dict[str, list[dict]], docs, kb: Path,
                     only: dict[str, set[tuple]] | None = None) -> dict[str, list[dict]]:
    """DERIVER: one conflicts row per (fact, column, pair of sources) that disagree. With
    `only` ({table: fact keys}), the conflicts of those facts alone (an incremental build's;
    `rows` must hold every row stating them)."""
    series = {d.id: d.entry.series for d in docs}
    as_of = {d.id: d.entry.as_of.isoformat() if d.entry.as_of else None for d in docs}
    members = family_members(rows.get("devices", []))
    out: list[dict] = []
    for table, spec in checks().items():
        if only is not None and not only.get(table):
            continue
        groups: dict[tuple, list[dict]] = defaultdict(list)
        for r in rows.get(table, []):
            for k in group_keys(r, spec, members):
                if only is None or k in only[table]:
                    groups[k].append(r)
        for key, group in sorted(groups.items(), key=lambda kv: str(kv[0])):
            out += _numbered(_disagreements(table, spec, key, group, series, as_of))
    return {"conflicts": out} if out else {}


def _numbered(found: list[dict]) -> list[dict]:
    """One row per pair of passages, numbered within its subject (one fact's column), so a
    conflict's id does not depend on the conflicts of other facts."""
    seen, numbers, out = set(), Counter(), []
    for c in found:
        ident = (c["subject"], c["source_id"], c["char_start"], c["other_source_id"], c["other_char_start"])
        if ident not in seen:
            seen.add(ident)
            numbers[c["subject"]] += 1
            out.append({**c, "id": f"conflict/across/{c['subject']}/{numbers[c['subject']]}"})
    return out


def subject(table: str, spec: dict, key: tuple, col: str) -> str:
    """What a conflict is about: one fact's column, e.g. "approvals (utility_id=sce, device_id=x): status"."""
    return f"{table} ({', '.join(f'{k}={v}' for k, v in zip(spec['key'], key))}): {col}"


def _disagreements(table, spec, key, group, series, as_of) -> list[dict]:
    """Pairs of rows of `group` (one fact) from different sources, not editions of one
    list, that give a compared column different non-null values."""
    out = []
    by_source: dict[str, dict] = {}
    for r in sorted(group, key=lambda r: (r["source_id"], r["char_start"])):
        by_source.setdefault(r["source_id"], r)
    sources = sorted(by_source)
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
                    "subject": subject(table, spec, key, col),
                    "description": (f"{col} is {va!r} in {a_id} (as of {_as_of(a, as_of)}) "
                                    f"and {vb!r} in {b_id} (as of {_as_of(b, as_of)})"),
                    **{k: a[k] for k in PROV},
                    "rule": f"cross_conflicts:{table}.{col}",
                    "other_source_id": b["source_id"], "other_quote": b["quote"],
                    "other_char_start": b["char_start"], "other_char_end": b["char_end"],
                })
    return out


hooks.DERIVERS.append(derive_conflicts)
