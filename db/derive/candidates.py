"""The review queue in the database: a build step runs the generic extractor
(extract/candidates/) over every source and writes the `candidates` table: each proposal
with the device it names resolved among every device the build knows
(extract/candidates/known_devices.py), and its status from the review decisions
(kb/review/decisions.yaml), or `covered` when a row of its table already comes from the
same passage. A table row the source's dedicated parser already read is not proposed again.
`report` prints, per source, where its facts came from (`msakb build --report`)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Iterator

from msakb.db.pipeline.attribution import AttributionError, SourceVoice, attribute, source_voices
from msakb.db.pipeline.cache import per_source
from msakb.db.pipeline.patch_writes import Patch
from msakb.db.pipeline.step import Step
from msakb.db.store.models import FACT_TABLES
from msakb.extract.candidates.extractor import propose
from msakb.extract.candidates.known_devices import KnownDevices
from msakb.extract.shared.records import SourceDoc
from msakb.knowledge.annotations import load_annotations
from msakb.knowledge.decisions import load_decisions
from msakb.knowledge.gazetteer import load_gazetteer
from msakb.knowledge.manifest import load_manifest, read_source

# Rows of these tables with these fields equal to the candidate's count as the same fact;
# other tables need only an overlapping passage.
_SAME = {"approvals": ("device_id", "utility_id"), "utilities": ("id",), "devices": ("id",)}
NOT_FACTS = {"candidates", "citations", "conflicts", "approval_changes"}
# The field of a candidate that states a spec row's quantity (a spec is a field of the statement).
_SPEC_FIELDS = {"current": "amps", "fault_current": "kA", "voltage": "volts", "frequency": "hertz",
                "meter_form": "meter_form", "phase": "phase", "power": "power", "standard": "standard",
                "jaws": "jaws"}


def _spec_in(quantity: str, fields: dict) -> bool:
    """A parser may name a quantity more precisely ('breaker_current' for 'current')."""
    key = _SPEC_FIELDS.get(quantity) or next((f for q, f in _SPEC_FIELDS.items() if quantity.endswith(f"_{q}")), None)
    return bool(key and fields.get(key))


def resolved(c: dict, known: KnownDevices) -> dict | None:
    """The candidate with the device it names resolved (a new device's row among the rows
    it needs); None for an approval or device proposal whose device no one knows."""
    if not c.get("device"):
        return c
    did, new = known.resolve(c["device"])
    if did is None and c["table"] in ("approvals", "devices"):
        return None
    values, support = dict(c["values"]), list(c["support"])
    if c["table"] == "devices":
        row = new or known.rows.get(did) or {}
        values = {**{k: row.get(k) for k in ("manufacturer", "product", "model", "family_id") if row.get(k)},
                  **values, "id": did}
        new = None  # the proposal is the device's row itself
    else:
        values["device_id"] = did
    if new is not None:
        d = c["device"]
        support.append({"table": "devices", "values": new, "char_start": d["start"], "char_end": d["end"]})
    return {**c, "values": values, "support": support}


def covering_rows(c: dict, by_source: dict) -> list[dict]:
    """Rows of the candidate's table, from its source, whose passage overlaps its passage
    (and, for approvals, utilities and devices, that are about the same thing)."""
    out = []
    for r in by_source.get((c["table"], c["source_id"]), []):
        if r["char_start"] < c["end"] and c["start"] < r["char_end"]:
            if all(r.get(k) == c["values"].get(k) for k in _SAME.get(c["table"], ())):
                out.append(r)
    return out


def candidate_row(c: dict, text: str, status: str, table: str | None = None, values: dict | None = None,
                  reason: str | None = None) -> dict:
    return {
        "id": c["id"], "kind": c["kind"], "classification": c["classification"],
        "table_name": table or c["table"],
        "proposed": json.dumps(values if values is not None else c["values"], sort_keys=True),
        "fields": json.dumps(c["fields"], sort_keys=True) if c["fields"] else None,
        "trigger": text[c["trigger_start"]:c["trigger_end"]], "trigger_start": c["trigger_start"],
        "trigger_end": c["trigger_end"],
        "entities": json.dumps([{"label": e[0], "rule": e[1], "text": text[e[2]:e[3]], "start": e[2], "end": e[3]}
                                for e in c["entities"]]) if c["entities"] else None,
        "terms": "; ".join(c["terms"]) or None,
        "support": json.dumps(c["support"]) if c["support"] else None,
        "status": status, "reason": reason,
        "source_id": c["source_id"], "quote": text[c["start"]:c["end"]], "char_start": c["start"], "char_end": c["end"],
        "rule": c["rule"],
    }


# Rows that no parser wrote: derived from other rows, or reviewed (a statement an
# annotation states is still proposed, so that an accepted candidate stays accepted).
_DERIVED_TABLES = {"candidates", "conflicts", "rules", "approval_changes"}
# What the step reads: the rows the parsers and annotations gave (their passages, the rows
# that cover a candidate, every device a candidate may name).
READS = tuple(t for t in FACT_TABLES if t not in _DERIVED_TABLES)
_NOT_PARSED = ("generic:", "annotation:", "gazetteer:")


def parsed_spans(rows: dict[str, list[dict]]) -> dict[str, list[tuple[int, int]]]:
    """Per source, the passages its dedicated parser turned into rows (each of its records
    is a row or a citation quoting its passage): a function of the source alone."""
    out: dict[str, set] = {}
    for table, table_rows in rows.items():
        if table in _DERIVED_TABLES:
            continue
        for r in table_rows:
            if "char_start" in r and not str(r.get("rule", "")).startswith(_NOT_PARSED):
                out.setdefault(r["source_id"], set()).add((r["char_start"], r["char_end"]))
    return {s: sorted(v) for s, v in out.items()}


def attributed(c: dict, voice: SourceVoice, gaz) -> dict:
    """The candidate with who states the row it proposes, and whom it binds, among its values
    (db/pipeline/attribution.py: the source's voice and speaker, the attribution they give
    a row binding what this one binds; a utility's row its utility's state), as the build
    will attribute the fact once it is accepted."""
    try:
        values = attribute(c["table"], c["values"], voice, gaz, f"candidate {c['id']} ({c['rule']})")
    except AttributionError:
        return c  # the build attributes it when accepted, and says what is wrong then
    return {**c, "values": values}


def spans_of(records) -> list[tuple[int, int]]:
    """parsed_spans of one source, from its records rather than its rows (each record is a
    row or a citation quoting its passage)."""
    return sorted({(r.span.start, r.span.end) for r in records
                   if r.table not in _DERIVED_TABLES and not r.rule.startswith(_NOT_PARSED)})


def _proposals(doc, gaz, spans: list[tuple[int, int]]) -> list[dict]:
    # pure per source (its text, the gazetteer and what its parser read): cached under all three
    name = "candidates-" + hashlib.sha256(repr(spans).encode()).hexdigest()[:16]
    return per_source(name, doc, lambda: propose(doc, gaz, spans))


def propose_source(doc, gaz, records) -> dict:
    """The step's per-source work, in the build's workers beside the parser: what the
    source's parser read, and the extractor's proposals from the rest."""
    spans = spans_of(records)
    return {"spans": spans, "proposals": _proposals(doc, gaz, spans)}


def derive(rows, docs, kb: Path) -> dict[str, Iterator[dict]]:
    """The candidates of every source, each with its status, as they are worked out (a
    corpus's candidates are many: a full build writes them as they come)."""
    return {"candidates": _candidates(rows, docs, kb)}


def _candidates(rows, docs, kb: Path) -> Iterator[dict]:
    gaz = load_gazetteer(str(Path(kb) / "gazetteer"))
    voices = source_voices(docs, gaz)
    decisions = load_decisions(kb)
    known = KnownDevices(rows.get("devices", []), gaz)
    of_source = getattr(rows, "of_source", None)
    if of_source is None:  # rows in memory (an incremental build's): indexed here
        by_source: dict[tuple[str, str], list[dict]] = {}
        for table, table_rows in rows.items():
            for r in table_rows:
                if "source_id" in r and "char_start" in r:
                    by_source.setdefault((table, r["source_id"]), []).append(r)
        read = parsed_spans(rows)
    else:  # a full build's: its workers proposed; a reviewed annotation may have read more
        ann = load_annotations(Path(kb) / "annotations", {d.id: d.text for d in docs})
        read = parsed_spans({"annotations": [{"source_id": r.source_id, "char_start": r.span.start,
                                              "char_end": r.span.end, "rule": r.rule} for r in ann]})
    for doc in docs:
        handed = STEP.handed(doc)
        if handed is None:
            proposals = _proposals(doc, gaz, read.get(doc.id, []))
        elif doc.id in read:
            proposals = _proposals(doc, gaz, sorted({*map(tuple, handed["spans"]), *read[doc.id]}))
        else:
            proposals = handed["proposals"]
        if of_source is not None:
            by_source = _OfSource(of_source, doc.id)
        seen = set()
        for proposed in proposals:
            c = resolved(proposed, known)
            if c is None:
                continue
            c = attributed(c, voices[doc.id], gaz)
            same = (c["start"], c["end"], c["table"], c["values"].get("device_id"), c["values"].get("id"))
            if c.get("device") and same in seen:
                continue  # "Tesla Backup Switch, model 1624171-02-E": one device, named twice
            seen.add(same)
            d = decisions.get(c["id"])
            if d is not None and d.decision in ("accepted", "rejected"):
                yield candidate_row(c, doc.text, d.decision, d.table, d.values or None, d.reason)
            elif d is not None:  # edited, still to be decided
                yield candidate_row(c, doc.text, "pending", d.table, {**c["values"], **d.values})
            else:
                yield candidate_row(c, doc.text, "covered" if covering_rows(c, by_source) else "pending")


class _OfSource:
    """by_source of covering_rows for one source, its rows read table by table when asked."""

    def __init__(self, of_source, source_id: str):
        self.of_source, self.source_id, self.tables = of_source, source_id, {}

    def get(self, key: tuple[str, str], default=None):
        table, source_id = key
        if source_id != self.source_id or table not in FACT_TABLES:
            return default
        if table not in self.tables:
            self.tables[table] = self.of_source(table, source_id)
        return self.tables[table]


def _devices_named(out: dict) -> set:
    return {(d["id"], d.get("manufacturer"), d.get("product"), d.get("model"), d.get("family_id"), d.get("is_family"))
            for d in out.get("devices", [])}


def patch_candidates(p: Patch) -> None:
    """The candidates of every source whose rows changed (a candidate is covered by its
    source's rows, and its source's parser read what it is not proposed from); of every
    source when the devices known changed (a candidate names a device among them); of no
    removed source."""
    every = _devices_named(p.old_out) != _devices_named(p.new_out)
    srcs = (set(p.docs) if every else p.changed | p.differing_sources()) - p.removed
    p.writer.delete("candidates", p.writer.where("source_id", srcs | p.removed))
    if srcs:
        rows = {t: p.of_sources(t, srcs) for t in READS}
        rows["devices"] = p.writer.select("devices")  # every device a candidate may name
        p.writer.insert("candidates", list(derive(rows, [d for d in p.all_docs if d.id in srcs], p.kb)["candidates"]))


STEP = Step("candidates", reads=READS, derives=("candidates",), derive=derive, per_source=propose_source,
            patch=patch_candidates)


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


def overlap(db_path: Path, kb: Path, tables=("restrictions", "approvals", "specs")) -> dict[str, tuple[int, int]]:
    """The generic extractor against the dedicated parsers, as a measure of the extractor:
    run over every source of `kb` with nothing skipped (a build skips what a parser read),
    how many rows of each table the parsers wrote a candidate also proposes (same source,
    overlapping passage; for approvals the same device and utility in an approvals
    candidate, for restrictions a restrictions candidate, for specs a candidate of any table
    with the spec's quantity among its fields): {table: (covered, total)}."""
    gaz = load_gazetteer(str(Path(kb) / "gazetteer"))
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        known = KnownDevices([dict(r) for r in conn.execute("SELECT * FROM devices")], gaz)
        cands: dict[str, list[dict]] = {}
        for entry in load_manifest(Path(kb) / "sources" / "manifest.yaml").sources:
            doc = SourceDoc(entry.id, read_source(entry, Path(kb) / "sources"), entry)
            cands[entry.id] = [c for c in map(lambda c: resolved(c, known), propose(doc, gaz)) if c is not None]
        out = {}
        for t in tables:
            covered = total = 0
            for r in conn.execute(f"SELECT * FROM [{t}] WHERE rule NOT LIKE 'generic:%' AND rule NOT LIKE 'annotation:%'"):
                r = dict(r)
                total += 1
                near = [c for c in cands.get(r["source_id"], []) if c["start"] < r["char_end"] and r["char_start"] < c["end"]]
                if t == "specs":
                    ok = any(_spec_in(r["quantity"], c["fields"]) for c in near)
                else:
                    ok = any(c["table"] == t and all(r.get(k) == c["values"].get(k) for k in _SAME.get(t, ())) for c in near)
                covered += ok
            out[t] = (covered, total)
        return out
    finally:
        conn.close()
