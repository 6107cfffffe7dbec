"""Records -> rows. One row per key; a fact stated again becomes a citation of the row;
a fact stated differently becomes a conflict (with both quotes) plus a citation. Nothing is
merged silently. A party's own statement or an order is the row before any report of it."""

from __future__ import annotations

from collections import defaultdict

from msakb.db.pipeline.attribution import SourceVoice, attribute, rank
from msakb.db.store.models import ATTRIBUTION, FACT_TABLES
from msakb.extract.shared.records import Record
from msakb.knowledge.gazetteer import Gazetteer

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
    have_old = {k for k, v in old.items() if v is not None and k not in ATTRIBUTION}
    have_new = {k for k, v in new.items() if v is not None and k not in ATTRIBUTION}
    return have_old < have_new


def resolve(records: list[Record], gaz: Gazetteer, voices: dict[str, SourceVoice]) -> dict[str, list[dict]]:
    """Rows of every table from `records` (in build order), each attributed (who states it,
    whom it binds: db/pipeline/attribution.py); `voices` are the sources' default voices.
    Where several records state one key, a party's own statement or an order outranks a
    report: it is the row, the others its citations, and any column they give differently a
    conflict (the row's passage first)."""
    rows: dict[str, dict] = defaultdict(dict)  # table -> key -> row
    origin: dict[tuple[str, str], tuple[Record, dict]] = {}  # the row's record, and its attributed values
    citations: list[dict] = []
    conflicts: list[dict] = []
    # Citations and conflicts are numbered per row key, not across the corpus: an id then
    # depends only on the records of its key, so a change elsewhere never renumbers it (and
    # an incremental build, db/pipeline/patch.py, can re-resolve just the keys a change touches).
    numbers: dict[tuple, int] = defaultdict(int)

    def number(*key) -> int:
        numbers[key] += 1
        return numbers[key]

    def cite(table: str, key: str, r: Record, values: dict) -> None:
        citations.append({"id": f"{table}/{key}/{number('cite', table, key)}", "table_name": table, "row_id": key,
                          **{k: values[k] for k in ATTRIBUTION}, **provenance(r)})

    def disagree(table: str, key: str, first: tuple[Record, dict], later: tuple[Record, dict], diffs: dict) -> None:
        (a, av), (b, bv) = first, later
        for col, (va, vb) in diffs.items():
            conflicts.append({
                "id": f"conflict/{table}/{key}/{col}/{number('conflict', table, key)}",
                "kind": "within_source" if a.source_id == b.source_id else "across_sources",
                "subject": f"{table} {key}: {col}",
                "description": f"{col} is {va!r} in {a.source_id} ({_who(av)}) and {vb!r} in {b.source_id} ({_who(bv)})",
                **{k: av[k] for k in ATTRIBUTION},
                **provenance(a), "rule": f"resolve:{table}.{col}",
                "other_source_id": b.source_id, "other_quote": b.span.raw,
                "other_char_start": b.span.start, "other_char_end": b.span.end,
                **{f"other_{k}": bv[k] for k in ATTRIBUTION},
            })

    # Facts first, mentions after: a mention never shadows a fact stated anywhere.
    for r in sorted(records, key=lambda r: r.mention):
        if r.table not in FACT_TABLES:
            raise ValueError(f"{r.rule}: unknown table {r.table!r}")
        key = r.key
        if key is None:
            raise ValueError(f"{r.rule}: record for {r.table} has no id")
        values = attribute(r.table, r.values, voices[r.source_id], gaz, f"{r.source_id}, {r.rule}",
                           voices.get(r.values.get("other_source_id")))
        row = {**values, **provenance(r)}
        if r.table == "conflicts":
            conflicts.append(row)
            continue
        current = origin.get((r.table, key))
        if current is None:
            rows[r.table][key] = row
            origin[(r.table, key)] = (r, values)
            continue
        first, first_values = current
        same_passage = r.source_id == first.source_id and r.span == first.span
        diffs = {
            k: (first_values.get(k), v) for k, v in values.items()
            if v is not None and first_values.get(k) is not None and first_values.get(k) != v
            and k not in ATTRIBUTION and k not in CONTEXTUAL.get(r.table, ())
        }
        outranks = not r.mention and rank(values) > rank(first_values)
        if diffs and not r.mention and not same_passage:
            # the conflict quotes the statement that prevails first
            if outranks:
                disagree(r.table, key, (r, values), current, {k: (b, a) for k, (a, b) in diffs.items()})
            else:
                disagree(r.table, key, current, (r, values), diffs)
        if same_passage:
            continue
        if outranks or (not diffs and not r.mention and rank(values) == rank(first_values)
                        and _states_more(values, first_values)):
            # A party's own statement (or an order) outranks a report: it becomes the row, the
            # report a citation. Among equals, a later passage that states everything the first
            # did and more (a state's framework status after a bare mention) becomes the row.
            rows[r.table][key] = row
            origin[(r.table, key)] = (r, values)
            cite(r.table, key, first, first_values)
            continue
        cite(r.table, key, r, values)

    # A utility's state is implied by its name (gazetteer); make sure the state row exists.
    for key, u in list(rows["utilities"].items()):
        code = u.get("state")
        if code and code not in rows["states"]:
            r, values = origin[("utilities", key)]
            rows["states"][code] = {
                "code": code, "name": gaz.states[code], "framework_status": None,
                **{k: values[k] for k in ATTRIBUTION}, **provenance(r), "rule": "gazetteer:state-of-utility",
            }
    out = {t: list(v.values()) for t, v in rows.items() if v}
    if citations:
        out["citations"] = citations
    if conflicts:
        out["conflicts"] = conflicts
    return out


def _who(values: dict) -> str:
    return f"{values['speaker']}, {values['attribution']}"
