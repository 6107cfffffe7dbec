"""A deck's view of the market: the MSA products it lists by use (backup via a battery, via a
portable generator, DER interconnection), the utilities it names by how they approve MSAs,
and any utility's device-status table it reproduces (extract/kinds/slide_deck/status_table.py).

A product in a market list is named as its maker writes it, maker first ("Sigen Backup
Switch"); a name the gazetteer resolves (a device another source lists by model number) is a
mention of that device, any other is a product-level device row of this source.
"""

from __future__ import annotations

import re
from typing import Iterator

from msakb.extract.kinds.slide_deck.slides import deck_patterns, parts_matching, titled
from msakb.extract.kinds.slide_deck.status_table import (
    device_mention,
    footnote_after,
    status_rows,
    title_before,
)
from msakb.extract.shared.devices import device_name
from msakb.extract.shared.mentions import utility_mention
from msakb.extract.shared.records import Record, SourceDoc, slug
from msakb.extract.shared.shapes import classify
from msakb.extract.shared.tables import tables
from msakb.extract.shared.text import list_items, sentences
from msakb.knowledge.gazetteer import Gazetteer

RULE = "deck_market"
_LINK = re.compile(r"^(?:<https?:|\[|https?:)")
_FOOTNOTE = re.compile(r"^\*|^\\\*")
_INSTRUCTION = re.compile(r"\b(?:should|must|shall)\b")


def parse(doc: SourceDoc, gaz: Gazetteer) -> Iterator[Record]:
    yield from market_devices(doc, gaz)
    yield from approval_approaches(doc, gaz)
    yield from status_tables(doc, gaz)


def market_devices(doc: SourceDoc, gaz: Gazetteer) -> Iterator[Record]:
    for use in deck_patterns()["market_uses"]:
        for part in parts_matching(doc.span(), use["heading"]):
            items = [it for it in list_items(part.body)
                     if not _LINK.match(it.body.raw) and not _FOOTNOTE.match(it.body.raw)]
            top = min((it.level for it in items), default=0)
            for it in items:
                if it.level != top:
                    continue
                name, _paren = device_name(it.body)  # "SPAN Edge (Coming soon)" -> "SPAN Edge"
                did = gaz.resolve_device(name)
                if did is not None:
                    yield device_mention(doc, gaz, did, name, it.body, f"{RULE}:device_mention")
                    continue
                maker, _, product = name.partition(" ")
                yield doc.record("devices", {
                    "id": slug(name), "manufacturer": maker, "product": product or name, "is_family": 1,
                    "use": use["use"],
                }, it.body, f"{RULE}:device")


def approval_approaches(doc: SourceDoc, gaz: Gazetteer) -> Iterator[Record]:
    """Utilities the approval slide names (those that approve directly, those that wait for
    regulatory guidance): mentions."""
    for slide in titled(doc.span(), deck_patterns()["approval_slide"]):
        for it in list_items(slide.intro):
            for uid, span in gaz.find_utilities(it.body):
                yield utility_mention(doc, gaz, uid, span, f"{RULE}:approval_approach")


def status_tables(doc: SourceDoc, gaz: Gazetteer) -> Iterator[Record]:
    as_of = doc.entry.as_of.isoformat() if doc.entry.as_of else None
    for table in tables(doc.span()):
        shape = classify(table)
        if shape is None or shape[0] != "device_statuses":
            continue
        recs = list(status_rows(doc, gaz, table, shape[1], as_of, f"{RULE}:status_table"))
        yield from recs
        yield from pilot_instructions(doc, table, recs)


def pilot_instructions(doc: SourceDoc, table, recs: list[Record]) -> Iterator[Record]:
    """The instruction in a status table's footnote ('Contractors should first contact the
    device manufacturer ...'): a process restriction on each starred device."""
    note = footnote_after(doc, table)
    if note is None:
        return
    starred = [r for r in recs if r.table == "approvals" and r.values["notes"]]
    title = title_before(doc, table)
    section = f"{title.clean()} (footnote)" if title else None
    for sent in sentences(note):
        if not _INSTRUCTION.search(sent.raw):
            continue
        for r in starred:
            uid, did = r.values["utility_id"], r.values["device_id"]
            yield doc.record("restrictions", {
                "id": f"{doc.id}/restrictions/{uid}-pilot-{slug(did)}", "utility_id": uid, "device_id": did,
                "category": "process", "section": section,
                "text": sent.clean(), "justification": None,
            }, sent, f"{RULE}:pilot_instruction")
