"""Facts of program guidelines found by entities in prose: fees (MONEY), timelines
(DURATION, read in their clause) and regulators' decisions (DECISION)."""

from __future__ import annotations

import re
from typing import Iterator

from msakb.errors import SourceError
from msakb.extract.kinds.program_guidelines.layout import Layout, rules
from msakb.extract.shared import quantities as q
from msakb.extract.shared.entities import Entity, find_entities
from msakb.extract.shared.records import Record, SourceDoc, slug
from msakb.extract.shared.text import Span, clean_text, sentences

RULE = "program_guidelines"


def _in_sentences(layout: Layout, labels: set[str]) -> Iterator[tuple[Entity, Span]]:
    """Each entity of `labels` in the prose, with the sentence holding it."""
    for line in layout.prose:
        for sent in sentences(line):
            for e in find_entities(sent, labels):
                yield e, sent


def fees(doc: SourceDoc, layout: Layout, utility_id: str) -> Iterator[Record]:
    """'\\$279.22 per site visit' -> amount 279.22 USD per 'site visit'."""
    seen: set[str] = set()
    for e, sent in _in_sentences(layout, {"MONEY"}):
        amount, currency = q.money(clean_text(e.text))
        if amount is None:
            continue
        span = e.span
        m = rules()["fee_per"].match(doc.text, e.span.end, sent.end)
        per = None
        if m:
            per = m.group("per")
            span = Span(doc.text, e.span.start, m.end("per"))
        local = slug(per) if per else "fee"
        while local in seen:
            local += "-again"
        seen.add(local)
        yield doc.record("fees", {
            "id": f"{doc.id}/fees/{local}", "utility_id": utility_id, "amount": amount,
            "currency": currency, "per": per, "text": span.clean(),
        }, span, f"{RULE}:fee")


def clause_of(sent: Span, inner: Span) -> Span:
    """The comma-delimited clause of a sentence that holds `inner` (final stop dropped)."""
    raw = sent.raw
    a, b = inner.start - sent.start, inner.end - sent.start
    start = raw.rfind(", ", 0, a)
    start = 0 if start < 0 else start + 2
    end = raw.find(",", b)
    end = len(raw) if end < 0 else end
    return sent.sub(start, end).strip(" \t.;:")


def activity_of(clause: str, duration: str) -> str:
    """What a timeline is about: the first `timeline_activities` pattern that matches the
    clause, else the clause itself."""
    for pattern in rules()["timeline_activities"]:
        rx = re.compile(pattern.replace("{duration}", re.escape(duration)), re.I)
        m = rx.search(clause)
        if m:
            return m.group("activity")
    return clause


def timelines(doc: SourceDoc, layout: Layout, utility_id: str) -> Iterator[Record]:
    """'It generally takes 5 to 10 business days for SCE to issue a service request' ->
    min 5, max 10 business days; 'within 30 business days' -> max 30."""
    for e, sent in _in_sentences(layout, {"DURATION"}):
        low, high, unit = q.duration(clean_text(e.text))
        clause = clause_of(sent, e.span)
        text = clause.clean()
        yield doc.record("timelines", {
            "id": doc.next_id("timelines"), "utility_id": utility_id,
            "activity": activity_of(text, clean_text(e.text)),
            "min_value": low, "max_value": high, "unit": unit, "text": text,
        }, clause, f"{RULE}:timeline:{e.rule}")


_NUMBER = re.compile(r"\d{2}-\d{2}-\d{3}")


def decisions(doc: SourceDoc, layout: Layout) -> Iterator[Record]:
    """A decision with its regulator (named just before it) and its date (a DATE just
    before the regulator: 'In January 2021, the CPUC, via Decision 21-01-018')."""
    r = rules()
    near = r["decision_context_chars"]
    regulators = re.compile(r"\b(" + "|".join(map(re.escape, r["regulators"])) + r")\b")
    seen: set[str] = set()
    for e, sent in _in_sentences(layout, {"DECISION"}):
        number = _NUMBER.search(e.text).group(0)
        before = doc.text[max(sent.start, e.span.start - near): e.span.start]
        found = regulators.findall(before)
        if not found:
            raise SourceError(
                None, f"Decision {number}: no regulator ({', '.join(r['regulators'])}) named within "
                f"{near} characters before it; add it to `regulators` in "
                "extract/patterns/program_guidelines.yaml", line=e.span.line,
            )
        date = None
        for d in find_entities(Span(doc.text, sent.start, e.span.start), {"DATE"}):
            if e.span.start - d.span.end <= near:
                date = q.iso_date(clean_text(d.text))
        if number in seen:
            continue
        seen.add(number)
        yield doc.record("decisions", {
            "id": f"{doc.id}/decisions/{number}", "regulator": found[-1], "decision_number": number,
            "decision_date": date, "text": sent.clean(),
        }, sent, f"{RULE}:decision")
