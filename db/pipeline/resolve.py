"""Records -> rows. One row per key; a fact stated again becomes a citation of the row;
a fact stated differently becomes a conflict (with both quotes) plus a citation. Nothing is
merged silently."""

from __future__ import annotations

from collections import defaultdict

from msakb.db.store.models import FACT_TABLES
from msakb.extract.shared.records import Record
from msakb.knowledge.gazetteer import Gazetteer

_PROV = ("source_id", "quote", "char_start", "char_end", "rule")

# Columns whose value depends on who states it, so two sources may differ without
# contradicting each other: a device is listed for EV use by one utility and for storage by
# another (each approval keeps its own technology). Differences here are not conflicts.
CONTEXTUAL = {"devices": {"technology", "use"}}


def provenance(r: Record) -> dict:
    return {
        "source_id": r.source_id,
        "quote": r.span.raw,
        "char_start": r.span.start,
        "char_end": r.span.end,
        "rule": r.rule,
    }


def _states_more(new: dict, old: dict) -> bool:
    """True when `new` gives a value for every column `old` gives one for, and more."""
    have_old = {k for k, v in old.items() if v is not None}
    have_new = {k for k, v in new.items() if v is not None}
    return have_old < have_new


def resolve(records: list[Record], gaz: Gazetteer) -> dict[str, list[dict]]:
    rows: dict[str, dict] = defaultdict(dict)  # table -> key -> row
    origin: dict[tuple[str, str], Record] = {}
    citations: list[dict] = []
    conflicts: list[dict] = []
    # Citations and conflicts are numbered per row key, not across the corpus: an id then
    # depends only on the records of its key, so a change elsewhere never renumbers it (and
    # an incremental build, db/pipeline/patch.py, can re-resolve just the keys a change touches).
    numbers: dict[tuple, int] = defaultdict(int)

    def number(*key) -> int:
        numbers[key] += 1
        return numbers[key]

    def cite(table: str, key: str, r: Record) -> None:
        citations.append({"id": f"{table}/{key}/{number('cite', table, key)}", "table_name": table, "row_id": key, **provenance(r)})

    # Facts first, mentions after: a mention never shadows a fact stated anywhere.
    for r in sorted(records, key=lambda r: r.mention):
        if r.table not in FACT_TABLES:
            raise ValueError(f"{r.rule}: unknown table {r.table!r}")
        key = r.key
        if key is None:
            raise ValueError(f"{r.rule}: record for {r.table} has no id")
        row = {**r.values, **provenance(r)}
        if r.table == "conflicts":
            conflicts.append(row)
            continue
        first = origin.get((r.table, key))
        if first is None:
            rows[r.table][key] = row
            origin[(r.table, key)] = r
            continue
        old = rows[r.table][key]
        diffs = {
            k: (old.get(k), v) for k, v in r.values.items()
            if v is not None and old.get(k) is not None and old.get(k) != v
            and k not in CONTEXTUAL.get(r.table, ())
        }
        if diffs and not r.mention and not (r.source_id == first.source_id and r.span == first.span):
            for col, (a, b) in diffs.items():
                conflicts.append({
                    "id": f"conflict/{r.table}/{key}/{col}/{number('conflict', r.table, key)}",
                    "kind": "within_source" if r.source_id == first.source_id else "across_sources",
                    "subject": f"{r.table} {key}: {col}",
                    "description": f"{col} is {a!r} in one passage and {b!r} in another",
                    **provenance(first),
                    "other_source_id": r.source_id,
                    "other_quote": r.span.raw,
                    "other_char_start": r.span.start,
                    "other_char_end": r.span.end,
                })
        if r.source_id == first.source_id and r.span == first.span:
            continue
        if not diffs and not r.mention and _states_more(r.values, first.values):
            # The later passage states everything the first did and more (a state's framework
            # status after a bare mention of the state): it becomes the row, the first a citation.
            rows[r.table][key] = row
            origin[(r.table, key)] = r
            cite(r.table, key, first)
            continue
        cite(r.table, key, r)

    # A utility's state is implied by its name (gazetteer); make sure the state row exists.
    for key, u in list(rows["utilities"].items()):
        code = u.get("state")
        if code and code not in rows["states"]:
            r = origin[("utilities", key)]
            rows["states"][code] = {
                "code": code, "name": gaz.states[code], "framework_status": None,
                **provenance(r), "rule": "gazetteer:state-of-utility",
            }
    out = {t: list(v.values()) for t, v in rows.items() if v}
    if citations:
        out["citations"] = citations
    if conflicts:
        out["conflicts"] = conflicts
    return out
