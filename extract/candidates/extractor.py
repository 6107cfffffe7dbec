"""The generic extractor: candidate facts from any source, whatever its kind, for a person to
confirm (`msakb review`). It reads the text as passages (table rows, list items, sentences,
with offsets kept) and proposes:

- `obligation`: a passage with an obligation word (patterns/obligations.jsonl), classified
  requirement / prohibition / permission, as a `restrictions` row; list items under a
  lead-in such as "the following are required:" inherit the lead's word;
- `approval`: a device named near an approval word (a status cell of its table row, or the
  same sentence), as an `approvals` row for the utility the passage (or source) names;
- `spec`, `fee`, `timeline`: a rating, standard, amount or duration (extract/shared/entities.py).

Precision over volume: a passage with nothing of the field in it (no entity of
`field_labels`, no term of synonyms.yaml, no device, no utility) is never proposed, and every
candidate carries the cue or entity that made it one (`trigger`). Ids are stable across
builds: a hash of the source id, the offsets and the rule.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache

from msakb.extract.candidates.cues import Cue, config, field_terms, obligation_cues, strongest
from msakb.extract.candidates.devices_named import (
    NamedDevice,
    approval_cue,
    caption_status,
    cell_status,
    find_devices,
)
from msakb.extract.candidates.passages import Passage, passages
from msakb.extract.candidates.values import entity_values, support_state, support_utility
from msakb.extract.shared.entities import Entity, find_entities
from msakb.extract.shared.records import SourceDoc
from msakb.knowledge.gazetteer import Gazetteer


@dataclass
class Candidate:
    """One proposed fact: the row it would add (`table`, `values`, without `id`), the
    passage that states it, the rule that proposed it and what made it a candidate."""

    source_id: str
    kind: str  # obligation, approval, spec, fee, timeline
    rule: str  # generic:<kind>:<pattern or cue id>
    span: object  # msakb.extract.shared.text.Span of the passage (the quote)
    table: str
    values: dict
    trigger: object  # Span of the cue or entity that made it a candidate
    classification: str | None = None  # requirement/prohibition/permission, or the status
    entities: list[Entity] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    support: list[dict] = field(default_factory=list)  # mention rows the fact needs
    key: str = ""  # tells apart two candidates of one passage and rule (two devices of a row)

    @property
    def id(self) -> str:
        return candidate_id(self.source_id, self.span.start, self.span.end, self.rule, self.key)


def candidate_id(source_id: str, start: int, end: int, rule: str, key: str = "") -> str:
    """Stable across builds: the same passage read by the same rule has the same id."""
    text = f"{source_id}\x00{start}\x00{end}\x00{rule}" + (f"\x00{key}" if key else "")
    digest = hashlib.sha256(text.encode()).hexdigest()
    return f"c-{digest[:12]}"


@lru_cache(maxsize=None)
def _settings():
    c = config()
    return (set(c["field_labels"]), set(c["spec_labels"]), re.compile(c["fee_words"]),
            set(c.get("timeline_labels", [])), re.compile(c["status_headers"]))


class _Context:
    """What every passage of one source shares: its entities, utilities, terms."""

    def __init__(self, doc: SourceDoc, gaz: Gazetteer):
        self.doc, self.gaz = doc, gaz
        self.entities = find_entities(doc.span())
        self.utilities = gaz.find_utilities(doc.span())
        self.terms = field_terms(doc.span())
        self._starts = {}

    def inside(self, items, span, key=lambda x: x.span):
        """The items (sorted by start) that lie inside `span`."""
        starts = self._starts.get(id(items))
        if starts is None:
            starts = self._starts[id(items)] = [key(x).start for x in items]
        lo, hi = bisect_left(starts, span.start), bisect_left(starts, span.end)
        return [x for x in items[lo:hi] if key(x).end <= span.end]


def propose(doc: SourceDoc, gaz: Gazetteer) -> list[Candidate]:
    """Every candidate fact of one source, in text order, each once."""
    ctx = _Context(doc, gaz)
    out: dict[str, Candidate] = {}
    for p in passages(doc.span(), _settings()[4]):
        for c in _from_passage(ctx, p):
            out.setdefault(c.id, c)
    return sorted(out.values(), key=lambda c: (c.span.start, c.span.end, c.rule))


def _from_passage(ctx: _Context, p: Passage):
    field_labels, spec_labels, fee_words, timeline_labels, _ = _settings()
    ents = ctx.inside(ctx.entities, p.span)
    terms = ctx.inside(ctx.terms, p.span)
    utils = ctx.inside(ctx.utilities, p.span, key=lambda t: t[1])
    devices = find_devices(p.span, ctx.gaz, ents, p.cells, p.header) if p.whole else []
    of_field = bool([e for e in ents if e.label in field_labels] or terms or utils or devices)
    term_names = sorted({t.label for t in terms})
    base = dict(source_id=ctx.doc.id, entities=ents, terms=term_names)
    if p.obligation:  # a sentence, a list item, or a sentence of a table cell
        yield from _obligation(ctx, p, ents, utils, devices, of_field, base)
    if not p.whole:
        return
    yield from _approvals(ctx, p, devices, utils, base)
    one_device = devices[0] if len(devices) == 1 else None
    text = p.span.clean()
    for e in ents:
        if e.label in spec_labels:
            values, support = entity_values("specs", e), []
            if one_device is not None:
                values["device_id"] = one_device.id
                support += _device_support(one_device)
            yield Candidate(kind="spec", rule=f"generic:spec:{e.rule}", span=e.span, table="specs",
                            values=values, trigger=e.span, classification=e.label, support=support, **base)
        elif e.label == "MONEY" and fee_words.search(text) or e.label in timeline_labels:
            table = "fees" if e.label == "MONEY" else "timelines"
            uid, support = _utility(ctx, p, utils)
            if uid is None:
                continue
            values = {**entity_values(table, e, text), "utility_id": uid}
            yield Candidate(kind="fee" if table == "fees" else "timeline", rule=f"generic:{table}:{e.rule}",
                            span=p.span, table=table, values=values, trigger=e.span, classification=e.label,
                            support=support, **base)


def _obligation(ctx, p: Passage, ents, utils, devices, of_field, base):
    cues = obligation_cues(p.span)
    cue = strongest(cues)
    rule_kind = "obligation"
    if cue is None and p.lead is not None:
        cue, rule_kind = strongest(obligation_cues(p.lead)), "obligation-item"
        if cue is not None and cue.rule not in config().get("lead_rules", []):
            cue = None
        of_field = of_field or bool(ctx.inside(ctx.terms, p.lead) or ctx.inside(ctx.entities, p.lead))
    if cue is None or not of_field or p.span.clean().endswith("?"):
        return
    if len(p.span.clean().split()) < 3:
        return
    uid, support = _utility(ctx, p, utils)
    values = {"utility_id": uid, "state": None, "device_id": None, "category": cue.label,
              "section": None, "text": p.span.clean(), "justification": None}
    if uid is None:
        values["state"], support = support_state(ctx.doc, ctx.gaz)
    if len(devices) == 1:
        values["device_id"] = devices[0].id
        support = support + _device_support(devices[0])
    yield Candidate(kind="obligation", rule=f"generic:{rule_kind}:{cue.rule}", span=p.span, table="restrictions",
                    values=values, trigger=cue.span, classification=cue.label, support=support, **base)


def _approvals(ctx, p: Passage, devices: list[NamedDevice], utils, base):
    if not devices:
        return
    if p.cells:
        status = None
        ranked = ([p.cells[p.status_col]] if p.status_col is not None and p.status_col < len(p.cells) else [])
        for cell in ranked + [c for c in p.cells if not any(c.start <= d.span.start < c.end for d in devices)]:
            found = cell_status(cell)
            if found:
                status, cue_rule, trigger = found[0], found[1], cell.strip()
                status_text = trigger.clean().rstrip("*").strip()
                break
        if status is None:
            found = caption_status(([p.caption] if p.caption else []) + p.headings)
            if found is None:
                return
            status, cue_rule, trigger = found
            status_text = trigger.raw
    else:
        found = approval_cue(p.span.raw)
        if not found:
            return
        status, cue_rule, m = found
        trigger = p.span.__class__(p.span.text, p.span.start + m.start(), p.span.start + m.end())
        status_text = trigger.raw
    uid, support = _utility(ctx, p, utils, caption=True)
    if uid is None:
        return
    for d in devices:
        values = {"device_id": d.id, "utility_id": uid, "status": status, "status_text": status_text,
                  "as_of": ctx.doc.entry.as_of.isoformat() if ctx.doc.entry.as_of else None}
        yield Candidate(kind="approval", rule=f"generic:approval:{cue_rule}", span=p.span, table="approvals",
                        values=values, trigger=trigger, classification=status,
                        support=support + _device_support(d), key=d.id, **base)


def _device_support(d: NamedDevice) -> list[dict]:
    if d.values is None:
        return []
    return [{"table": "devices", "values": dict(d.values), "char_start": d.span.start, "char_end": d.span.end}]


def _utility(ctx: _Context, p: Passage, utils, caption: bool = False):
    """The utility a passage speaks of: one it names, else the source's own (manifest),
    else (for a table row) the one named just above its table. With the mention to quote."""
    if utils:
        return support_utility(ctx.gaz, utils[0][0], utils[0][1])
    uid = ctx.doc.entry.utility
    if uid:
        named = [s for u, s in ctx.utilities if u == uid]
        return support_utility(ctx.gaz, uid, named[0] if named else None)
    if caption and p.caption_start is not None:
        above = [(u, s) for u, s in ctx.utilities if p.caption_start <= s.start < p.span.start]
        for h in p.headings:
            above = above or [(u, s) for u, s in ctx.utilities if h.start <= s.start < h.end]
        if above:
            return support_utility(ctx.gaz, above[-1][0], above[-1][1])
    return None, []


__all__ = ["Candidate", "Cue", "candidate_id", "propose"]
