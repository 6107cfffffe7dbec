"""Context of an MSA allowance application: an OEM's submission to the EDC it is addressed to.

Prefilled from the knowledge base for a known device: its particulars, its ratings (each
wording once, verbatim), its status at other utilities with the devices each approval requires
(per approval), and the test reports the EDC's own requirements name (or, where it has none,
those of the reference utility in filings.yaml, as reported). What the knowledge base lacks
is a marker listed at the end.
"""

from __future__ import annotations

import json
import re

from msakb.errors import FilingError
from msakb.filings import context as c
from msakb.filings.filing import Filing
from msakb.filings.terms import split

_SENTENCE = re.compile(r"(?<=[.;])\s+(?=[A-Z])")


def _maker(f: Filing, o, device: dict | None) -> dict | None:
    """The applicant: --oem, else the device's manufacturer; the two must agree."""
    if o.oem:
        maker = f.kb.manufacturer(o.oem)
        if device is not None and (device["manufacturer"] or "").lower() != maker["name"].lower():
            raise FilingError(
                f"--oem {o.oem!r} is {maker['name']}, but device {device['id']!r} is made by "
                f"{device['manufacturer'] or 'an unnamed manufacturer'}; an OEM applies for its own devices: "
                f"drop --oem, or choose one of {maker['name']}'s devices")
        return maker
    if device is not None:
        return f.kb.one("SELECT * FROM manufacturers WHERE lower(name) = lower(?)", device["manufacturer"])
    return None


def ratings(f: Filing, device: dict) -> list[dict]:
    """The device's ratings as its sources word them, each wording once (an approval list
    repeats them per approval); quantities sharing a label in filings.yaml are joined in
    order ("120/240 VAC/180" and "SPLIT PHASE" -> "Voltage and phase: 120/240 VAC/180 SPLIT PHASE")."""
    rows = f.kb.rows("SELECT * FROM specs WHERE device_id = ? ORDER BY source_id, char_start, id", device["id"])
    labels = c.settings().get("oem_application", {}).get("ratings", {})
    per_listing: dict = {}
    for r in rows:
        if r["quantity"] in labels:
            per_listing.setdefault((r["source_id"], r.get("approval_id")), []).append(r)
    wordings: dict[tuple, list] = {}
    for listing in per_listing.values():
        for label in dict.fromkeys(labels.values()):
            parts = [r for q, lab in labels.items() if lab == label for r in listing if r["quantity"] == q]
            if parts:
                text = " ".join(_wording(r) for r in parts)
                wordings.setdefault((label, text), []).extend(parts)
    order = {lab: i for i, lab in enumerate(dict.fromkeys(labels.values()))}
    return [{"label": label, "text": text, "fn": f.cites.add(*cited)}
            for (label, text), cited in sorted(wordings.items(), key=lambda kv: order[kv[0][0]])]


def _wording(r: dict) -> str:
    text = c.plain(r["text"])
    q = r.get("qualifier") or ""
    return f"{text} {q}" if q and q.isalpha() and q.lower() not in text.lower() else text


def approvals(f: Filing, device: dict, edc: dict | None) -> tuple[list, list]:
    """(at the addressee, at other utilities): each approval with its status, who states it,
    and the devices it requires, option by option ("A and B", or "C or D")."""
    rows = f.kb.rows("SELECT a.*, u.name AS utility_name FROM approvals a LEFT JOIN utilities u ON u.id = a.utility_id "
                     "WHERE a.device_id = ? ORDER BY a.utility_id, a.source_id, a.char_start, a.id", device["id"])
    here, other = [], []
    for item, row in zip(c.items(f.kb, f.cites, f.speakers, rows), rows):
        required = f.kb.rows("SELECT * FROM required_devices WHERE approval_id = ? ORDER BY option, id", row["id"])
        options: dict = {}
        for r in required:
            options.setdefault(r["option"], []).append(r)
        item["requires"] = [{"text": " and ".join(c.plain(d["name"]) + (f" ({d['model']})" if d.get("model") else "")
                                                 for d in devs),
                             "fn": f.cites.add(*devs)} for devs in options.values()]
        item["own"] = f.speakers.is_term({**row, "utility_id": row["utility_id"]}, {"id": row["utility_id"]})
        item["utility_name"] = row["utility_name"] or row["utility_id"]
        (here if edc is not None and row["utility_id"] == edc["id"] else other).append(item)
    return here, other


