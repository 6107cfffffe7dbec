"""Mentions: the first place a source names a state, a utility or a device family. A mention
creates the row when no fact does (so foreign keys hold for a source built alone) and is a
citation of the row otherwise (extract.records.Record.mention)."""

from __future__ import annotations

import re
from typing import Iterator

from msakb.errors import SourceError
from msakb.extract.shared.common import utility_mention
from msakb.extract.shared.records import Record, SourceDoc
from msakb.extract.shared.text import Span
from msakb.knowledge.gazetteer import Gazetteer


def state_mention(doc: SourceDoc, gaz: Gazetteer, code: str, rule: str, span: Span | None = None) -> Record:
    """A mention of state `code` at its first naming in `span` (default: the whole text), by
    its two-letter code (upper case, whole word) or any of its names in the gazetteer."""
    if code not in gaz.states:
        raise SourceError(doc.id, f"state {code!r} is not in kb/gazetteer/states.yaml")
    span = span or doc.span()
    names = [code] + [n for n, c in gaz.state_aliases.items() if c == code and n.lower() != code.lower()]
    best = None
    for name in names:
        flags = 0 if name == code else re.IGNORECASE
        m = re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", span.raw, flags)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), m.end())
    if best is None:
        raise SourceError(doc.id, f"the text never names state {code} ({gaz.states[code]}), which the manifest gives as its jurisdiction")
    return doc.record("states", {"code": code, "name": gaz.states[code]}, span.sub(*best), rule, mention=True)


def utility_mentions(doc: SourceDoc, gaz: Gazetteer, rule: str, span: Span | None = None) -> Iterator[Record]:
    """A mention of each utility the text names (kb/gazetteer/utilities.yaml aliases), at its
    first naming."""
    seen = set()
    for uid, found in gaz.find_utilities(span or doc.span()):
        if uid not in seen:
            seen.add(uid)
            yield utility_mention(doc, gaz, uid, found, rule)


def family_mention(doc: SourceDoc, gaz: Gazetteer, family_id: str, span: Span, rule: str) -> Record:
    """A mention of a device family of the gazetteer (kb/gazetteer/devices.yaml)."""
    for fam in gaz.families:
        if fam["id"] == family_id:
            return doc.record("devices", {"id": fam["id"], "manufacturer": fam["manufacturer"],
                                          "product": fam["product"], "is_family": 1}, span, rule, mention=True)
    known = ", ".join(f["id"] for f in gaz.families)
    raise SourceError(doc.id, f"device family {family_id!r} is not in kb/gazetteer/devices.yaml (families: {known})")


def families_of(gaz: Gazetteer, manufacturer: str) -> list[str]:
    """Ids of the gazetteer's device families made by `manufacturer` (case-insensitive)."""
    return [f["id"] for f in gaz.families if f["manufacturer"].lower() == manufacturer.lower()]
