"""Places where a text states the date of a decision or of a meeting, and the places where
it states one date two ways.

A decision is dated by "<Regulator>'s <DATE> Decision", with an optional "Order N in|from"
before and "in Docket X" and ", Order N" after; a meeting by "<DATE> meeting" or by the
dateline in the text's header. Statements of the same month and day (and, for decisions,
the same regulator and docket where stated) refer to the same thing: when their years
differ, the text contradicts itself, and each odd one out becomes a `conflicts` record
against the first statement of the most stated year. Nothing is corrected: each statement
keeps the date as written.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterator

from msakb.extract.shared import quantities as q
from msakb.extract.shared.entities import Entity, find_entities
from msakb.extract.shared.orders import cues
from msakb.extract.shared.records import Record, SourceDoc
from msakb.extract.shared.text import Span, lines

_AFTER_DECISION = re.compile(r"\s+in\s+(?=Docket\b)", re.I)
_ORDER_BEFORE = re.compile(r"\s+(?:in|from|of)\s+$", re.I)


@dataclass
class Stated:
    span: Span  # the whole statement
    date: str  # ISO, as stated
    date_text: str
    who: str | None = None  # the regulator's name as written ("PURA")
    docket: str | None = None

    @property
    def month_day(self) -> str:
        return self.date[5:]

    @property
    def year(self) -> str:
        return self.date[:4]


def _rx(name: str, flags: int = re.IGNORECASE) -> re.Pattern:
    return re.compile(cues()[name], flags)


def _full_dates(doc: SourceDoc) -> list[Entity]:
    return [e for e in find_entities(doc.span(), {"DATE"}) if re.fullmatch(r"\d{4}-\d\d-\d\d", q.iso_date(e.text) or "")]


def decision_dates(doc: SourceDoc) -> list[Stated]:
    """Every "<Regulator>'s <DATE> Decision [in Docket X][, Order N]" in the text."""
    text = doc.text
    ents = find_entities(doc.span(), {"DOCKET", "ORDER"})
    starting = {e.span.start: e for e in ents}
    ending = {e.span.end: e for e in ents}
    out = []
    for d in _full_dates(doc):
        m = _rx("decision_after_date").match(text, d.span.end)
        if not m:
            continue
        end = m.end()
        a = max(0, d.span.start - 60)
        pm = _rx("possessor_before_date", 0).search(text, a, d.span.start)
        start = pm.start() if pm else d.span.start
        who = pm.group("who") if pm else None
        # "Order 32 in PURA's ..." before; "in Docket X" and ", Order N" after.
        om = _ORDER_BEFORE.search(text, max(0, start - 8), start)
        if om and om.start() in ending and ending[om.start()].label == "ORDER":
            start = ending[om.start()].span.start
        docket = None
        am = _AFTER_DECISION.match(text, end)
        if am and am.end() in starting and starting[am.end()].label == "DOCKET":
            e = starting[am.end()]
            docket = re.search(r"\d{2}-\d{2}-\d{2,3}", e.text).group(0)
            end = e.span.end
            om2 = re.match(r",\s*", text[end:])
            if om2 and end + om2.end() in starting and starting[end + om2.end()].label == "ORDER":
                end = starting[end + om2.end()].span.end
        out.append(Stated(Span(text, start, end), q.iso_date(d.text), d.text, who, docket))
    return out


def meeting_dates(doc: SourceDoc) -> list[Stated]:
    """The header's dateline and every "<DATE> meeting" in the text."""
    text = doc.text
    header = [ln for ln in lines(doc.span()) if ln.raw.strip()][: int(cues()["header_lines"])]
    out = []
    for d in _full_dates(doc):
        line = next((ln for ln in header if ln.start <= d.span.start < ln.end), None)
        if line is not None and not text[line.start : d.span.start].strip():
            out.append(Stated(line.strip(), q.iso_date(d.text), d.text))
            continue
        m = _rx("meeting_after_date").match(text, d.span.end)
        if m:
            out.append(Stated(Span(text, d.span.start, m.end()), q.iso_date(d.text), d.text))
    return out


def _groups(stated: list[Stated], by_docket: bool) -> list[list[Stated]]:
    groups: dict[tuple, list[Stated]] = {}
    for s in stated:
        groups.setdefault((s.who, s.month_day), []).append(s)
    out = []
    for members in groups.values():
        dockets = {s.docket for s in members if s.docket}
        if not by_docket or len(dockets) <= 1:
            out.append(members)
        else:  # several decisions of one day: a statement without a docket is ambiguous
            out.extend([s for s in members if s.docket == k] for k in sorted(dockets))
    return out


def year_conflicts(doc: SourceDoc, stated: list[Stated], subject, what: str, local: str,
                   by_docket: bool = False) -> Iterator[Record]:
    """A within-source conflict for each statement whose year differs from the year most
    statements of the same thing give. `subject(group)` names the thing."""
    n = 0
    for group in _groups(stated, by_docket):
        years = Counter(s.year for s in group)
        if len(years) < 2:
            continue
        top = max(years.values())
        usual = next(s.year for s in group if years[s.year] == top)
        usual_ones = [s for s in group if s.year == usual]
        first = next((s for s in usual_ones if s.docket), usual_ones[0])  # the fullest counterpart
        for odd in (s for s in group if s.year != usual):
            n += 1
            others = years[usual]
            yield doc.record("conflicts", {
                "id": f"{doc.id}/conflicts/{local}-{n}", "kind": "within_source", "subject": subject(group),
                "description": (f"the source dates {what} {odd.date_text} here and {first.date_text} in "
                                f"{others} other place{'s' if others > 1 else ''}; both kept as stated"),
                "other_source_id": doc.id, "other_quote": first.span.raw,
                "other_char_start": first.span.start, "other_char_end": first.span.end,
            }, odd.span, f"stated_dates:{local}")
