"""One context builder per kind of filing: `(filing, opts) -> dict` for its template.

A builder only reads the knowledge base and the options. Every fact it passes on carries its
footnote (`fn`) and who states it; a filer's terms are its own rows and the orders binding
it, anything else goes to the `reported` lists the templates print apart, "as reported by
<speaker>". `KINDS` maps each kind to its template; `program-redline` is filings.redline's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from msakb.errors import FilingError
from msakb.filings import context as c
from msakb.filings.filing import Filing
from msakb.filings.oem import application
from msakb.filings.options import Options
from msakb.filings.order26 import answering_kind, package
from msakb.filings.terms import installation_models, restriction_items, split


def waiver(f: Filing, o: Options) -> dict:
    """A customer's release for using an MSA at one utility (Order 26 item 1 in CT)."""
    if not o.utility:
        ids = [r["id"] for r in f.kb.rows("SELECT id FROM utilities WHERE (? IS NULL OR state = upper(?)) "
                                          "AND coalesce(kind, 'utility') = 'utility' ORDER BY id", o.state, o.state)]
        raise FilingError(f"a waiver is for one utility: give --utility ID; utilities: {', '.join(ids)}")
    where = c.scope(f.kb, o.utility, o.state)
    u = where["utility"]
    device = f.kb.device(o.device) if o.device else None
    topics = c.settings().get("waiver_topics", {})
    said = c.statements(f.kb, where, list(topics), device and device["id"])
    sections, reported = [], []
    for topic, heading in topics.items():
        terms, others = split(f, said[topic], u)
        sections.append({"topic": topic, "heading": heading, "terms": c.items(f.kb, f.cites, f.speakers, terms)})
        reported += [{**i, "topic": heading} for i in c.items(f.kb, f.cites, f.speakers, others)]
    reported += [{**i, "topic": topics.get("lifespan", "Expected lifespan")}
                 for i in c.items(f.kb, f.cites, f.speakers, c.lifespans(f.kb, device))]
    conditions, rep_cond = restriction_items(f, where, None, device and device["id"])
    eligibility = [r for r in conditions if r["category"] == "eligibility"]
    conditions = [r for r in conditions if r["category"] != "eligibility"]
    models_own, models_reported = installation_models(f, [u])
    fees, rep_fees = split(f, c.utility_rows(f.kb, "fees", u), u)
    timelines, rep_times = split(f, c.utility_rows(f.kb, "timelines", u), u)
    orders = [i for i in _order_items(f, u) if i["kind"] == "waiver"]
    return {
        **f.common(u, where["state"]),
        "utility": u, "state": where["state"],
        "device": {"name": c.plain(device["name"]), **c.items(f.kb, f.cites, f.speakers, [device])[0]} if device else None,
        "orders": orders,
        "eligibility": eligibility,
        "conditions": c.grouped(conditions),
        "sections": sections,
        "installation": models_own,
        "fees": c.items(f.kb, f.cites, f.speakers, fees),
        "timelines": c.items(f.kb, f.cites, f.speakers, timelines),
        "reported": reported + [{**i, "topic": "Installation model"} for i in models_reported],
        "reported_restrictions": c.grouped(rep_cond),
        "reported_fees": c.items(f.kb, f.cites, f.speakers, rep_fees + rep_times),
    }


def _order_items(f: Filing, utility: dict | None) -> list[dict]:
    """The items of the regulator's orders that bind the utility, each with the filing kind
    that answers it (filings.yaml's order_26 map)."""
    if utility is None:
        return []
    rows = f.kb.rows("SELECT * FROM directives ORDER BY docket, item, id")
    terms, _ = split(f, rows, utility)
    return [{**i, "kind": answering_kind(i["text"])} for i in c.items(f.kb, f.cites, f.speakers, terms)]


def dockets(f: Filing, utility: dict | None, kind: str, o: Options) -> dict:
    """The docket a filing of `kind` by `utility` answers (--docket, else that of the order
    item this kind answers), and its compliance docket."""
    answering = [i for i in _order_items(f, utility) if i["kind"] == kind and (not o.docket or o.docket == i["docket"])]
    first = answering[0] if answering else {}
    return {"docket": o.docket or first.get("docket") or "", "compliance_docket": first.get("compliance_docket") or ""}


def restrictions(f: Filing, o: Options) -> dict:
    """The finalized list of restrictions for a utility (or a state), each justified or flagged."""
    where = c.scope(f.kb, o.utility, o.state)
    terms, reported = restriction_items(f, where, device_id=o.device and f.kb.device(o.device)["id"])
    return {
        **f.common(where["utility"], where["state"]),
        "utility": where["utility"], "state": where["state"],
        **dockets(f, where["utility"], "restrictions", o),
        "filed": where["utility"] is not None,
        "scope_name": (where["utility"] or where["state"])["name"],
        "groups": c.grouped(terms),
        "count": len(terms),
        "unjustified": sum(1 for r in terms if r["needs_justification"]),
        "reported": c.grouped(reported),
    }


def installer_conditions(f: Filing, o: Options) -> dict:
    """Conditions for a party other than the EDC to install, maintain and service an MSA."""
    where = c.scope(f.kb, o.utility, o.state)
    conf = c.settings().get("installer_conditions", {})
    utilities = [where["utility"]] if where["utility"] else f.kb.rows(
        "SELECT * FROM utilities WHERE state = ? AND coalesce(kind, 'utility') = 'utility' ORDER BY id",
        where["state"]["code"])
    definitions = []
    for model, term in conf.get("models", {}).items():
        rows = f.kb.rows("SELECT * FROM definitions WHERE lower(term) = lower(?) ORDER BY id", term)
        definitions += [{**d, "model": model} for d in c.items(f.kb, f.cites, f.speakers, rows)]
    own, reported_models = installation_models(f, utilities)
    terms, reported = restriction_items(f, where, conf.get("categories"))
    said = c.statements(f.kb, where, ["maintenance", "failure_contact"])
    care, care_reported = split(f, said["maintenance"] + said["failure_contact"], where["utility"])
    return {
        **f.common(where["utility"], where["state"]),
        "utility": where["utility"], "state": where["state"],
        **dockets(f, where["utility"], "installer-conditions", o),
        "filed": where["utility"] is not None,
        "scope_name": (where["utility"] or where["state"])["name"],
        "models": own, "reported_models": reported_models,
        "unstated": [u["name"] for u in utilities if not u.get("installation_model")],
        "definitions": definitions,
        "groups": c.grouped(terms),
        "reported": c.grouped(reported),
        "care": c.items(f.kb, f.cites, f.speakers, care),
        "care_reported": c.items(f.kb, f.cites, f.speakers, care_reported),
    }


def oem_application(f: Filing, o: Options) -> dict:
    return application(f, o)


def order_26(f: Filing, o: Options) -> dict:
    return package(f, o)


@dataclass(frozen=True)
class Kind:
    name: str
    build: Callable[[Filing, Options], dict]
    title: str

    @property
    def template(self) -> str:
        return self.name


KINDS = {
    k.name: k
    for k in (
        Kind("waiver", waiver, "Meter socket adapter release and waiver"),
        Kind("restrictions", restrictions, "Restrictions on meter socket adapter use"),
        Kind("oem-application", oem_application, "Meter socket adapter allowance application"),
        Kind("installer-conditions", installer_conditions, "Conditions for third-party installation"),
        Kind("order-26", order_26, "Order No. 26 compliance filing"),
    )
}
ALL_KINDS = sorted([*KINDS, "program-redline"])
