"""The shapes of statement other than approvals (extract/candidates/approvals.py), each
a structured proposal for one table, as utilities and legislatures publish them:

- definition: "'meter socket adapter' shall mean ..." -> definitions (term, definition);
- requirement with parts: a lead-in that obliges with its enumerated items, on lines of
  their own or inline ("... if the adapter: (i) ...; (ii) ...") -> one restriction, its
  parts among its fields;
- eligibility: a limit on the services that may have one (rating, meter form, phase,
  voltage, instrument-rated meters) -> a restriction of category eligibility, its limits
  as conditions on site fields;
- installation model: who installs ("PG&E installs every approved adapter", "may only be
  installed on a separate customer-owned meter base") -> the utility's installation_model
  (the wordings the dedicated parsers read, extract/patterns/installation_models.yaml, first);
  where no utility speaks (a statute), who may install -> a restriction of category installation;
- a regulator's order: its numbered items -> directives, its effective date -> decisions
  (extract/candidates/orders.py);
- fee and timeline of a utility -> fees, timelines; a deadline where no utility speaks
  (a statute's "on or before July 1, 2027") -> a requirement with its date or days;
- a device's ratings -> the device row's rating columns;
- any other obligation of the field -> a restriction (requirement, prohibition, permission).

Each statement gives the proposals of the first shape it has (a fee and a timeline together).
"""

from __future__ import annotations

import re

from msakb.extract.candidates.approvals import approvals
from msakb.extract.candidates.cues import PRIORITY, config, shapes
from msakb.extract.candidates.fields import duration, limits
from msakb.extract.candidates.orders import decision_date, directive
from msakb.extract.candidates.statements import Statement
from msakb.extract.shared.installation_models import installation_models
from msakb.extract.shared import quantities as q
from msakb.extract.shared.text import Span, clean_text

RATINGS = {"AMPS", "KILOAMPS", "VOLTS", "HERTZ", "METER_FORM", "PHASE"}
LIMITS = {"AMPS", "METER_FORM", "PHASE", "VOLTS"}


def propose_statement(ctx, st: Statement, read) -> list[dict]:
    """The proposals of one statement, in the order of the shapes above."""
    if st.span.raw.rstrip("* ").endswith("?"):
        return []
    if st.shape == "cell":  # a sentence inside a table cell: its row is the statement of the rest
        return obligation(ctx, st, read)
    for shape in (directive, definition, decision_date, approvals, requirement_with_parts, eligibility, installation,
                  fees_and_timelines, deadline, device_ratings, obligation):
        out = shape(ctx, st, read)
        if out:
            return out
    return []


def _restriction(ctx, st, read, category: str):
    uid, support = ctx.utility(st, read)
    state = None
    if uid is None:
        state, support = ctx.state()
    values = {"utility_id": uid, "state": state, "device_id": None, "category": category, "section": None,
              "text": clean_text(st.span.raw), "justification": None}
    return values, support


def definition(ctx, st: Statement, read) -> list[dict]:
    if st.shape not in ("sentence", "item"):
        return []
    for p in shapes()["definitions"]:
        m = p["rx"].search(st.span.raw)
        if m:
            term = clean_text(m.group("term")).strip(" ,")
            values = {"term": term, "definition": clean_text(m.group("definition"))}
            trigger = st.span.sub(m.start("term"), m.end("term"))
            return [ctx.make(st, "definition", f"generic:definition:{p['id']}", "definitions", values, trigger,
                             "definition", read, [])]
    return []


_PART_END = re.compile(r"(?:[;,.]\s*(?:and|or)?|\s+(?:and|or))\s*$")


def _inline_parts(st: Statement) -> list[Span]:
    raw = st.span.raw
    marks = list(shapes()["inline_parts"].finditer(raw))
    if len(marks) < 2:
        return []
    out = []
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(raw)
        piece = raw[m.end():end]
        trimmed = _PART_END.sub("", piece.rstrip())
        out.append(st.span.sub(m.end(), m.end() + len(trimmed)))
    return out


