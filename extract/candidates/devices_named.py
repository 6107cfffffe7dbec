"""Devices a statement names, and the approval words near them.

A device is named by a gazetteer alias or family alias (kb/gazetteer/devices.yaml), in a
table's model or device column (with its manufacturer column), by a maker
(patterns/candidates.yaml `manufacturers`) followed by a model number ("Sigen Backup Switch
SBS-200-US"), or by a model number alone. A mention says what the text says (maker,
product words, model, the alias it matched); which device it is, known or new, is decided
against every device the knowledge base knows when the build has them all
(extract/candidates/known_devices.py).
"""

from __future__ import annotations

import re
from functools import lru_cache

from msakb.errors import SourceError
from msakb.extract.candidates.cues import config
from msakb.extract.shared.devices import device_name
from msakb.extract.shared.statuses import normalise_status
from msakb.extract.shared.text import Span, clean_text, html_items
from msakb.knowledge.gazetteer import Gazetteer

_MODEL_TAIL = re.compile(r"^(?P<product>.*?)\s*(?P<model>\S*\d\S*)$")
_GAP = re.compile(r"^[\s,]*((?:[A-Z][\w.]*\s+){0,3})$")  # words between a maker and its model number


@lru_cache(maxsize=None)
def _cues() -> list[tuple[str, re.Pattern, str]]:
    return [(c["id"], re.compile(c["pattern"]), c["status"]) for c in config().get("approval_cues", [])]


def approval_cue(text: str) -> tuple[str, str, re.Match] | None:
    """(status, cue id, match) of the first approval cue in `text`, or None."""
    for cid, rx, status in _cues():
        m = rx.search(text)
        if m:
            return status, cid, m
    return None


@lru_cache(maxsize=None)
def _caption_cues() -> list[tuple[str, re.Pattern, str]]:
    return [(c["id"], re.compile(c["pattern"]), c["status"]) for c in config().get("caption_cues", [])]


def caption_status(spans: list[Span]) -> tuple[str, str, Span] | None:
    """(status, cue id, span of the words) from the first of `spans` (headings above a
    table, nearest first, then its caption) that has an approval word."""
    for sp in spans:
        for cid, rx, status in _caption_cues():
            m = rx.search(sp.raw)
            if m:
                return status, cid, sp.sub(m.start(), m.end())
    return None


def cell_status(cell: Span) -> tuple[str, str] | None:
    """(status, rule) of a table cell that states an approval status: first by the
    project's status lookups (patterns/statuses.yaml), else by the approval cues."""
    text = cell.clean().strip("* ")
    if not text or len(text) > 80:
        return None
    try:
        status, _ = normalise_status(text)
        return status, "statuses"
    except SourceError:
        pass
    cue = approval_cue(text)
    return (cue[0], cue[1]) if cue else None


@lru_cache(maxsize=None)
def _makers() -> tuple[list[str], re.Pattern]:
    names = sorted(config().get("manufacturers", []), key=len, reverse=True)
    return names, re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, names)) + r")(?![\w-])")


def mention(span: Span, name: str, maker: str | None, gaz: Gazetteer) -> dict:
    """What a device name says: maker, product words, model number, and the gazetteer
    alias it is, if any."""
    makers, _ = _makers()
    if maker is None:
        maker = next((mk for mk in makers if name.startswith(mk + " ")), None)
    rest = name[len(maker) + 1:] if maker and name.startswith(maker + " ") else name
    m = _MODEL_TAIL.match(rest)
    product, model = ((m.group("product") or None), m.group("model")) if m else (None, None)
    if model is None and maker and rest and rest != name:
        model = rest  # "NeWorld EQB MIM 200 Plus PE": the maker, then the model as listed
    alias = gaz.resolve_device(name) or (gaz.resolve_device(f"{maker} {name}") if maker else None)
    return {"start": span.start, "end": span.end, "name": name, "maker": maker, "product": product,
            "model": model, "alias": alias}


def find_devices(unit: Span, gaz: Gazetteer, models: list[Span], cells: list[Span] | None = None,
                 header: list[Span] | None = None) -> list[dict]:
    """Device mentions of a statement, in text order. In a table row whose header names
    device columns (patterns/candidates.yaml `device_columns`), only those cells are read.
    `models` are the model numbers the entity patterns found in the statement."""
    cols = _device_columns(header) if cells and header else {}
    found = _from_columns(cells, cols, gaz) if cols else _named(unit, gaz, models)
    return sorted(found, key=lambda d: d["start"])


@lru_cache(maxsize=None)
def _column_patterns() -> dict[str, re.Pattern]:
    return {k: re.compile(v) for k, v in config().get("device_columns", {}).items()}


def _device_columns(header: list[Span]) -> dict[str, int]:
    rx = _column_patterns()
    cols = {}
    for i, h in enumerate(header):
        text = h.clean()
        for key in ("manufacturer", "model", "device"):
            if key not in cols and rx.get(key) and rx[key].search(text):
                cols[key] = i
                break
    return cols if ("model" in cols or "device" in cols) else {}


def _from_columns(cells: list[Span], cols: dict[str, int], gaz: Gazetteer) -> list[dict]:
    """A row's device(s): each item of its model (or device) cell, with its manufacturer cell."""
    i = cols.get("model", cols.get("device"))
    if i >= len(cells):
        return []
    maker = cells[cols["manufacturer"]].clean() or None if "manufacturer" in cols and cols["manufacturer"] < len(cells) else None
    out = []
    for item in html_items(cells[i]):
        name, _ = device_name(item)
        if name:
            out.append(mention(item, name, maker, gaz))
    return out


def _named(unit: Span, gaz: Gazetteer, models: list[Span]) -> list[dict]:
    """Devices a statement names by alias (with a model number right after it, if any), by a
    maker and a model number, or by a model number alone."""
    out: list[dict] = []
    taken: list[tuple[int, int]] = []
    model_at = {m.start: m for m in models}
    anywhere = gaz.device_alias_anywhere
    aliases = gaz.device_alias_patterns if anywhere is not None and anywhere.search(unit.text, unit.start, unit.end) else ()
    for rx, did in aliases:
        for m in rx.finditer(unit.text, unit.start, unit.end):
            if any(m.start() < b and a < m.end() for a, b in taken):
                continue
            end = m.end()
            nxt = unit.text[end:unit.end]
            gap = len(nxt) - len(nxt.lstrip(" "))
            model = model_at.get(end + gap) if gap else None
            span = Span(unit.text, m.start(), model.end if model else end)
            taken.append((span.start, span.end))
            out.append({"start": span.start, "end": span.end, "name": clean_text(span.raw),
                        "maker": None, "product": None, "model": clean_text(model.raw) if model else None, "alias": did})
    names, makers = _makers()
    found = [(mk.group(0), unit.start + mk.start(), unit.start + mk.end()) for mk in makers.finditer(unit.raw)]
    for e in models:
        if any(e.start < b and a < e.end for a, b in taken):
            continue
        # the maker named just before the model number ("Sigen Backup Switch SBS-200-US"), else none
        before = [t for t in found if t[2] <= e.start and _GAP.match(unit.text[t[2]:e.start])]
        start, maker = (before[-1][1], before[-1][0]) if before else (e.start, None)
        span = Span(unit.text, start, e.end)
        taken.append((span.start, span.end))
        out.append(mention(span, clean_text(span.raw), maker, gaz))
    return out
