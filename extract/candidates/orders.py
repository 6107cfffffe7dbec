"""A regulator's order, read as the generic extractor reads any source: each numbered item
under its ordering paragraph ("NOW, THEREFORE, the Board HEREBY ORDERS as follows:") is a
directive (its number, its text, the date it is due by), and "This Order shall be
effective on December 10, 2025" is the decision's date. The docket and order number are
those the order names; a directive whose order has no number says so (null), and the
reviewer sets one (`msakb review accept ... --set order_number=...`).
"""

from __future__ import annotations

import re

from msakb.extract.candidates.cues import shapes
from msakb.extract.candidates.statements import Statement
from msakb.extract.shared import quantities as q
from msakb.extract.shared.text import Span, clean_text

_NUMBER = re.compile(r"\d+")


def _due(ctx, st: Statement, read) -> str | None:
    words = shapes()["deadline_words"]
    for label, _, a, b in read.entities:
        if label == "DATE" and words.search(st.span.text[max(st.span.start, a - 20):a]):
            return q.iso_date(st.span.text[a:b])
    return None


def directive(ctx, st: Statement, read) -> list[dict]:
    if st.shape != "item" or st.lead is None or not st.marker or not shapes()["order_lead"].search(st.lead.raw):
        return []
    n = _NUMBER.search(st.marker)
    if n is None:
        return []
    docket, number = ctx.docket()
    state, support = ctx.state()
    values = {"regulator": ctx.doc.entry.publisher, "docket": docket, "order_number": number, "item": int(n.group()),
              "text": clean_text(st.span.raw), "due_date": _due(ctx, st, read), "compliance_docket": None, "state": state}
    m = shapes()["order_lead"].search(st.lead.raw)
    trigger = st.lead.sub(m.start(), m.end())
    return [ctx.make(st, "directive", "generic:directive:order-item", "directives", values, trigger, "directive", read,
                     support)]


def decision_date(ctx, st: Statement, read) -> list[dict]:
    m = shapes()["effective"].search(st.span.raw)
    if m is None:
        return []
    at = st.span.start + m.end()
    date = next(((a, b) for label, _, a, b in read.entities if label == "DATE" and a >= at), None)
    if date is None:
        return []
    docket, number = ctx.docket()
    values = {"regulator": ctx.doc.entry.publisher, "docket": docket, "decision_number": number,
              "decision_date": q.iso_date(st.span.text[date[0]:date[1]]), "text": clean_text(st.span.raw)}
    return [ctx.make(st, "decision", "generic:decision:effective", "decisions", values, Span(st.span.text, *date),
                     "decision", read, [])]