def requirement_with_parts(ctx, st: Statement, read) -> list[dict]:
    parts = st.parts if st.shape == "clause" else _inline_parts(st)
    if len(parts) < 2:
        return []
    lead_end = parts[0].start
    cues = [c for c in read.cues if c[2] < lead_end]
    if not cues:
        return []
    cue = max(cues, key=lambda c: (PRIORITY[c[0]], -c[2]))
    values, support = _restriction(ctx, st, read, cue[0])
    fields = {"parts": [_PART_END.sub("", clean_text(p.raw)) for p in parts]}
    return [ctx.make(st, "requirement", f"generic:requirement:{cue[1]}", "restrictions", values,
                     Span(st.span.text, cue[2], cue[3]), cue[0], read, support, fields=fields)]


def eligibility(ctx, st: Statement, read) -> list[dict]:
    rx = shapes()["eligibility"]
    text = st.span.raw
    ents = [e for e in read.entities if e[0] in LIMITS]
    if not (ents or rx["instrument_rated"].search(text)) or not rx["gate"].search(text) or not rx["context"].search(text):
        return []
    prohibition = any(c[0] == "prohibition" for c in read.cues)
    found = limits(ents, st.span.raw, st.span.start, prohibition)
    if not found:
        return []
    values, support = _restriction(ctx, st, read, "eligibility")
    trigger = Span(st.span.text, ents[0][2], ents[0][3]) if ents else st.span
    return [ctx.make(st, "eligibility", "generic:eligibility:limits", "restrictions", values, trigger, "eligibility",
                     read, support, fields={"limits": found})]


def _who(ctx, who: str, span: Span) -> str | None:
    s = shapes()
    if s["installer_words"].search(who):
        return "installer"
    if ctx.gaz.find_utilities(span) or s["utility_words"].search(who):
        return "utility"
    return None


def installation(ctx, st: Statement, read) -> list[dict]:
    s = shapes()
    text = st.span.raw
    if not (s["msa_words"].search(text) or any(t[0] == "meter socket adapter" for t in read.terms)):
        return []
    uid, _ = ctx.utility(st, read)
    if uid is not None:  # a wording the dedicated parsers read a utility's own model in, first
        own = next(installation_models(ctx.doc, ctx.gaz, uid, [st.span], ""), None)
        if own is not None:
            u = ctx.gaz.utilities[uid]
            values = {"id": uid, "name": u["name"], "state": u["state"], "kind": u["kind"],
                      "installation_model": own.values["installation_model"]}
            return [ctx.make(st, "installation_model", "generic:installation_model:installation_models.yaml",
                             "utilities", values, own.span, values["installation_model"], read, [])]
    for p in s["installation_models"]:
        m = p["rx"].search(text)
        if not m:
            continue
        model = p["model"]
        if model == "who_installs":
            who = st.span.sub(m.start("who"), m.end("who"))
            model = _who(ctx, who.raw, who)
            if model is None:
                continue
        trigger = st.span.sub(m.start(), m.end())
        uid, support = ctx.utility(st, read)
        if uid is not None:
            u = ctx.gaz.utilities[uid]
            values = {"id": uid, "name": u["name"], "state": u["state"], "kind": u["kind"], "installation_model": model}
            return [ctx.make(st, "installation_model", f"generic:installation_model:{p['id']}", "utilities", values,
                             trigger, model, read, [])]
        if model in ("utility", "installer"):
            values, support = _restriction(ctx, st, read, "installation")
            return [ctx.make(st, "installation", f"generic:installation:{p['id']}", "restrictions", values, trigger,
                             model, read, support, fields={"installer": model})]
        return []  # the first pattern that matches says what the statement is
    return []


