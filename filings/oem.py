"""Context of an MSA allowance application (an OEM's submission to an EDC).

Prefilled from the knowledge base for a known device or maker; what the knowledge base cannot
fill is a blank (a field with value None), and every blank is listed again at the end.
"""

from __future__ import annotations

from msakb.filings import context as c
from msakb.filings.kb import Citations, Kb


def _field(label: str, value, cite: int | None = None) -> dict:
    if value is not None and not str(value).strip():
        value = None
    return {"label": label, "value": value, "cite": cite if value is not None else None}


def application(kb: Kb, cites: Citations, o) -> dict:
    conf = c.settings().get("oem_application", {})
    edc = kb.utility(o.utility) if o.utility else None
    device = kb.device(o.device) if o.device else None
    maker = None
    if o.oem:
        maker = kb.manufacturer(o.oem)
    elif device is not None:
        maker = kb.one("SELECT * FROM manufacturers WHERE lower(name) = lower(?)", device["manufacturer"])

    device_cite = cites.add(device) if device else None
    device_fields = []
    for f in conf.get("device_fields", []):
        value = device.get(f["column"]) if device else None
        if f.get("yes_no") and value is not None:
            value = "yes" if value else "no"
        device_fields.append(_field(f["label"], value, device_cite))

    specs, approvals, required = [], [], []
    if device is not None:
        specs = [cites.cite(s) for s in kb.rows(
            "SELECT * FROM specs WHERE device_id = ? ORDER BY source_id, char_start, id", device["id"])]
        rows = kb.rows("SELECT * FROM approvals WHERE device_id = ? ORDER BY utility_id, id", device["id"])
        names = c.names(kb, "utilities", (a["utility_id"] for a in rows))
        for a in rows:
            approvals.append({**cites.cite(a), "utility_name": names.get(a["utility_id"], a["utility_id"])})
            for r in kb.rows("SELECT * FROM required_devices WHERE approval_id = ? ORDER BY option, id", a["id"]):
                required.append({**cites.cite(r), "utility_name": names.get(a["utility_id"], a["utility_id"])})

    maker_name = maker["name"] if maker else (device["manufacturer"] if device else None)
    maker_cite = cites.add(maker) if maker else device_cite
    contact = [_field("Manufacturer", maker_name, maker_cite),
               _field("Web site", maker["url"] if maker else None, maker_cite)]
    contact += [_field(label, None) for label in conf.get("applicant_blanks", [])]

    standards = []
    for pattern in conf.get("standards", []):
        for s in kb.rows("SELECT * FROM standards WHERE id LIKE ? ORDER BY id", pattern):
            if all(s["id"] != x["id"] for x in standards):
                tests = kb.rows("SELECT * FROM standard_tests WHERE standard = ? ORDER BY id", s["id"])
                standards.append({**cites.cite(s), "tests": [cites.cite(t) for t in tests],
                                  "report": _field(f"{s['id']} test report (number, laboratory, date)", None)})

    requirements, reference = [], None
    if edc is not None:
        requirements = c.restrictions(kb, cites, c.scope(kb, edc["id"], None), categories=["submission"])
    ref = conf.get("reference_requirements") or {}
    if not requirements and ref:
        ref_utility = kb.one("SELECT * FROM utilities WHERE id = ?", ref.get("utility"))
        if ref_utility is not None:
            requirements = c.restrictions(kb, cites, c.scope(kb, ref_utility["id"], None),
                                          categories=[ref.get("category", "submission")])
            reference = ref_utility if requirements else None

    documents = [_field(label, None) for label in conf.get("document_blanks", [])]
    all_fields = [*device_fields, *contact, *documents, *(s["report"] for s in standards)]
    return {
        "edc": edc,
        "device": device,
        "docket": o.docket,
        "maker_name": maker_name,
        "device_fields": device_fields,
        "specs": specs,
        "approvals": approvals,
        "required_devices": required,
        "contact": contact,
        "documents": documents,
        "standards": standards,
        "requirements": requirements,
        "reference_utility": reference,
        "blanks": [f["label"] for f in all_fields if f["value"] is None],
    }
