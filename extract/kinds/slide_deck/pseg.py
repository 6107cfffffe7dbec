"""A utility's own requirements as a deck reproduces them (PSE&G's, in the TESCO deck):

- numbered service requirements that name the utility ("5. Meter Collar Adapters shall be
  allowed ... require submissions ... to include: a. ... f.", "6. Each device reviewed and
  approved by PSE&G shall be listed ..."): restrictions, one per lettered item;
- a usage-requirements document for one device family, on a slide titled "<utility> –
  <state> Approval": the family, its approved catalog numbers (devices, approvals, specs) and
  the bullets under each heading (restrictions, justification split off where given).

The requirements are the utility's own words (voice utility, attribution own); the approval
status is the deck's slide title, its report.
Headings and categories are data: extract/patterns/slide_deck.yaml.
"""

from __future__ import annotations

import re
from typing import Iterator

from msakb.errors import SourceError
from msakb.extract.kinds.slide_deck.slides import Slide, deck_patterns, heading_text, slides
from msakb.extract.kinds.slide_deck.status_table import resolve_name
from msakb.extract.shared import quantities as q
from msakb.extract.shared.devices import device_id
from msakb.extract.shared.justifications import split_justification
from msakb.extract.shared.records import Record, SourceDoc, slug
from msakb.extract.shared.shapes import classify
from msakb.extract.shared.specs import specs
from msakb.extract.shared.statuses import normalise_status
from msakb.extract.shared.tables import tables
from msakb.extract.shared.text import Item, Span, lines, list_items, trim
from msakb.knowledge.gazetteer import Gazetteer

RULE = "deck_pseg"
_NUMBERED = re.compile(r"^\d+\.$")
_LETTERED = re.compile(r"^(?P<letter>[a-z])\.\s+(?P<text>.+?)(?:,\s*and|,|;)?$")
_ORDINAL = re.compile(r"(\d)\s+(st|nd|rd|th)\b")
_OBLIGATION = re.compile(r"\b(?:shall|must|required?|requires)\b", re.I)


def tidy(text: str) -> str:
    """'5 th' (from '5<sup>th</sup>') -> '5th'."""
    return _ORDINAL.sub(r"\1\2", text)


def parse(doc: SourceDoc, gaz: Gazetteer) -> Iterator[Record]:
    yield from numbered_requirements(doc, gaz)
    for slide in slides(doc.span()):
        if re.search(deck_patterns()["usage_requirements"]["slide"], slide.title.clean(), re.I):
            yield from usage_requirements(doc, gaz, slide)


# --- numbered service requirements ------------------------------------------------------------


def numbered_requirements(doc: SourceDoc, gaz: Gazetteer) -> Iterator[Record]:
    conf = deck_patterns()["numbered_requirements"]
    items = list_items(doc.span())
    for k, item in enumerate(items):
        if not _NUMBERED.match(item.marker):
            continue
        named = gaz.find_utilities(item.body)
        if not named or not _OBLIGATION.search(item.body.raw):
            continue
        uid = named[0][0]
        state = gaz.utilities[uid]["state"]
        number = item.marker.rstrip(".")
        subs: list[Item] = []
        for it in items[k + 1:]:
            if it.level <= item.level:
                break
            subs.append(it)
        if not subs:
            yield restriction(doc, gaz, uid, state, None, conf["item_category"], f"{uid}-{conf['item_category']}-{number}",
                              item.body, f"item {number}", item.body.clean(), None, f"{RULE}:numbered_item")
            continue
        category = next((c for rx, c in conf["sub_items_category"].items() if re.search(rx, item.body.raw)), None)
        if category is None:
            raise SourceError(None, f"item {number} naming {uid!r} has sub-items but no pattern in "
                                    "extract/patterns/slide_deck.yaml (numbered_requirements) says what they are",
                              line=item.body.line)
        for sub in subs:
            m = _LETTERED.match(sub.body.raw)
            if not m:
                raise SourceError(None, f"sub-item of item {number} is not lettered 'a. ...': {sub.body.raw[:60]!r}",
                                  line=sub.body.line)
            letter = m.group("letter")
            text = tidy(sub.body.sub(m.start("text"), m.end("text")).clean())
            yield restriction(doc, gaz, uid, state, None, category, f"{uid}-{category}-{letter}", sub.body,
                              f"item {number}{letter}", text, None, f"{RULE}:lettered_item")


def restriction(doc, gaz, uid, state, device, category, local, span, section, text, justification, rule) -> Record:
    """A requirement in the utility's own words, which the deck reproduces: the utility speaks."""
    return doc.record("restrictions", {
        "id": f"{doc.id}/restrictions/{local}", "utility_id": uid, "state": state, "device_id": device,
        "category": category, "section": section, "text": text, "justification": justification,
        "voice": "utility", "speaker": gaz.utilities[uid]["name"], "attribution": "own",
    }, span, rule)


# --- a usage-requirements document for one device family --------------------------------------


