"""Mentions: the first place a source names a state, a utility or a device family. A mention
creates the row when no fact does (so foreign keys hold for a source built alone) and is a
citation of the row otherwise (extract/shared/records.py Record.mention). Also the utility a
table's caption names, and the source's own utility (its manifest entry)."""

from __future__ import annotations

import re
from typing import Iterator

from msakb.errors import SourceError
from msakb.extract.shared.records import Record, SourceDoc
from msakb.extract.shared.tables import Table
from msakb.extract.shared.text import Span, lines
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


def utility_before(doc: SourceDoc, gaz: Gazetteer, table: Table, max_lines: int = 12) -> tuple[str, Span] | None:
    """The utility named on the nearest non-blank line above a table (its caption)."""
    before = lines(Span(doc.text, max(0, table.span.start - 3000), table.span.start))
    seen = 0
    for ln in reversed(before):
        if not ln.raw.strip():
            continue
        seen += 1
        found = gaz.find_utilities(ln)
        if found:
            return found[0]
        if seen >= max_lines:
            break
    return None


def utility_mention(doc: SourceDoc, gaz: Gazetteer, uid: str, span: Span, rule: str) -> Record:
    u = gaz.utilities[uid]
    return doc.record("utilities", {"id": uid, "name": u["name"], "state": u["state"], "kind": u["kind"]},
                      span, rule, mention=True)


def manifest_utility(doc: SourceDoc, gaz: Gazetteer, rule: str) -> tuple[str | None, list[Record]]:
    """The source's own utility (manifest `utility`), as a mention at its first naming."""
    uid = doc.entry.utility
    if not uid:
        return None, []
    if uid not in gaz.utilities:
        raise SourceError(doc.id, f"manifest names utility {uid!r}, which kb/gazetteer/utilities.yaml does not list")
    for found, span in gaz.find_utilities(doc.span()):
        if found == uid:
            return uid, [utility_mention(doc, gaz, uid, span, rule)]
    raise SourceError(doc.id, f"the manifest says the source is {uid!r}'s, but the text never names it")
