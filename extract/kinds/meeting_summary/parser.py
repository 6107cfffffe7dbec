"""Kind `meeting_summary`: a regulator working group's meeting summary (CT PURA's
Interconnection Working Group MSA subgroup is the first). It yields

- the directives of the order the summary quotes (extract/shared/orders.py);
- each statement of a decision's date, as stated, and a conflict wherever the text dates one
  decision or one meeting two ways (extract/kinds/meeting_summary/stated_dates.py);
- the data-needs table (need, when identified, responsible party, response) and the device
  lifespans its answers give (each the maker's own word: voice manufacturer);
- mentions of the state and of the utilities the text names.

Discussion points a filing needs (resale, failure contact...) are reviewed annotations
(kb/annotations/), not patterns. Cues are data: extract/patterns/meeting_summary.yaml.
Options (manifest `options:`): `regulator` overrides the regulator's name.
"""

from __future__ import annotations

import re
from typing import Iterator

from msakb.errors import SourceError
from msakb.extract.kinds.meeting_summary.stated_dates import decision_dates, meeting_dates, year_conflicts
from msakb.extract.shared import quantities as q
from msakb.extract.shared.entities import find_entities
from msakb.extract.shared.mentions import families_of, family_mention, state_mention, utility_mentions
from msakb.extract.shared.orders import cues, directives
from msakb.extract.shared.records import Record, SourceDoc, slug
from msakb.extract.shared.tables import Table, tables
from msakb.extract.shared.text import Span
from msakb.knowledge.gazetteer import Gazetteer

RULE = "meeting_summary"
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")  # "[October 16, 2025 Decision](#)" as copied from a web page


def parse(doc: SourceDoc, gaz: Gazetteer) -> Iterator[Record]:
    state = doc.entry.jurisdiction if doc.entry.jurisdiction in gaz.states else None
    if state:
        yield state_mention(doc, gaz, state, f"{RULE}:state")
    yield from utility_mentions(doc, gaz, f"{RULE}:utility")
    decisions = decision_dates(doc)
    regulator = doc.entry.options.get("regulator") or _regulator(doc, decisions)
    yield from directives(doc, regulator, state, f"{RULE}:order")
    for n, d in enumerate(decisions, 1):
        if not (d.who or regulator):
            raise SourceError(doc.id, f"a decision is dated ({d.span.clean()!r}) but no regulator is named; "
                              "set `options: {regulator: ...}` in the manifest", line=d.span.line)
        yield doc.record("decisions", {
            "id": f"{doc.id}/decisions/{n}", "regulator": _with_state(state, d.who) if d.who else regulator,
            "docket": d.docket, "decision_number": None, "decision_date": d.date, "text": _MD_LINK.sub(r"\1", d.span.clean()),
        }, d.span, f"{RULE}:decision_date")
    yield from year_conflicts(
        doc, decisions, lambda g: _decision_subject(g), "the decision", "decision-date", by_docket=True)
    yield from year_conflicts(doc, meeting_dates(doc), lambda g: _meeting_subject(doc, g), "the meeting", "meeting-date")
    table = data_needs_table(doc)
    if table is not None:
        yield from data_needs(doc, gaz, table, state)


def _with_state(state: str | None, who: str) -> str:
    return who if not state or who.startswith(state + " ") else f"{state} {who}"


def _regulator(doc: SourceDoc, decisions) -> str | None:
    """The regulator whose decisions the text dates most ("PURA's ... Decision" -> "CT PURA")."""
    names = [d.who for d in decisions if d.who]
    return _with_state(doc.entry.jurisdiction, max(names, key=names.count)) if names else None


def _decision_subject(group) -> str:
    who = next((s.who for s in group if s.who), "the regulator's")
    docket = next((s.docket for s in group if s.docket), None)
    return f"{who} decision" + (f" in Docket {docket}" if docket else "") + ": date"


def _meeting_subject(doc: SourceDoc, group) -> str:
    name = re.sub(r"\s+summary$", "", doc.entry.title, flags=re.I)
    month = group[0].date_text.split()[0]
    day = int(group[0].month_day[3:])
    return f"{name} of {month} {day}: date"


# --- the data-needs table ---------------------------------------------------------------


def data_needs_table(doc: SourceDoc) -> tuple[Table, dict[str, int]] | None:
    want = {f: re.compile(rx, re.I) for f, rx in cues()["data_needs_columns"].items()}
    for table in tables(doc.span()):
        if table.header is None:
            continue
        cols = {}
        for i, cell in enumerate(table.header.cells):
            for f, rx in want.items():
                if f not in cols and rx.search(cell.clean()):
                    cols[f] = i
        if len(cols) == len(want):
            return table, cols
        if len(cols) >= 2:
            missing = ", ".join(sorted(set(want) - set(cols)))
            raise SourceError(doc.id, f"data-needs table without a {missing} column (headers: "
                              f"{', '.join(table.headers())}; see extract/patterns/meeting_summary.yaml)",
                              line=table.line)
    return None


def data_needs(doc: SourceDoc, gaz: Gazetteer, found, state: str | None) -> Iterator[Record]:
    table, cols = found
    head = table.header.cells[cols["need"]].clean()
    m = re.search(cues()["identified_in_header"], head, re.I)
    identified = m.group("when") if m else None
    for n, row in enumerate(table.rows, 1):
        cell = lambda f: row.cells[cols[f]]  # noqa: E731
        need, party, response = cell("need").clean(), cell("responsible_party").clean(), cell("response").clean()
        if not (need and party and response):
            raise SourceError(doc.id, f"data-needs row {n} lacks a need, a responsible party or a response",
                              line=row.span.line)
        yield doc.record("data_needs", {
            "id": f"{doc.id}/data_needs/{n}", "need": need, "identified": identified,
            "responsible_party": party, "response": response, "state": state,
        }, row.span, f"{RULE}:data_need")
        if re.search(cues()["lifespan_need"], need, re.I):
            yield from lifespans(doc, gaz, cell("response"))


def lifespans(doc: SourceDoc, gaz: Gazetteer, cell: Span) -> Iterator[Record]:
    """'ConnectDER device: Minimum 15 years' -> a lifespan of ConnectDER's device."""
    owner = re.compile(cues()["lifespan_owner"])
    pos = cell.start
    for e in find_entities(cell, {"DURATION"}):
        low, high, unit = q.duration(e.text)
        m = owner.search(doc.text, pos, e.span.start)
        pos = e.span.end
        if unit != "years" or m is None:
            continue
        who = m.group("who")
        quote = Span(doc.text, m.start(), e.span.end)
        fams = families_of(gaz, who)  # "ConnectDER device" names no family when ConnectDER makes several
        device = fams[0] if len(fams) == 1 else None
        if device:
            yield family_mention(doc, gaz, device, quote, f"{RULE}:lifespan_device")
        # the maker's own answer, which the summary records: the maker speaks of its product
        yield doc.record("lifespans", {
            "id": f"{doc.id}/lifespans/{slug(who)}", "manufacturer": who, "device_id": device,
            "min_years": low, "max_years": high, "text": quote.clean(),
            "voice": "manufacturer", "speaker": who, "attribution": "own",
        }, quote, f"{RULE}:lifespan")
