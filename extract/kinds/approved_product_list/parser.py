"""Kind `approved_product_list`: a utility's list of approved MSAs as a table (SCE's is the
first). Which columns mean what is data (patterns/table_shapes.yaml); a new utility's list in
a table of the same shape needs only a manifest entry with its `utility`."""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Iterator

from msakb.errors import SourceError
from msakb.extract.shared import quantities as q
from msakb.extract.shared.devices import device_id, device_name, required_devices, split_product_model
from msakb.extract.shared.entities import find_entities
from msakb.extract.shared.memo import short_memo
from msakb.extract.shared.mentions import manifest_utility
from msakb.extract.shared.records import Record, SourceDoc, slug
from msakb.extract.shared.shapes import classify
from msakb.extract.shared.specs import specs
from msakb.extract.shared.statuses import normalise_status
from msakb.extract.shared.tables import tables
from msakb.extract.shared.text import Span, clean_text, html_items, trim, whole
from msakb.knowledge.gazetteer import Gazetteer

RULE = "approved_list"
_AS_OF = re.compile(r"As of\s*:\s*(\d{1,2}/\d{1,2}/\d{2,4})")
# Where the technical-requirements cell turns from ratings to instructions.
_DEFINITION = re.compile(r"^(?:<b>)?(?P<term>[^<]+)</b>\s*[–-]\s*(?P<def>.+)$", re.S)


def parse(doc: SourceDoc, gaz: Gazetteer) -> Iterator[Record]:
    utility_id, mentions = manifest_utility(doc, gaz, f"{RULE}:utility")
    if utility_id is None:
        raise SourceError(doc.id, "an approved_product_list needs `utility:` in its manifest entry")
    yield from mentions
    m = _AS_OF.search(doc.text)
    as_of = q.iso_date(m.group(1)) if m else (doc.entry.as_of.isoformat() if doc.entry.as_of else None)
    found_products = False
    for table in tables(doc.span()):
        shape = classify(table)
        if shape is None:
            continue
        name, cols = shape
        if name == "approved_products":
            found_products = True
            yield from product_rows(doc, gaz, table, cols, utility_id, as_of)
        elif name == "manufacturer_contacts":
            yield from contact_rows(doc, table, cols)
    if not found_products:
        raise SourceError(doc.id, "no approved-products table found (a table with manufacturer and model columns)")
    yield from notes(doc, utility_id)