def usage_requirements(doc: SourceDoc, gaz: Gazetteer, slide: Slide) -> Iterator[Record]:
    conf = deck_patterns()["usage_requirements"]
    named = gaz.find_utilities(slide.title)
    if not named:
        return  # an approval slide of no one utility ("Utility Approval")
    uid = named[0][0]
    m = re.search(conf["title"], slide.intro.raw, re.I)
    if m is None:
        return
    title_line = next(ln for ln in lines(slide.intro) if ln.start <= slide.intro.start + m.start() <= ln.end)
    before = [ln for ln in lines(slide.intro) if ln.end < title_line.start and ln.raw.strip()]
    if not before:
        raise SourceError(None, "a usage-requirements title with no device named on the line above it",
                          line=title_line.line)
    device_line = trim(before[-1])
    title = device_line.cover(trim(title_line))
    in_title = [u for u, _ in gaz.find_utilities(Span(doc.text, slide.intro.start + m.start("utility"),
                                                      slide.intro.start + m.end("utility")))]
    if in_title and in_title[0] != uid:
        raise SourceError(None, f"slide {slide.title.clean()!r} is {uid!r}'s but its document names {in_title[0]!r}",
                          line=title_line.line)
    as_of = q.iso_date(m.group("date"))
    state = gaz.utilities[uid]["state"]
    fid = resolve_name(gaz, device_line.clean(), "usage-requirements title", device_line.line)
    fam = next((f for f in gaz.families if f["id"] == fid), None)
    if fam is None:
        raise SourceError(None, f"{device_line.clean()!r} resolves to device {fid!r}, not to a family: a usage-"
                                "requirements document with catalog numbers is for a family", line=device_line.line)
    yield doc.record("devices", {"id": fid, "manufacturer": fam["manufacturer"], "product": fam["product"],
                                 "is_family": 1}, device_line, f"{RULE}:family")
    status, limitation = normalise_status(slide.title.clean(), slide.title.line)
    approval = {"utility_id": uid, "status": status, "status_text": slide.title.clean(), "as_of": as_of,
                "limitation": limitation, "notes": title.clean()}
    for part in slide.parts:
        heading = heading_text(part)
        rule = next((p for p in conf["parts"] if re.search(p["heading"], heading, re.I)), None)
        if rule is None:
            raise SourceError(None, f"heading {heading!r} of a usage-requirements slide is not known to "
                                    "extract/patterns/slide_deck.yaml (usage_requirements.parts)",
                              line=part.heading.line)
        if rule["category"] == "skip":
            continue
        if rule["category"] == "catalog":
            yield from catalog(doc, gaz, part.body, fam, approval, state, rule["local"])
            continue
        for n, item in enumerate(list_items(part.body), 1):
            head, reason = split_justification(item.body)
            yield restriction(doc, gaz, uid, state, fid, rule["category"], f"{uid}-{rule['local']}-{n}", item.body,
                              heading, tidy(head.clean()), reason.clean() if reason else None,
                              f"{RULE}:{rule['local']}")


def catalog(doc, gaz, body: Span, fam: dict, approval: dict, state, local: str) -> Iterator[Record]:
    uid = approval["utility_id"]
    found = [t for t in tables(body) if (classify(t) or ("",))[0] == "catalog_numbers"]
    if not found:
        raise SourceError(None, "a catalog-numbers heading with no table of part numbers under it", line=body.line)
    for table in found:
        cols = classify(table)[1]
        for row in table.rows:
            model = row.cells[cols["model"]].clean()
            if not re.search(fam["member_pattern"], model):
                raise SourceError(None, f"catalog number {model!r} is not a member of family {fam['id']!r} "
                                        "(member_pattern in kb/gazetteer/devices.yaml)", line=row.span.line)
            did = device_id(fam["manufacturer"], model)
            yield doc.record("devices", {"id": did, "manufacturer": fam["manufacturer"], "product": fam["product"],
                                         "model": model, "family_id": fam["id"]}, row.span, f"{RULE}:catalog_device")
            aid = f"{doc.id}/approvals/{uid}-{slug(did)}"
            yield doc.record("approvals", {"id": aid, "device_id": did, **approval}, row.span,
                             f"{RULE}:catalog_approval")
            if "features" in cols:
                for rec in specs(doc, row.cells[cols["features"]], f"{RULE}:catalog_spec", [did], aid,
                                 {"AMPS", "JAWS"}):
                    if rec.rule.endswith(":amps-breaker"):
                        rec.values.update(quantity="breaker_current", qualifier="circuit breaker rating")
                    yield rec
            if "installation_comment" in cols:
                cell = trim(row.cells[cols["installation_comment"]])
                if cell.clean():
                    yield restriction(doc, gaz, uid, state, did, "installation", f"{uid}-{local}-{slug(model)}", cell,
                                      "Installation Comment", tidy(cell.clean()), None, f"{RULE}:catalog_comment")
