"""Directives of a regulator's order quoted in a text, in the shape

    26. No later than March 31, 2025, the EDCs shall file ... in Docket No. 24-08-05:
    - (1) a liability waiver ...;
    - (2) ...; and
    The EDCs shall consult with ... before submitting their filing ...

The lead line gives the order number (its own number, backed by an ORDER entity there or in
the lines just before it), the due date (the DATE after a cue such as "No later than") and
the compliance docket (the DOCKET after "compliance filing in"). The decision's docket is
the lead's other DOCKET, else that of the nearest line above naming a Decision; an order
with neither is a SourceError (every directive row names its docket, and none is guessed).
A paragraph right after the items that orders something more is item 0. A later sentence
that quotes an item and names the order is a citation of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from msakb.errors import SourceError
from msakb.extract.shared import quantities as q
from msakb.extract.shared.entities import Entity, find_entities
from msakb.extract.shared.records import Record, SourceDoc
from msakb.extract.shared.text import Item, Span, clean_text, lines, list_items, sentences
from msakb.extract.shared.patterns import pattern_file

_ITEM_NO = re.compile(r"^[-•*]?\s*\((\d+)\)$")
_LEAD_NO = re.compile(r"^\s*(\d+)\.\s+")
_QUOTED = re.compile(r"[“\"]([^”\"]{20,})[”\"]")
_DOCKET_LIKE = re.compile(r"\bdocket\s+(?:no\.?\s*)?\S*\d\S*", re.IGNORECASE)  # what a writer meant as one


@lru_cache(maxsize=None)
def cues() -> dict:
    return pattern_file("meeting_summary.yaml")


def _rx(name: str) -> re.Pattern:
    return re.compile(cues()[name], re.IGNORECASE)


@dataclass
class Order:
    number: str
    lead: Span
    items: list[tuple[int, Item]]
    due_date: str | None
    docket: str
    compliance_docket: str | None


def _number(e: Entity) -> str:
    return re.findall(r"\d+", e.text)[-1]


def _docket(e: Entity) -> str:
    return re.search(r"\d{2}-\d{2}-\d{2,3}", e.text).group(0)


def _item_runs(span: Span) -> list[list[tuple[int, Item]]]:
    """Runs of items numbered (1), (2), ... in order."""
    runs: list[list[tuple[int, Item]]] = []
    for it in list_items(span):
        m = _ITEM_NO.match(it.marker)
        if not m:
            continue
        n = int(m.group(1))
        if runs and n == runs[-1][-1][0] + 1:
            runs[-1].append((n, it))
        elif n == 1:
            runs.append([(n, it)])
    return runs


def _nonblank_before(span: Span, pos: int, count: int) -> list[Span]:
    before = [ln for ln in lines(Span(span.text, span.start, pos)) if ln.raw.strip()]
    return before[-count:]


def find_orders(doc: SourceDoc) -> list[Order]:
    """Every quoted order with numbered items in the text."""
    span = doc.span()
    out = []
    for run in _item_runs(span):
        first = run[0][1].body
        above = _nonblank_before(span, _line_start(first), 6)
        if not above:
            continue
        lead = above[-1].strip()
        ents = find_entities(lead, {"ORDER", "DATE", "DOCKET"})
        orders = [e for e in ents if e.label == "ORDER"]
        m = _LEAD_NO.match(lead.raw)
        number = m.group(1) if m else (_number(orders[0]) if orders else None)
        context = [e for ln in above[-4:-1] for e in find_entities(ln, {"ORDER"})]
        if number is None or not any(_number(e) == number for e in orders + context):
            continue  # a numbered list, not an order the text names
        due = None
        for e in ents:
            if e.label == "DATE" and _rx("due_date_cue").search(doc.text[lead.start : e.span.start]):
                due = q.iso_date(e.text)
                break
        docket = compliance = None
        for e in ents:
            if e.label != "DOCKET":
                continue
            if _rx("compliance_cue").search(doc.text[lead.start : e.span.start]):
                compliance = _docket(e)
            elif docket is None:
                docket = _docket(e)
        if docket is None:
            docket = _decision_docket(above[:-1])
        if docket is None:
            raise _no_docket(doc, number, lead, above[:-1])
        out.append(Order(number, lead, run, due, docket, compliance))
    return out


def _line_start(span: Span) -> int:
    return span.text.rfind("\n", 0, span.start) + 1


def _decision_lines(above: list[Span]) -> list[Span]:
    """The lines above a lead that name a Decision, nearest first."""
    return [ln for ln in reversed(above) if re.search(r"\bDecision\b", ln.raw)]


def _decision_docket(above: list[Span]) -> str | None:
    """The docket of the nearest line above that names a Decision and a docket."""
    for ln in _decision_lines(above):
        for e in find_entities(ln, {"DOCKET"}):
            return _docket(e)
    return None


def _no_docket(doc: SourceDoc, number: str, lead: Span, above: list[Span]) -> SourceError:
    """The error for an order whose docket cannot be read, quoting the first text of the
    lines searched that looks meant as a docket but is none (markup inside it, say)."""
    hint = ""
    for ln in [lead, *_decision_lines(above)]:
        read = {e.span.start for e in find_entities(ln, {"DOCKET"})}
        m = next((m for m in _DOCKET_LIKE.finditer(ln.raw) if ln.start + m.start() not in read), None)
        if m:
            hint = f" (line {ln.line} has {m.group(0)[:60]!r}, which is not one)"
            break
    return SourceError(doc.id, f"Order {number} names no docket the parser can read{hint}; write its Decision's "
                       "docket as 'Docket NN-NN-NN' in the order's first line or in a line above it that names "
                       "the Decision, then update the file's sha256 in the manifest", line=lead.line)


def item_text(body: Span) -> Span:
    """An item's body without its closing '; and' / ';' / '.' and copy marks ('*')."""
    m = _rx("item_tail").search(body.raw)
    return body.sub(0, m.start()) if m else body


