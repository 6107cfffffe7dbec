"""The values a candidate fact would have in its table, read from the entity or passage
that made it a candidate, and the mention rows (utility, state) such a fact needs so that
its foreign keys resolve when it is accepted."""

from __future__ import annotations

import re

from msakb.extract.shared import quantities as q
from msakb.extract.shared.entities import Entity
from msakb.extract.shared.records import SourceDoc
from msakb.extract.shared.specs import SPEC_LABELS, spec_values
from msakb.extract.shared.text import Span, clean_text
from msakb.knowledge.gazetteer import Gazetteer


def entity_values(table: str, e: Entity, passage_text: str = "") -> dict:
    """Typed values of a specs, fees or timelines row for one entity."""
    text = clean_text(e.text)
    if table == "specs":
        quantity, unit = SPEC_LABELS[e.label]
        vals = {k: v for k, v in spec_values(e.label, e.text).items()}
        if e.label == "METER_FORM":
            vals.setdefault("qualifier", q.meter_form(text))
        return {"device_id": None, "approval_id": None, "quantity": quantity, "unit": unit, "text": text, **vals}
    if table == "fees":
        amount, currency = q.money(e.text)
        return {"amount": amount, "currency": currency, "per": None, "text": passage_text}
    if table == "timelines":
        lo, hi, unit = q.duration(text)
        return {"activity": passage_text, "min_value": lo, "max_value": hi, "unit": unit, "text": text}
    raise ValueError(f"no values for table {table!r}")


def support_utility(gaz: Gazetteer, uid: str, span: Span | None) -> tuple[str, list[dict]]:
    """A utility id and the mention that quotes its name (none when the text never names it)."""
    if span is None:
        return uid, []
    u = gaz.utilities[uid]
    return uid, [{"table": "utilities", "values": {"id": uid, "name": u["name"], "state": u["state"], "kind": u["kind"]},
                  "char_start": span.start, "char_end": span.end}]


def support_state(doc: SourceDoc, gaz: Gazetteer) -> tuple[str | None, list[dict]]:
    """The source's state (its jurisdiction, unless US) if its text names the state."""
    code = doc.entry.jurisdiction
    if code not in gaz.states:
        return None, []
    names = sorted({n for n, c in gaz.state_aliases.items() if c == code and len(n) > 2}, key=len, reverse=True)
    for n in names:
        m = re.search(rf"(?i)(?<!\w){re.escape(n)}(?!\w)", doc.text)
        if m:
            return code, [{"table": "states", "values": {"code": code, "name": gaz.states[code]},
                           "char_start": m.start(), "char_end": m.end()}]
    return None, []
