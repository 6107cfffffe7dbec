"""Specifications from entities: the quantity, unit and typed value of a rating, standard or
meter form (extract/shared/entities.py), as `specs` rows."""

from __future__ import annotations

from msakb.extract.shared import quantities as q
from msakb.extract.shared.entities import find_entities
from msakb.extract.shared.memo import short_memo
from msakb.extract.shared.records import Record, SourceDoc
from msakb.extract.shared.text import Span, clean_text, whole

SPEC_LABELS = {
    "AMPS": ("current", "A"), "KILOAMPS": ("fault_current", "A"), "VOLTS": ("voltage", "V"),
    "HERTZ": ("frequency", "Hz"), "METER_FORM": ("meter_form", None), "PHASE": ("phase", None),
    "STANDARD": ("standard", None), "POWER": ("power", "kW"), "JAWS": ("jaws", None),
}


def spec_values(label: str, text: str) -> dict:
    """The typed value of a spec entity."""
    if label in ("AMPS", "KILOAMPS"):
        ns = q.numbers(text)
        v = q.amps(text)
        vmax = ns[1] if len(ns) > 1 and "–" in text or (len(ns) > 1 and "-" in text.split()[0]) else None
        return {"value": v, "value_max": vmax}
    if label == "VOLTS":
        low, high = q.volts(text)
        return {"value": high, "value_max": None, "qualifier": f"{low}/{high}" if low else None}
    if label in ("HERTZ", "JAWS", "POWER"):
        return {"value": q.number(text)}
    return {}


def specs(doc: SourceDoc, span: Span, rule: str, device_ids: list[str | None], approval_id: str | None = None,
          labels: set[str] | None = None) -> list[Record]:
    """A spec row per entity in `span`, for each device in `device_ids`."""
    out = []
    for a, b, label, entity_rule, text, vals in _spec_entities(span.raw, frozenset(labels or SPEC_LABELS)):
        quantity, unit = SPEC_LABELS[label]
        where = Span(span.text, span.start + a, span.start + b)
        for dev in device_ids:
            out.append(doc.record("specs", {
                "id": doc.next_id("specs"), "device_id": dev, "approval_id": approval_id,
                "quantity": quantity, "unit": unit, "text": text, **dict(vals),
            }, where, f"{rule}:{entity_rule}"))
    return out


@short_memo
def _spec_entities(raw: str, labels: frozenset) -> tuple:
    """(start, end, label, pattern id, clean text, typed values) of each spec entity of a text:
    a cell is read once however many devices and approvals it rates."""
    return tuple((e.span.start, e.span.end, e.label, e.rule, clean_text(e.text),
                  tuple(spec_values(e.label, e.text).items()))
                 for e in find_entities(whole(raw), labels))
