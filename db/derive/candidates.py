"""The review queue in the database: a build step runs the generic extractor
(extract/candidates/) over every source and writes the `candidates` table, each with its
status from the review decisions (kb/review/decisions.yaml) or `covered` when a row of its
table already comes from the same passage. `report` prints, per source, where its facts
came from (`msakb build --report`)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from msakb.db.pipeline.cache import per_source
from msakb.db.pipeline.patch_writes import Patch
from msakb.db.pipeline.step import Step
from msakb.errors import BuildError
from msakb.extract.candidates.extractor import Candidate, propose
from msakb.knowledge.decisions import load_decisions
from msakb.knowledge.gazetteer import load_gazetteer

# The tables a candidate is proposed for (extract/candidates/extractor.py): their rows may
# cover it.
PROPOSED = ("approvals", "restrictions", "specs", "fees", "timelines")
# Rows of these tables with these fields equal to the candidate's count as the same fact;
# other tables need only an overlapping passage.
_SAME = {"specs": ("quantity",), "approvals": ("device_id", "utility_id")}


def _agrees(key: str, row_value, candidate_value) -> bool:
    """A parser may name a quantity more precisely than a candidate ('breaker_current' for
    'current'); that is the same fact."""
    if row_value == candidate_value:
        return True
    return key == "quantity" and isinstance(row_value, str) and row_value.endswith(f"_{candidate_value}")
NOT_FACTS = {"candidates", "citations", "conflicts", "approval_changes"}


def covering_rows(c: Candidate, by_source: dict) -> list[dict]:
    """Rows of the candidate's table, from its source, whose passage overlaps its passage
    (and, for specs and approvals, that agree on what the fact is about)."""
    out = []
    for r in by_source.get((c.table, c.source_id), []):
        if r["char_start"] < c.span.end and c.span.start < r["char_end"]:
            if all(_agrees(k, r.get(k), c.values.get(k)) for k in _SAME.get(c.table, ())):
                out.append(r)
    return out


def candidate_row(c: Candidate, status: str, table: str | None = None, values: dict | None = None,
                  reason: str | None = None) -> dict:
    return {
        "id": c.id, "kind": c.kind, "classification": c.classification,
        "table_name": table or c.table, "proposed": json.dumps(values if values is not None else c.values, sort_keys=True),
        "trigger": c.trigger.raw, "trigger_start": c.trigger.start, "trigger_end": c.trigger.end,
        "entities": json.dumps([{"label": e.label, "rule": e.rule, "text": e.text, "start": e.span.start,
                                 "end": e.span.end} for e in c.entities]) if c.entities else None,
        "terms": "; ".join(c.terms) or None,
        "support": json.dumps(c.support) if c.support else None,
        "status": status, "reason": reason,
        "source_id": c.source_id, "quote": c.span.raw, "char_start": c.span.start, "char_end": c.span.end,
        "rule": c.rule,
    }


def derive(rows: dict[str, list[dict]], docs, kb: Path) -> dict[str, list[dict]]:
    gaz = load_gazetteer(str(Path(kb) / "gazetteer"))
    decisions = load_decisions(kb)
    by_source: dict[tuple[str, str], list[dict]] = {}
    for table in PROPOSED:
        for r in rows.get(table, []):
            by_source.setdefault((table, r["source_id"]), []).append(r)
    out = []
    for doc in docs:
        for c in per_source("candidates", doc, lambda: propose(doc, gaz)):  # pure per source: cached
            if c.table not in PROPOSED:
                raise BuildError(f"candidate {c.id} ({c.rule}) is for table {c.table!r}: add it to "
                                 "db/derive/candidates.py PROPOSED, whose rows cover candidates")
            d = decisions.get(c.id)
            if d is not None and d.decision in ("accepted", "rejected"):
                out.append(candidate_row(c, d.decision, d.table, d.values or None, d.reason))
            elif d is not None:  # edited, still to be decided
                out.append(candidate_row(c, "pending", d.table, {**c.values, **d.values}))
            else:
                out.append(candidate_row(c, "covered" if covering_rows(c, by_source) else "pending"))
    return {"candidates": out}


def patch_candidates(p: Patch) -> None:
    """The candidates of every source whose rows changed (a candidate is covered by its
    source's rows), and of no removed source."""
    srcs = (p.changed | p.differing_sources()) - p.removed
    p.writer.delete("candidates", p.writer.where("source_id", srcs | p.removed))
    if srcs:
        rows = {t: p.of_sources(t, srcs) for t in PROPOSED}
        p.writer.insert("candidates", derive(rows, [d for d in p.all_docs if d.id in srcs], p.kb)["candidates"])


STEP = Step("candidates", reads=PROPOSED, derives=("candidates",), derive=derive, patch=patch_candidates)


def report(db_path: Path) -> str:
    """Per source: facts from its dedicated parser, from accepted candidates (rule
    `generic:...`), from hand-written annotations, derived (rule `gazetteer:...`), and its
    candidates pending / covered / rejected."""
    conn = sqlite3.connect(db_path)
    try:
        tables = [t for (t,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE '%_fts%'")]
        counts: dict[str, dict[str, int]] = {}
        for (sid,) in conn.execute("SELECT id FROM sources ORDER BY rowid"):
            counts[sid] = {}
        for t in tables:
            cols = {r[1] for r in conn.execute(f"PRAGMA table_info([{t}])")}
            if t in NOT_FACTS or not {"source_id", "rule"} <= cols:
                continue
            sql = (f"SELECT source_id, CASE WHEN rule LIKE 'generic:%' THEN 'accepted' "
                   f"WHEN rule LIKE 'annotation:%' THEN 'annotations' "
                   f"WHEN rule LIKE 'gazetteer:%' THEN 'derived' ELSE 'parser' END, count(*) "
                   f"FROM [{t}] GROUP BY 1, 2")
            for sid, origin, n in conn.execute(sql):
                counts.setdefault(sid, {})[origin] = counts.get(sid, {}).get(origin, 0) + n
        if "candidates" in tables:
            for sid, status, n in conn.execute("SELECT source_id, status, count(*) FROM candidates GROUP BY 1, 2"):
                counts.setdefault(sid, {})[f"candidates {status}"] = n
    finally:
        conn.close()
    heads = ["source", "parser", "accepted", "annotations", "derived", "pending", "covered", "rejected"]
    keys = ["parser", "accepted", "annotations", "derived", "candidates pending", "candidates covered",
            "candidates rejected"]
    table = [[sid] + [str(c.get(k, 0)) for k in keys] for sid, c in counts.items()]
    widths = [max(len(r[i]) for r in table + [heads]) for i in range(len(heads))]
    fmt = lambda r: "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(r, widths)))  # noqa: E731
    lines = ["facts per source: from its parser, from accepted candidates, from hand-written annotations, "
             "derived from reference data (a utility's state); candidates pending review, covered by a row "
             "already, rejected",
             fmt(heads)] + [fmt(r) for r in table]
    return "\n".join(lines)


def overlap(db_path: Path, tables=("restrictions", "approvals", "specs")) -> dict[str, tuple[int, int]]:
    """How many rows of each table that dedicated parsers wrote a candidate of the same
    table also proposes (same source, overlapping passage, and for specs the same quantity,
    for approvals the same device and utility): {table: (covered, total)}."""
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        cands: dict[tuple[str, str], list[dict]] = {}
        for c in conn.execute("SELECT source_id, table_name, proposed, char_start, char_end FROM candidates"):
            cands.setdefault((c["table_name"], c["source_id"]), []).append(
                {**json.loads(c["proposed"]), "char_start": c["char_start"], "char_end": c["char_end"]})
        out = {}
        for t in tables:
            covered = total = 0
            for r in conn.execute(f"SELECT * FROM [{t}] WHERE rule NOT LIKE 'generic:%' AND rule NOT LIKE 'annotation:%'"):
                r = dict(r)
                total += 1
                same = _SAME.get(t, ())
                if any(c["char_start"] < r["char_end"] and r["char_start"] < c["char_end"]
                       and all(_agrees(k, r.get(k), c.get(k)) for k in same) for c in cands.get((t, r["source_id"]), [])):
                    covered += 1
            out[t] = (covered, total)
        return out
    finally:
        conn.close()