def fees_and_timelines(ctx, st: Statement, read) -> list[dict]:
    c = config()
    fee_words = re.compile(c["fee_words"])
    money = [e for e in read.entities if e[0] == "MONEY"]
    durations = [e for e in read.entities if e[0] in c.get("timeline_labels", [])]
    if not money and not durations:
        return []
    uid, support = ctx.utility(st, read)
    if uid is None:
        return []
    text = clean_text(st.span.raw)
    out = []
    for label, rule, a, b in money:
        header = _column_header(st, a)
        if not (fee_words.search(text) or (header and fee_words.search(header))):
            continue
        amount, currency = q.money(st.span.text[a:b])
        per = shapes()["fee_per"].search(text)
        values = {"utility_id": uid, "amount": amount, "currency": currency, "per": per.group("per").lower() if per else None,
                  "text": text}
        out.append(ctx.make(st, "fee", f"generic:fees:{rule}", "fees", values, Span(st.span.text, a, b), label, read,
                            support))
        break  # one fee per statement: a second amount is a detail of the first ("$185, or $95 for a return trip")
    for label, rule, a, b in durations[:1]:
        lo, hi, unit = duration(st.span.text[a:b])
        activity = clean_text(st.cells[0].raw) if st.cells else text
        values = {"utility_id": uid, "activity": activity, "min_value": lo, "max_value": hi, "unit": unit,
                  "text": clean_text(st.span.text[a:b])}
        out.append(ctx.make(st, "timeline", f"generic:timelines:{rule}", "timelines", values, Span(st.span.text, a, b),
                            label, read, support))
    return out


def _column_header(st: Statement, at: int) -> str | None:
    if not st.cells or not st.header:
        return None
    for k, cell in enumerate(st.cells):
        if cell.start <= at < cell.end and k < len(st.header):
            return st.header[k].clean()
    return None


def deadline(ctx, st: Statement, read) -> list[dict]:
    if not read.cues or st.shape == "row":
        return []
    words = shapes()["deadline_words"]
    for label, rule, a, b in read.entities:
        before = st.span.text[max(st.span.start, a - 20):a]
        if (label == "DATE" and words.search(before)) or label == "DURATION":
            cue = max(read.cues, key=lambda c: (PRIORITY[c[0]], -c[2]))
            values, support = _restriction(ctx, st, read, cue[0])
            if values["utility_id"] is not None:
                return []
            return [ctx.make(st, "deadline", f"generic:deadline:{rule}", "restrictions", values, Span(st.span.text, a, b),
                             cue[0], read, support)]
    return []


def device_ratings(ctx, st: Statement, read) -> list[dict]:
    ratings = [e for e in read.entities if e[0] in RATINGS]
    if not ratings or st.shape == "clause" or len(read.devices) != 1:
        return []
    d = read.devices[0]
    values = {"id": d["alias"]}
    fields = read.fields
    for col, key in (("rated_amps", "amps"), ("hertz", "hertz"), ("meter_form", "meter_form"), ("phase", "phase")):
        if len(fields.get(key, [])) == 1:
            values[col] = fields[key][0]
    if len(fields.get("volts", [])) == 1:
        low, high = q.volts(fields["volts"][0])
        values["volts_low"], values["volts"] = low, high
    if len(values) == 1:
        return []
    first = ratings[0]
    return [ctx.make(st, "device", f"generic:device:{first[1]}", "devices", values, Span(st.span.text, first[2], first[3]),
                     first[0], read, [], device=d, key=d["name"])]


def obligation(ctx, st: Statement, read) -> list[dict]:
    cues, rule_kind, lead_terms = read.cues, "obligation", False
    if not cues and st.lead is not None and st.shape == "item":
        lead = ctx.read(st.lead)
        cues = [c for c in lead.cues if c[1] in config().get("lead_rules", [])]
        rule_kind, lead_terms = "obligation-item", bool(lead.terms or lead.entities)
    if not cues or len(clean_text(st.span.raw).split()) < 3:
        return []
    field_labels = set(config()["field_labels"])
    of_field = (lead_terms or read.terms or read.devices or read.utilities
                or any(e[0] in field_labels for e in read.entities))
    if not of_field:
        return []
    cue = max(cues, key=lambda c: (PRIORITY[c[0]], -c[2]))
    values, support = _restriction(ctx, st, read, cue[0])
    device = read.devices[0] if len(read.devices) == 1 else None
    return [ctx.make(st, "obligation", f"generic:{rule_kind}:{cue[1]}", "restrictions", values,
                     Span(st.span.text, cue[2], cue[3]), cue[0], read, support, device=device)]