def test_reports(f: Filing, requirements: list[dict], maker: str | None) -> list[dict]:
    """The standards a requirement asks test reports for (in its sentence that names test
    reports, not those it names as what the adapter interfaces with), each with its
    supplements, and the tests the sources list for it when they are the applicant's own."""
    standards = f.kb.rows("SELECT * FROM standards ORDER BY id")
    asked: list[dict] = []
    for req in requirements:
        for sentence in _SENTENCE.split(req["text"]):
            if "test report" not in sentence.lower():
                continue
            for s in standards:
                pattern = rf"(?<![\w.]){re.escape(s['body'] or '')}[\s-]*{re.escape(s['number'] or '')}(?!\w|\.\d)"
                if s["number"] and re.search(pattern, sentence) and s not in asked:
                    asked.append(s)
    out = []
    for s in asked:
        supplements = [x for x in standards if x["id"] != s["id"] and re.fullmatch(re.escape(s["id"]) + r"[A-Z]", x["id"])]
        tests = f.kb.rows("SELECT * FROM standard_tests WHERE standard IN (SELECT value FROM json_each(?)) ORDER BY standard, id",
                          _json([s["id"], *(x["id"] for x in supplements)]))
        owner = _tests_owner(f, tests)
        out.append({**c.items(f.kb, f.cites, f.speakers, [s])[0], "id": s["id"], "title": c.plain(s["title"] or ""),
                    "supplements": [x["id"] for x in supplements],
                    "tests": c.items(f.kb, f.cites, f.speakers, tests) if owner and maker and owner.lower() == maker.lower() else [],
                    "tests_owner": owner or ""})
    return out


def _json(values) -> str:
    return json.dumps(list(values))


def _tests_owner(f: Filing, tests: list[dict]) -> str | None:
    """The manufacturer whose device the listed tests were run on, when their criteria say so
    (a maker named in them): those criteria are that device's, not a requirement for others."""
    makers = [m["name"] for m in f.kb.rows("SELECT DISTINCT manufacturer AS name FROM devices WHERE manufacturer IS NOT NULL")]
    for t in tests:
        for m in makers:
            if re.search(rf"\b{re.escape(m)}\b", t.get("criteria") or ""):
                return m
    return None


def application(f: Filing, o) -> dict:
    conf = c.settings().get("oem_application", {})
    edc = f.kb.utility(o.utility) if o.utility else None
    device = f.kb.device(o.device) if o.device else None
    maker = _maker(f, o, device)
    maker_name = maker["name"] if maker else (device["manufacturer"] if device else None)
    requirements, reported, reference = [], [], None
    if edc is not None:
        rows = c.restriction_rows(f.kb, c.scope(f.kb, edc["id"], None), ["submission"])
        terms, _ = split(f, rows, edc)
        requirements = c.items(f.kb, f.cites, f.speakers, terms)
    ref = conf.get("reference_requirements") or {}
    if not requirements and ref.get("utility"):
        reference = f.kb.one("SELECT * FROM utilities WHERE id = ?", ref["utility"])
        if reference is not None:
            rows = c.restriction_rows(f.kb, c.scope(f.kb, reference["id"], None), [ref.get("category", "submission")])
            reported = c.items(f.kb, f.cites, f.speakers, rows)
            reference = reference if reported else None
    here, other = approvals(f, device, edc) if device else ([], [])
    particulars = device is not None and any(device.get(k) for k in ("model", "rated_amps", "volts", "meter_form"))
    return {
        **f.common(edc, f.kb.state(edc["state"]) if edc and edc.get("state") else None),
        "edc": edc, "maker": maker_name or "", "maker_url": (maker or {}).get("url") or "",
        "maker_fn": f.cites.add(maker) if maker else "",
        "device": {**c.items(f.kb, f.cites, f.speakers, [device])[0], "name": c.plain(device["name"]),
                   "isolating": {1: "yes", 0: "no"}.get(device.get("isolating"), "")} if device else None,
        "known_by_name_only": device is not None and not particulars,
        "ratings": ratings(f, device) if device else [],
        "status_here": here, "status_elsewhere": other,
        "requirements": requirements, "reference_requirements": reported,
        "reference_utility": reference,
        "test_reports": test_reports(f, requirements or reported, maker_name),
    }
