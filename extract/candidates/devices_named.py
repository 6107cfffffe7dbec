"""Devices a passage names, and the approval words near them: the generic extractor's
reading of approval statements, in a table row ("Tesla Backup Switch<TAB>Approved") or in
prose ("PSE&G has approved the ConnectDER EV ...").

A device is named by a gazetteer alias or family alias (kb/gazetteer/devices.yaml), or by a
maker (patterns/candidates.yaml `manufacturers`) with a model number in the same passage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from msakb.errors import SourceError
from msakb.extract.candidates.cues import config
from msakb.extract.shared.devices import device_id, device_name
from msakb.extract.shared.entities import Entity
from msakb.extract.shared.statuses import normalise_status
from msakb.extract.shared.text import Span, clean_text, html_items
from msakb.knowledge.gazetteer import Gazetteer


@dataclass
class NamedDevice:
    id: str
    span: Span  # the words that name it
    values: dict | None = field(default=None)  # a devices row it would create, if none exists


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
def _makers() -> re.Pattern:
    names = sorted(config().get("manufacturers", []), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, names)) + r")(?![\w-])")


def find_devices(unit: Span, gaz: Gazetteer, entities: list[Entity], cells: list[Span] | None = None,
                 header: list[Span] | None = None) -> list[NamedDevice]:
    """Devices named in a passage, in text order, each once. In a table row whose header
    names device columns (patterns/candidates.yaml `device_columns`), only those cells."""
    cols = _device_columns(header) if cells and header else {}
    if cols:
        where = [cells[i] for i in sorted(set(cols.values())) if i < len(cells)]
        found = [d for c in where for d in _named(c, gaz, [e for e in entities if c.start <= e.span.start < c.end])]
        if not found:
            found = _from_columns(cells, cols, gaz)
    else:
        found = _named(unit, gaz, entities)
    seen, unique = set(), []
    for d in sorted(found, key=lambda d: d.span.start):
        if d.id not in seen:
            seen.add(d.id)
            unique.append(d)
    return unique


def _device_columns(header: list[Span]) -> dict[str, int]:
    rx = {k: re.compile(v) for k, v in config().get("device_columns", {}).items()}
    cols = {}
    for i, h in enumerate(header):
        text = h.clean()
        for key in ("manufacturer", "model", "device"):
            if key not in cols and rx.get(key) and rx[key].search(text):
                cols[key] = i
                break
    return cols if ("model" in cols or "device" in cols) else {}


def _from_columns(cells: list[Span], cols: dict[str, int], gaz: Gazetteer) -> list[NamedDevice]:
    """A row's device(s) from its manufacturer and model (or device) cells, named as the
    approved-list parser names them (manufacturer + model as listed)."""
    name_cell = cells[cols["model"]] if "model" in cols else cells[cols["device"]]
    maker = cells[cols["manufacturer"]].clean() if "manufacturer" in cols else None
    out = []
    for item in html_items(name_cell):
        name, _ = device_name(item)
        fam = gaz.family_of(name)
        if not maker:
            makers = [mk for mk in config().get("manufacturers", []) if name.startswith(mk + " ")]
            if makers:
                mk, name = makers[0], name[len(makers[0]) + 1:]
            elif fam:  # a model number of a known family names its maker
                mk = fam["manufacturer"]
            else:
                continue
        else:
            mk = maker
        if not name or not re.search(r"\d", name):
            continue
        did = gaz.resolve_device(f"{mk} {name}") or device_id(mk, name)
        out.append(NamedDevice(did, item, {"id": did, "manufacturer": mk, "model": name}))
    return out


def _named(unit: Span, gaz: Gazetteer, entities: list[Entity]) -> list[NamedDevice]:
    """Devices a passage names by alias, or by a maker and a model number."""
    index = gaz.device_alias_patterns
    out: list[NamedDevice] = []
    taken: list[tuple[int, int]] = []
    for rx, did in index:
        for m in rx.finditer(unit.text, unit.start, unit.end):
            if any(m.start() < b and a < m.end() for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            out.append(NamedDevice(did, Span(unit.text, m.start(), m.end())))
    makers = [(m.group(0), m) for m in _makers().finditer(unit.raw)]
    if makers:
        for e in entities:
            if e.label != "MODEL_NUMBER" or any(e.span.start < b and a < e.span.end for a, b in taken):
                continue
            # the maker named nearest before the model number, else the first one named
            before = [t for t in makers if unit.start + t[1].start() < e.span.start]
            maker = (before[-1] if before else makers[0])[0]
            model = clean_text(e.text)
            did = gaz.resolve_device(f"{maker} {model}") or device_id(maker, model)
            taken.append((e.span.start, e.span.end))
            out.append(NamedDevice(did, e.span, {"id": did, "manufacturer": maker, "model": model}))
    return out