def product_rows(doc, gaz, table, cols, utility_id, as_of) -> Iterator[Record]:
    for need in ("manufacturer", "model"):
        if need not in cols:
            raise SourceError(None, f"approved-products table has no {need} column", line=table.header.span.line)
    # Rows listing the same model are one device (Tesla's switch is listed once per technology).
    devices: "OrderedDict[str, dict]" = OrderedDict()
    per_row = []
    for row in table.rows:
        cell = lambda f: row.cells[cols[f]] if f in cols else None  # noqa: E731
        manufacturer = cell("manufacturer").clean()
        models = html_items(cell("model"))
        if not manufacturer or not models:
            raise SourceError(None, "product row without manufacturer or model", line=row.span.line)
        technology = cell("technology").clean() if cell("technology") is not None else None
        isolating = None
        if cell("isolating") is not None:
            isolating = {"Y": 1, "YES": 1, "N": 0, "NO": 0}.get(cell("isolating").clean().upper())
        ids = []
        for mspan in models:
            name, paren = device_name(mspan)
            did = device_id(manufacturer, name)
            ids.append(did)
            product, model = split_product_model(name)
            fam = gaz.family_of(name)
            d = devices.get(did)
            if d is None:
                rated = q.amps(paren) if paren and re.search(r"(?i)amp", paren) else None
                devices[did] = d = {
                    "values": {
                        "id": did, "manufacturer": manufacturer, "product": product or (fam or {}).get("product"),
                        "model": model, "family_id": fam["id"] if fam else None, "isolating": isolating,
                        "technology": technology, "rated_amps": rated,
                    },
                    "span": row.span, "families": fam,
                }
            else:
                techs = [t for t in (d["values"]["technology"] or "").split("; ") if t]
                if technology and technology not in techs:
                    d["values"]["technology"] = "; ".join(techs + [technology])
                d["span"] = d["span"].cover(row.span)
        per_row.append((row, ids, technology))
    # Families named by the list (their members are listed) exist as rows of their own.
    families = {}
    for d in devices.values():
        fam = d["families"]
        if fam and fam["id"] not in families:
            families[fam["id"]] = (fam, d["span"])
    for fid, (fam, span) in families.items():
        yield doc.record("devices", {"id": fid, "manufacturer": fam["manufacturer"], "product": fam["product"],
                                     "is_family": 1}, span, f"{RULE}:family")
    # Ratings of each device from the technical requirements of its row(s).
    for row, ids, technology in per_row:
        tech = row.cells[cols["technical_requirements"]] if "technical_requirements" in cols else None
        if tech is None:
            continue
        ents = find_entities(tech, {"AMPS", "VOLTS", "HERTZ", "METER_FORM", "PHASE"})
        # The ratings are the cell's lead ("INSTALL ON ..., 60HZ"); amps named in the
        # instructions after it ("a maximum fuse of 100 Amps") are not the device's rating.
        hz = [e for e in ents if e.label == "HERTZ"]
        if hz:
            ents = [e for e in ents if e.span.end <= hz[0].span.end]
        # One current rating in the cell applies to every model of the row; several
        # ("100A or 125A") are told apart by the models' own "(100 Rated Amps)".
        single_amps = sum(1 for e in ents if e.label == "AMPS") == 1
        for e in ents:
            for did in ids:
                v = devices[did]["values"]
                if e.label == "AMPS" and v["rated_amps"] is None and single_amps:
                    v["rated_amps"] = q.amps(e.text)
                elif e.label == "VOLTS" and v.get("volts") is None:
                    v["volts_low"], v["volts"] = q.volts(e.text)
                elif e.label == "HERTZ" and v.get("hertz") is None:
                    v["hertz"] = q.hertz(e.text)
                elif e.label == "METER_FORM" and v.get("meter_form") is None:
                    v["meter_form"] = q.meter_form(e.text)
                elif e.label == "PHASE" and v.get("phase") is None:
                    v["phase"] = clean_text(e.text).lower()
    for d in devices.values():
        yield doc.record("devices", d["values"], d["span"], f"{RULE}:device")
    for n, (row, ids, technology) in enumerate(per_row, 1):
        yield from approval_rows(doc, row, cols, ids, technology, utility_id, as_of, n, devices)


def approval_rows(doc, row, cols, ids, technology, utility_id, as_of, n, devices) -> Iterator[Record]:
    notes_cell = row.cells[cols["notes"]] if "notes" in cols else None
    status_text = notes_cell.clean() if notes_cell is not None else ""
    status, limitation = normalise_status(status_text, row.span.line) if status_text else ("listed", None)
    tech = row.cells[cols["technical_requirements"]] if "technical_requirements" in cols else None
    for did in ids:
        aid = f"{doc.id}/approvals/{n}-{slug(did)}"
        yield doc.record("approvals", {
            "id": aid, "device_id": did, "utility_id": utility_id, "status": status,
            "status_text": status_text or "listed", "as_of": as_of, "technology": technology,
            "limitation": limitation, "notes": tech.clean() if tech is not None else None,
        }, row.span, f"{RULE}:approval")
        if "required_devices" in cols:
            yield from required_devices(doc, row.cells[cols["required_devices"]], aid, f"{RULE}:required_devices")
        if tech is not None:
            rated = devices[did]["values"]["rated_amps"]
            for rec in specs(doc, tech, f"{RULE}:specs", [did], aid):
                if rec.values["quantity"] == "current" and rated and rec.values["value"] != rated and len(ids) > 1:
                    continue  # "100A or 125A": each model gets its own rating
                rec.values["qualifier"] = rec.values.get("qualifier") or ("continuous" if rec.values["quantity"] == "current" else None)
                yield rec
    if tech is not None:
        yield from device_instructions(doc, tech, ids, utility_id, n)


