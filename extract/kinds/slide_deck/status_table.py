"""A utility's table of devices and what it says of each ('Device Type | Approval Status'), as
utilities publish them on their web pages (PG&E's "Third-party meter socket adapters").

The utility is the one named on the nearest line above the table; devices are named as people
say them ("Tesla Backup Switch") and resolved through kb/gazetteer/devices.yaml, so a name no
one has reviewed is an error, never a guessed id. A footnote after the table ('*These MSAs
are part of a select pilot ...') becomes the notes of each starred row.
"""

from __future__ import annotations

import re
from typing import Iterator

from msakb.errors import SourceError
from msakb.extract.shared.mentions import utility_before, utility_mention
from msakb.extract.shared.records import Record, SourceDoc, slug
from msakb.extract.shared.statuses import normalise_status
from msakb.extract.shared.tables import Table
from msakb.extract.shared.text import Span, lines, trim
from msakb.knowledge.gazetteer import Gazetteer

_STAR = re.compile(r"^\s*\\?\*")


def footnote_after(doc: SourceDoc, table: Table) -> Span | None:
    """The first line with text after a table, if it is a starred footnote."""
    for ln in lines(doc.span(table.span.end)):
        if ln.raw.strip():
            return trim(ln) if _STAR.match(ln.raw) else None
    return None


def title_before(doc: SourceDoc, table: Table) -> Span | None:
    """The nearest line with text above a table (its title: 'Third-party meter socket adapters')."""
    for ln in reversed(lines(doc.span(0, table.span.start))):
        if ln.raw.strip():
            return trim(ln)
    return None


def device_mention(doc: SourceDoc, gaz: Gazetteer, did: str, name: str, span: Span, rule: str) -> Record:
    """A mention of a device a gazetteer entry resolves: the row if no source defines the
    device, else a citation. A family takes its gazetteer names; another device its maker
    from the name's first word (how product names are written: 'Tesla Backup Switch')."""
    fam = next((f for f in gaz.families if f["id"] == did), None)
    if fam:
        values = {"id": did, "manufacturer": fam["manufacturer"], "product": fam["product"], "is_family": 1}
    else:
        maker, _, product = name.partition(" ")
        values = {"id": did, "manufacturer": maker, "product": product or None}
    return doc.record("devices", values, span, rule, mention=True)


def resolve_name(gaz: Gazetteer, name: str, where: str, line: int) -> str:
    did = gaz.resolve_device(name)
    if did is None:
        raise SourceError(None, f"device {name!r} ({where}) is not in kb/gazetteer/devices.yaml; add it to a "
                                "family's aliases or to `aliases` with the id it names", line=line)
    return did


def status_rows(doc: SourceDoc, gaz: Gazetteer, table: Table, cols: dict[str, int], as_of: str | None,
                rule: str = "status_table") -> Iterator[Record]:
    """Approvals (and mentions of the utility and devices) from a device_statuses table."""
    found = utility_before(doc, gaz, table)
    if found is None:
        raise SourceError(None, "a device-status table with no utility named on the lines above it", line=table.line)
    uid, uspan = found
    yield utility_mention(doc, gaz, uid, uspan, f"{rule}:utility")
    note = footnote_after(doc, table)
    for row in table.rows:
        name_span = trim(row.cells[cols["device"]])
        name = name_span.clean().rstrip("*").strip()
        did = resolve_name(gaz, name, f"{uid}'s status table", row.span.line)
        yield device_mention(doc, gaz, did, name, name_span, f"{rule}:device")
        status_text = row.cells[cols["status"]].clean()
        status, limitation = normalise_status(status_text, row.span.line)
        starred = status_text.endswith("*") or name_span.clean().endswith("*")
        yield doc.record("approvals", {
            "id": f"{doc.id}/approvals/{uid}-{slug(did)}", "device_id": did, "utility_id": uid,
            "status": status, "status_text": status_text, "as_of": as_of, "limitation": limitation,
            "notes": note.clean() if (starred and note is not None) else None,
        }, row.span, f"{rule}:approval")
