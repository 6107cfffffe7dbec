"""One context builder per kind of filing: `(kb, cites, opts) -> dict` for its template.

A builder only reads the knowledge base (through `Kb`) and the options; every statement it
passes on is a row with its citation number, or a clearly marked blank. `KINDS` maps each kind
to its template and builder; `program-redline` is handled by filings.redline instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from msakb.errors import FilingError
from msakb.filings import context as c
from msakb.filings.kb import Citations, Kb


@dataclass(frozen=True)
class Options:
    utility: str | None = None
    state: str | None = None
    device: str | None = None
    oem: str | None = None
    docket: str | None = None


def waiver(kb: Kb, cites: Citations, o: Options) -> dict:
    """A customer's liability waiver for using an MSA at one utility."""
    if not o.utility:
        where = "" if not o.state else f" in {o.state.upper()}"
        ids = [r["id"] for r in kb.rows("SELECT id FROM utilities WHERE ? IS NULL OR state = upper(?) ORDER BY id",
                                        o.state, o.state)]
        raise FilingError(f"a waiver is for one utility: give --utility ID; utilities{where}: {', '.join(ids)}")
    where = c.scope(kb, o.utility, o.state)
    device = kb.device(o.device) if o.device else None
    topics = c.settings().get("waiver_topics", {})
    return {
        **c.party(where),
        "device": device,
        "docket": o.docket,
        "topics": [{"topic": t, "heading": h} for t, h in topics.items()],
        "statements": c.statements(kb, cites, where, list(topics), device and device["id"]),
        "lifespans": c.lifespans(kb, cites, device),
        "restrictions": c.grouped(c.restrictions(kb, cites, where, device_id=device and device["id"])),
    }


def restrictions(kb: Kb, cites: Citations, o: Options) -> dict:
    """The finalized list of restrictions for a utility or a state, each justified or flagged."""
    where = c.scope(kb, o.utility, o.state)
    rows = c.restrictions(kb, cites, where, device_id=o.device and kb.device(o.device)["id"])
    return {
        **c.party(where),
        "docket": o.docket,
        "groups": c.grouped(rows),
        "count": len(rows),
        "unjustified": sum(1 for r in rows if r["needs_justification"]),
    }


def installer_conditions(kb: Kb, cites: Citations, o: Options) -> dict:
    """Conditions for a party other than the EDC to install, maintain and service an MSA."""
    where = c.scope(kb, o.utility, o.state)
    conf = c.settings().get("installer_conditions", {})
    if where["utility"]:
        utilities = [where["utility"]]
    else:
        utilities = kb.rows("SELECT * FROM utilities WHERE state = ? ORDER BY id", where["state"]["code"])
    terms = conf.get("models", {})
    definitions = []
    for model, term in terms.items():
        for d in kb.rows("SELECT * FROM definitions WHERE lower(term) = lower(?) ORDER BY id", term):
            definitions.append({**cites.cite(d), "model": model})
    models = [
        {**cites.cite(u), "model": u["installation_model"],
         "model_name": conf.get("model_names", {}).get(u["installation_model"])}
        for u in utilities
    ]
    rows = c.restrictions(kb, cites, where, categories=conf.get("categories"))
    maintenance = c.statements(kb, cites, where, ["maintenance", "failure_contact"])
    return {
        **c.party(where),
        "docket": o.docket,
        "utilities": models,
        "definitions": definitions,
        "groups": c.grouped(rows),
        "maintenance": maintenance["maintenance"]["here"],
        "failure_contact": maintenance["failure_contact"]["here"],
    }


def oem_application(kb: Kb, cites: Citations, o: Options) -> dict:
    """An MSA allowance application an OEM submits to an EDC, prefilled for a known device."""
    from msakb.filings.oem import application

    return application(kb, cites, o)


def order_26(kb: Kb, cites: Citations, o: Options) -> dict:
    """The cover letter of CT PURA Order 26's compliance package; its parts are the other kinds."""
    from msakb.filings.order26 import cover

    return cover(kb, cites, o)


@dataclass(frozen=True)
class Kind:
    name: str
    template: str
    build: Callable[[Kb, Citations, Options], dict]
    title: str


KINDS = {
    k.name: k
    for k in (
        Kind("waiver", "waiver.html.j2", waiver, "Liability waiver"),
        Kind("restrictions", "restrictions.html.j2", restrictions, "Restrictions on MSA use"),
        Kind("oem-application", "oem-application.html.j2", oem_application, "MSA allowance application"),
        Kind("installer-conditions", "installer-conditions.html.j2", installer_conditions,
             "Conditions for third-party installation"),
        Kind("order-26", "order-26.html.j2", order_26, "Order 26 compliance filing"),
    )
}
ALL_KINDS = sorted([*KINDS, "program-redline"])
