"""Values of entities: the number (and unit) an entity's text states.

Each parser takes the entity's raw text and returns a plain value; none guesses: text it
cannot read gives None, and the caller keeps the verbatim text in the quote either way.
"""

from __future__ import annotations

import datetime as dt
import re

MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), 1)}

_NUM = re.compile(r"\d[\d,]*(?:\.\d+)?")


def numbers(text: str) -> list[float]:
    return [float(n.replace(",", "")) for n in _NUM.findall(text)]


def number(text: str) -> float | None:
    ns = numbers(text)
    return ns[0] if ns else None


def as_int_if_whole(x: float | None):
    if x is None:
        return None
    return int(x) if float(x).is_integer() else x


def amps(text: str):
    """'200A' -> 200, '22,000 amps' -> 22000, '22kA' -> 22000, '40–50 amp' -> 40 (the low end)."""
    n = number(text)
    if n is None:
        return None
    if re.search(r"\dkA|\bkA", text):
        n *= 1000
    return as_int_if_whole(n)


def volts(text: str) -> tuple[int | None, int | None]:
    """'120/240 VAC/180' -> (120, 240); '240V' -> (None, 240); '120/208 volt' -> (120, 208).
    Returns (line-to-neutral, line-to-line) where the text gives both, else (None, value)."""
    m = re.match(r"\s*(\d+)(?:/(\d+))?", text)
    if not m:
        return None, None
    if m.group(2):
        return int(m.group(1)), int(m.group(2))
    return None, int(m.group(1))


def hertz(text: str):
    return as_int_if_whole(number(text))


def meter_form(text: str) -> str | None:
    m = re.search(r"\b(\d{1,2}S)\b", text)
    return m.group(1) if m else None


def money(text: str) -> tuple[float | None, str]:
    """'\\$279.22' -> (279.22, 'USD'); '\\$1M' -> (1000000.0, 'USD')."""
    m = re.search(r"\$\s*([\d,]+(?:\.\d+)?)\s*([MK]|million|billion)?", text)
    if not m:
        return None, "USD"
    v = float(m.group(1).replace(",", ""))
    mult = {"M": 1e6, "million": 1e6, "K": 1e3, "billion": 1e9}.get(m.group(2) or "", 1)
    return v * mult, "USD"


def iso_date(text: str) -> str | None:
    """'04/12/2026' and 'March 31, 2025' -> ISO dates; '11/13/24' -> 2024-11-13.
    A month and year alone ('May 2024') gives 'YYYY-MM'; text without a year gives None."""
    t = text.strip()
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})", t)
    if m:
        year = int(m.group(3))
        year += 2000 if year < 100 else 0
        return dt.date(year, int(m.group(1)), int(m.group(2))).isoformat()
    m = re.fullmatch(r"([A-Za-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", t)
    if m and m.group(1).lower() in MONTHS:
        return dt.date(int(m.group(3)), MONTHS[m.group(1).lower()], int(m.group(2))).isoformat()
    m = re.fullmatch(r"([A-Za-z]+)\s+(\d{4})", t)
    if m and m.group(1).lower() in MONTHS:
        return f"{int(m.group(2)):04d}-{MONTHS[m.group(1).lower()]:02d}"
    return None


def duration(text: str) -> tuple[float | None, float | None, str | None]:
    """'5 to 10 business days' -> (5, 10, 'business days'); 'within 30 business days' ->
    (None, 30, ...); 'Minimum 15 years' -> (15, None, 'years'); '20+ years' -> (20, None, ...)."""
    words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10}
    t = text.lower()
    for w, n in words.items():
        t = re.sub(rf"\b{w}\b", str(n), t)
    ns = numbers(t)
    unit_m = re.search(r"((?:business|calendar|working)\s+)?(day|week|month|year|hour|minute|second)s?", t)
    unit = None
    if unit_m:
        unit = (unit_m.group(1) or "") + unit_m.group(2) + "s"
    if not ns:
        return None, None, unit
    if len(ns) >= 2:
        return ns[0], ns[1], unit
    if t.startswith(("within", "under")):
        return None, ns[0], unit
    if t.startswith("minimum") or "+" in t:
        return ns[0], None, unit
    return ns[0], ns[0], unit