def directives(doc: SourceDoc, regulator: str | None, state: str | None, rule: str) -> Iterator[Record]:
    """Directive records for every order in the text, plus citations where the text quotes one."""
    for order in find_orders(doc):
        if not regulator:
            raise SourceError(doc.id, f"Order {order.number} is quoted but no \"<Regulator>'s <date> Decision\" "
                              "names its regulator; set `options: {regulator: ...}` in the manifest",
                              line=order.lead.line)
        # the order's own words, wherever they are quoted: the regulator speaks, and orders
        base = {"regulator": regulator, "docket": order.docket, "order_number": order.number,
                "due_date": order.due_date, "compliance_docket": order.compliance_docket, "state": state,
                "voice": "regulator", "speaker": regulator, "attribution": "order"}
        made = []
        for n, it in order.items:
            quote = item_text(it.body)
            text = quote.clean()
            if not text:  # "- (3) ;" or "- (3) <b></b>": no words, and a directive is its words
                raise SourceError(doc.id, f"item ({n}) of Order {order.number} has no text after its number; write "
                                  "the item's words as the order states them, then update the file's sha256 in the "
                                  "manifest", line=it.body.line)
            rec = doc.record("directives", {"id": f"{doc.id}/directives/order-{order.number}-item-{n}",
                                            "item": n, "text": text, **base}, quote, f"{rule}:item")
            made.append(rec)
        extra = _further_requirement(doc, order)
        if extra is not None:
            made.append(doc.record("directives", {"id": f"{doc.id}/directives/order-{order.number}-item-0",
                                                  "item": 0, "text": extra.clean(), **base, "due_date": None},
                                   extra, f"{rule}:further_requirement"))
        yield from made
        yield from _restatements(doc, order, made, rule)


def _further_requirement(doc: SourceDoc, order: Order) -> Span | None:
    last = order.items[-1][1].body
    next_line = doc.text.find("\n", last.end)
    after = [ln for ln in lines(doc.span(next_line + 1)) if ln.raw.strip()] if next_line >= 0 else []
    if not after:
        return None
    nxt = after[0].strip()
    if list_items(nxt) or not _rx("further_requirement").search(nxt.raw):
        return None
    return nxt


def _norm(s: str) -> str:
    s = clean_text(s).translate(str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'}))
    return s.strip(" ,.;:").lower()


def _restatements(doc: SourceDoc, order: Order, made: list[Record], rule: str) -> Iterator[Record]:
    """A sentence that names the order and quotes an item's words is a citation of the item."""
    for sent in sentences(doc.span(order.lead.end)):
        if not any(_number(e) == order.number for e in find_entities(sent, {"ORDER"})):
            continue
        for m in _QUOTED.finditer(sent.raw):
            words = _norm(m.group(1))
            for rec in made:
                if words and words in _norm(rec.values["text"]):
                    yield doc.record("directives", {"id": rec.values["id"]}, sent, f"{rule}:restated")
                    break
