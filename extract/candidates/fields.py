"""The structured fields of a statement: the entities inside it as values (amps, kA,
volts, hertz, meter form, phase, jaws, power, standard, model, fee, days, date), and, for an
eligibility statement, the limits it sets on a service, in the site fields of
db/query/site_fields.yaml (service_amps, meter_form, phase, voltage, instrument_rated).
Plain dicts and lists: a candidate is cached and stored as JSON."""

from __future__ import annotations

import re

from msakb.extract.candidates.cues import shapes
from msakb.extract.shared import quantities as q
from msakb.extract.shared.text import clean_text

_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
                 "forty-five": 45, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_PHASES = {"single": "single", "split": "single", "three": "three", "3": "three"}


def number_words(text: str) -> float | None:
    """'one hundred eighty' -> 180; '180' -> 180; None if the text states no number."""
    n = q.number(text)
    if n is not None:
        return n
    total, seen = 0, False
    for w in re.findall(r"[a-z]+(?:-[a-z]+)?", text.lower()):
        if w == "hundred":
            total = (total or 1) * 100
        elif w in _NUMBER_WORDS:
            total += _NUMBER_WORDS[w]
        else:
            continue
        seen = True
    return float(total) if seen else None


def duration(text: str) -> tuple[float | None, float | None, str | None]:
    """quantities.duration, reading numbers written as words too ('one hundred eighty days')."""
    lo, hi, unit = q.duration(text)
    if lo is None and hi is None:
        n = number_words(text)
        if n is not None:
            lo, hi = (None, n) if text.lower().startswith(("within", "under")) else (n, n)
    return lo, hi, unit


def _add(out: dict, key: str, value) -> None:
    if value is not None and value not in out.setdefault(key, []):
        out[key].append(value)


def entity_fields(entities, raw: str, base: int = 0) -> dict:
    """{field: [values]} of the entities (label, rule, start, end) of a statement whose raw
    text is `raw` (entity offsets counted from `base`)."""
    out: dict = {}
    for label, _, a, b in entities:
        text = clean_text(raw[a - base:b - base])
        if label == "AMPS":
            _add(out, "amps", q.amps(text))
        elif label == "KILOAMPS":
            _add(out, "kA", q.as_int_if_whole(q.number(text)))
        elif label == "VOLTS":
            low, high = q.volts(text)
            _add(out, "volts", f"{low}/{high}" if low else (str(high) if high else None))
        elif label == "HERTZ":
            _add(out, "hertz", q.hertz(text))
        elif label == "METER_FORM":
            _add(out, "meter_form", q.meter_form(text))
        elif label == "PHASE":
            _add(out, "phase", _PHASES.get(re.split(r"[\s-]", text.lower())[0]))
        elif label == "JAWS":
            _add(out, "jaws", q.as_int_if_whole(q.number(text)))
        elif label == "POWER":
            _add(out, "power", text)
        elif label in ("STANDARD", "STANDARD_CLAUSE"):
            _add(out, "standard", text)
        elif label == "MODEL_NUMBER":
            _add(out, "model", text)
        elif label == "MONEY":
            _add(out, "fee", q.money(text)[0])
        elif label == "DURATION":
            lo, hi, unit = duration(text)
            if unit and "day" in unit:
                _add(out, "days", q.as_int_if_whole(hi if hi is not None else lo))
            else:
                _add(out, "duration", text)
        elif label == "DATE":
            _add(out, "date", q.iso_date(text) or text)
    return {k: v for k, v in out.items() if v}


def limits(entities, raw: str, base: int, prohibition: bool) -> list[dict]:
    """The limits an eligibility statement sets, as conditions on site fields:
    [{field, op, value}]. A rating with "or less", "up to", "not exceeding" is an upper
    bound; "above", "over" in a statement that excludes is one too; a rating in a statement
    that excludes it without a comparison ("not on 320-amp services") is excluded."""
    rx = shapes()["eligibility"]
    text = raw
    entities = [(label, rule, a - base, b - base) for label, rule, a, b in entities]
    excludes = prohibition or bool(rx["not_eligible"].search(text))
    out = []
    for label, _, a, b in entities:
        value_text = clean_text(raw[a:b])
        near = text[max(0, a - 40):min(len(text), b + 30)]
        before = text[max(0, a - 40):a]
        if label == "AMPS":
            v = q.amps(value_text)
            if rx["at_most"].search(near):
                op = "<="
            elif rx["at_least"].search(near):
                op = ">="
            elif rx["above"].search(before):
                op = "<=" if excludes else ">"
            else:
                op = "not_equals" if excludes else "equals"
            out.append({"field": "service_amps", "op": op, "value": v})
        elif label == "METER_FORM":
            out.append({"field": "meter_form", "op": "not_in" if excludes and not _only(text) else "in",
                        "value": [q.meter_form(value_text)]})
        elif label == "PHASE":
            phase = _PHASES.get(re.split(r"[\s-]", value_text.lower())[0])
            out.append({"field": "phase", "op": "not_equals" if excludes and not _only(text) else "equals", "value": phase})
        elif label == "VOLTS":
            low, high = q.volts(value_text)
            out.append({"field": "voltage", "op": "equals", "value": f"{low}/{high}" if low else str(high)})
    m = rx["instrument_rated"].search(text)
    if m and excludes:
        out.append({"field": "instrument_rated", "op": "equals", "value": False})
    elif rx["self_contained"].search(text) and not excludes:
        out.append({"field": "instrument_rated", "op": "equals", "value": False})
    seen, unique = set(), []
    for lim in out:
        key = repr(sorted(lim.items()))
        if key not in seen:
            seen.add(key)
            unique.append(lim)
    return unique


def _only(text: str) -> bool:
    return re.search(r"(?i)\bonly\b|\bmust\s+be\b", text) is not None
