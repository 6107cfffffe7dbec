"""Context of the CT PURA Order 26 compliance package's cover letter.

The directives table holds the order's items (regulator, docket, due date, compliance docket);
filings/templates/filings.yaml says which document of the package answers each item.
"""

from __future__ import annotations

from msakb.errors import FilingError
from msakb.filings import context as c
from msakb.filings.kb import Citations, Kb


def directives(kb: Kb, state: str | None, docket: str | None) -> list[dict]:
    """The items of Order 26 for a state (and docket, when given)."""
    order = str(c.settings().get("order_26", {}).get("order_number", "26"))
    rows = kb.rows("SELECT * FROM directives WHERE order_number = ? ORDER BY docket, item, id", order)
    if not rows:
        raise FilingError(
            f"{kb.path}: no directives of Order {order} in the knowledge base; "
            "is the CT PURA meeting summary parsed? rebuild with msakb build"
        )
    if state:
        rows = [r for r in rows if r.get("state") in (None, state)]
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


def cover(kb: Kb, cites: Citations, o) -> dict:
    if not o.utility:
        raise FilingError("order-26 is filed by one Connecticut EDC: give --utility ID")
    where = c.scope(kb, o.utility, None)
    utility = where["utility"]
    items = directives(kb, None, o.docket)
    states = {r["state"] for r in items if r.get("state")}
    if states and utility["state"] not in states:
        edcs = [r["id"] for r in kb.rows("SELECT id FROM utilities WHERE state IN (%s) AND kind = 'utility'"
                                         % ",".join("?" * len(states)), *sorted(states))]
        raise FilingError(
            f"order-26 is for an EDC in {', '.join(sorted(states))}; {utility['id']!r} is in {utility['state']}; "
            f"choose one of: {', '.join(sorted(edcs))}"
        )
    conf = c.settings().get("order_26", {})
    mapping = conf.get("items", [])
    out = []
    for r in sorted(items, key=lambda r: (r["item"] == 0, r["item"])):
        kind = next((m["kind"] for m in mapping if m["match"].lower() in r["text"].lower()), None)
        out.append({**cites.cite(r), "kind": kind})
    first = items[0]
    dated = [i for i in out if i.get("due_date")]
    due = sorted({r["due_date"] for r in items if r.get("due_date")})
    compliance = sorted({r["compliance_docket"] for r in items if r.get("compliance_docket")})
    return {
        **c.party(where),
        "regulator": first["regulator"],
        "docket": first["docket"],
        "order_number": first["order_number"],
        "due_date": due[0] if due else None,
        "compliance_docket": compliance[0] if compliance else None,
        "due_cite": dated[0]["cite"] if dated else out[0]["cite"],
        "items": out,
        "parts": [k for k in conf.get("package", []) if any(i["kind"] == k for i in out)],
    }