_PIECE_BREAK = re.compile(r"\s+-\s+(?=[A-Z])|(?<=[.])\s+(?=[A-Z])|\s+(?=MSA should )|\s+(?=MSA is )|\s+(?=Approved for )")


def device_instructions(doc, tech: Span, ids, utility_id, n) -> Iterator[Record]:
    """The instructions after the ratings in a technical-requirements cell, one restriction
    each ('MSA should be paired with ...', '- Signed PE Stamp on the SLD ...')."""
    for k, (a, b, text) in enumerate(_instructions(tech.raw), 1):
        piece = tech.sub(a, b)
        for did in ids:
            yield doc.record("restrictions", {
                "id": f"{doc.id}/restrictions/{n}-{slug(did)}-{k}", "utility_id": utility_id, "device_id": did,
                "category": "device_installation", "section": "Technical Requirements", "text": text,
                "justification": None,
            }, piece, f"{RULE}:device_instruction")


@short_memo
def _instructions(raw: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, clean text) of each instruction of a technical-requirements cell (offsets
    in `raw`): rows with the same requirements are read once."""
    tech = whole(raw)
    ratings = find_entities(tech, {"HERTZ"})
    if not ratings:
        return ()
    rest = tech.sub(ratings[-1].span.end)
    after = rest.raw
    cuts = [0]
    for m in _PIECE_BREAK.finditer(after):
        if after.count('"', 0, m.start()) % 2 == 0:  # never split inside a quoted phrase
            cuts += [m.start(), m.end()]
    cuts.append(len(after))
    out = []
    for a, b in zip(cuts[0::2], cuts[1::2]):
        piece = trim(rest.sub(a, b))
        text = piece.clean()
        if len(text) >= 4:
            out.append((piece.start, piece.end, text))
    return tuple(out)


def contact_rows(doc, table, cols) -> Iterator[Record]:
    for row in table.rows:
        name = row.cells[cols["manufacturer"]].clean()
        url = row.cells[cols["contact"]].clean() if "contact" in cols else None
        yield doc.record("manufacturers", {"id": slug(name), "name": name, "url": url or None}, row.span,
                         f"{RULE}:contact")


def notes(doc: SourceDoc, utility_id: str) -> Iterator[Record]:
    """The <p> notes after the table: definitions (<b>Term</b> – text) and instructions."""
    for line_span in _paragraph_lines(doc):
        for k, p in enumerate(html_items(line_span), 1):
            raw = p.raw
            m = _DEFINITION.match(raw)
            if m:
                term = clean_text(m.group("term")).rstrip(":")
                yield doc.record("definitions", {
                    "id": f"{doc.id}/definitions/{slug(term)}", "term": term,
                    "definition": clean_text(m.group("def")),
                }, p, f"{RULE}:definition")
                continue
            text = p.clean().lstrip("- ").strip()
            if p.raw.startswith("-"):
                p = trim(p.sub(1))
            if re.search(r"\b(should|must|shall|may not|not)\b", text) and not text.endswith(":"):
                yield doc.record("restrictions", {
                    "id": f"{doc.id}/restrictions/note-{k}", "utility_id": utility_id, "device_id": None,
                    "category": "submission", "section": "Notes", "text": text, "justification": None,
                }, p, f"{RULE}:note")


def _paragraph_lines(doc: SourceDoc):
    pos = 0
    for line in doc.text.split("\n"):
        if line.startswith("<p>"):
            yield Span(doc.text, pos, pos + len(line))
        pos += len(line) + 1
