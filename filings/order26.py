"""Context of a CT PURA Order 26 compliance filing: the letter and the filing answering
each item of the order, with the documents this filing drafts as its labelled attachments.

The directives table holds the order's items (regulator, docket, due date, compliance
docket); filings/templates/filings.yaml says which document answers each item and, where the
knowledge base records the filer's own statement on an item, which statements to quote.
"""

from __future__ import annotations

import json
import string

from msakb.errors import FilingError
from msakb.filings import context as c
from msakb.filings.filing import Filing
from msakb.filings.terms import split

TITLES = {"waiver": "Meter socket adapter release and waiver",
          "restrictions": "Restrictions on meter socket adapter use",
          "oem-application": "Meter socket adapter allowance application",
          "installer-conditions": "Conditions for third-party installation, maintenance and service"}


def answering_kind(text: str) -> str | None:
    """The filing kind that answers an order item, by filings.yaml's phrases."""
    for m in c.settings().get("order_26", {}).get("items", []):
        if m["match"].lower() in text.lower():
            return m["kind"]
    return None


def directives(f: Filing, docket: str | None) -> list[dict]:
    """The items of Order 26 (of one docket when given)."""
    order = str(c.settings().get("order_26", {}).get("order_number", "26"))
    rows = f.kb.rows("SELECT * FROM directives WHERE order_number = ? ORDER BY docket, item, id", order)
    if not rows:
        raise FilingError(f"{f.kb.path}: no directives of Order {order} in the knowledge base; "
                          "is the CT PURA meeting summary parsed? rebuild with msakb build")
    if docket:
        found = [r for r in rows if r["docket"] == docket or r.get("compliance_docket") == docket]
        if not found:
            raise FilingError(f"no Order {order} items in docket {docket!r}; dockets: "
                              + ", ".join(sorted({r["docket"] for r in rows})))
        rows = found
    dockets = sorted({r["docket"] for r in rows})
    if len(dockets) > 1:
        raise FilingError(f"Order {order} appears in several dockets ({', '.join(dockets)}); choose one with --docket")
    return rows


def lead_in(f: Filing, items: list[dict]) -> dict | None:
    """The passage introducing the order's list of items ("26. No later than …, the EDCs
    shall file the following …:"), which states the due date and the compliance docket: the
    paragraph before the list, as an exact slice of the source."""
    first = min((r for r in items if r["item"]), key=lambda r: r["char_start"], default=None)
    if first is None:
        return None
    text = f.kb.source(first["source_id"])["text"]
    end = text.rfind("\n\n", 0, first["char_start"])
    start = text.rfind("\n\n", 0, end) + 2 if end > 0 else -1
    if start < 1 or not text[start:end].strip():
        return None
    while text[start].isspace():
        start += 1
    end = start + len(text[start:end].rstrip())
    return {"source_id": first["source_id"], "quote": text[start:end], "char_start": start, "char_end": end}


def _answers(f: Filing, utility: dict, rows: list[dict]) -> list[dict]:
    """The filer's own statements on an item: its own rows, or passages that name it (a
    working group's minutes recording what the EDCs said), each marked whether it is own."""
    groups = f.groups(utility)
    short = (f.parties.entity(utility["id"]).short if f.parties.entity(utility["id"]) else utility["name"]).lower()
    own = [r for r in rows if f.speakers.is_term(r, utility, groups)]
    named = [r for r in rows if r not in own and short in (r.get("quote") or "").lower()]
    return [{**i, "own": r in own} for i, r in zip(c.items(f.kb, f.cites, f.speakers, own + named), own + named)]


def package(f: Filing, o) -> dict:
    if not o.utility:
        raise FilingError("order-26 is filed by one Connecticut EDC: give --utility ID")
    where = c.scope(f.kb, o.utility, None)
    utility = where["utility"]
    rows = directives(f, o.docket)
    terms, _ = split(f, rows, utility)
    if not terms:
        states = sorted({r["state"] for r in rows if r.get("state")})
        edcs = [r["id"] for r in f.kb.rows("SELECT id FROM utilities WHERE state IN (SELECT value FROM json_each(?)) "
                                           "AND coalesce(kind, 'utility') = 'utility' ORDER BY id", json.dumps(states))]
        raise FilingError(f"Order {rows[0]['order_number']} binds the EDCs of {', '.join(states)}; {utility['id']!r} is in "
                          f"{utility['state']}; choose one of: {', '.join(edcs)}")
    conf = c.settings().get("order_26", {})
    parts = [k for k in conf.get("package", []) if any(answering_kind(r["text"]) == k for r in terms)]
    letters = dict(zip(parts, string.ascii_uppercase))
    said = c.statements(f.kb, where, [m["statements"] for m in conf.get("items", []) if m.get("statements")])
    items = []
    for item in sorted(c.items(f.kb, f.cites, f.speakers, terms), key=lambda r: (r["item"] == 0, r["item"])):
        kind = answering_kind(item["text"])
        topic = next((m.get("statements") for m in conf.get("items", []) if m["kind"] == kind), None)
        item.update(kind=kind or "", attachment=letters.get(kind, ""), title=TITLES.get(kind, ""),
                    label=f"Item ({item['item']})" if item["item"] else "Further",
                    statements=_answers(f, utility, said.get(topic, [])) if topic else [])
        items.append(item)
    first = terms[0]
    due = sorted({r["due_date"] for r in terms if r.get("due_date")})
    compliance = sorted({r["compliance_docket"] for r in terms if r.get("compliance_docket")})
    return {
        **f.common(utility, where["state"]),
        "utility": utility, "state": where["state"],
        "regulator": first["regulator"], "docket": first["docket"], "order_number": first["order_number"],
        "due_date": due[0] if due else "", "compliance_docket": compliance[0] if compliance else "",
        "due_fn": f.cites.add(lead_in(f, terms) or terms[0]),
        "items": items,
        "attachments": [{"letter": letters[k], "kind": k, "title": TITLES[k]} for k in parts],
        "filed": True,
    }
