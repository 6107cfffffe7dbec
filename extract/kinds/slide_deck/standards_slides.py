"""Standards a deck names, the tests they hold an MSA to, and their revision history.

- "<standard>, <title>" list items ("UL 414, Meter Sockets (including SA, SB, SC)") and the
  rows of a 'Standard | Edition | Title' table (a bare number there takes the body of the
  standard in the table's caption: "UL 414 is referenced in the following list of UL
  Standards") are standards with titles; any other UL/ANSI standard named is a mention.
- 'Test | Test Criteria | Applicable Standard (Clause)' tables: one standard_tests row per
  (test, clause); the limits in each criterion (100 lbs, 5 ft-lbs, 1480V, 65C, 22kA, 110%)
  are test_limits rows, quantities and units as data (patterns/slide_deck.yaml).
- A table whose rows under a 'Date' sub-header are dates, in a section whose heading names a
  standard: that standard's revisions.
"""

from __future__ import annotations

import re
from typing import Iterator

from msakb.errors import SourceError
from msakb.extract.kinds.slide_deck import standard_names as st
from msakb.extract.kinds.slide_deck.slides import deck_patterns
from msakb.extract.shared import quantities as q
from msakb.extract.shared.entities import find_entities
from msakb.extract.shared.records import Record, SourceDoc, slug
from msakb.extract.shared.shapes import classify
from msakb.extract.shared.tables import Table, tables
from msakb.extract.shared.text import Span, html_items, list_items, sections, trim
from msakb.knowledge.gazetteer import Gazetteer

RULE = "deck_standards"
_TITLED = re.compile(r"^(?P<ref>[^,]+?),\s+(?P<title>\S.*)$")


def parse(doc: SourceDoc, gaz: Gazetteer) -> Iterator[Record]:
    facts = list(titled_items(doc))
    for table in tables(doc.span()):
        for inner in [table, *inner_tables(table)]:
            shape = classify(inner)
            if shape and shape[0] == "referenced_standards":
                facts.extend(referenced(doc, inner, shape[1]))
            elif shape and shape[0] == "standard_tests":
                facts.extend(tests(doc, inner, shape[1]))
        facts.extend(revisions(doc, table))
    yield from facts
    yield from mentions(doc, {r.values["id"] for r in facts if r.table == "standards"})


def inner_tables(table: Table) -> list[Table]:
    """Tables that start inside another at a row that is a header of a known shape (a page
    that stacks a caption row and a sub-table under one tab header)."""
    out = []
    for k, row in enumerate(table.rows):
        inner = Table(table.captions + [r.span for r in table.rows[:k]], row, table.rows[k + 1:],
                      row.span.cover(table.rows[-1].span))
        try:
            shape = classify(inner)
        except SourceError:
            shape = None  # a data row that only looks like a header
        if shape:
            out.append(inner)
            break
    return out


# --- standards --------------------------------------------------------------------------------


def titled_items(doc: SourceDoc) -> Iterator[Record]:
    """'ANSI/NEMA C12.7, Requirement for watthour meter sockets' list items."""
    for item in list_items(doc.span()):
        m = _TITLED.match(item.body.raw)
        if not m or not m.group("title")[0].isupper():  # "UL 414, which ..." is prose, not a title
            continue
        ents = find_entities(item.body.sub(m.start("ref"), m.end("ref")), {"STANDARD"})
        if len(ents) != 1 or ents[0].span != item.body.sub(m.start("ref"), m.end("ref")):
            continue
        ref = st.standard_ref(ents[0].text, line=item.body.line)
        if st.recorded(ref):
            yield doc.record("standards", st.values(ref, title=item.body.sub(m.start("title"), m.end("title")).clean()),
                             item.body, f"{RULE}:titled_item")


def referenced(doc: SourceDoc, table: Table, cols: dict[str, int]) -> Iterator[Record]:
    """Rows of a 'Standard | Edition | Title' table; a bare number takes the body of the
    standard the caption names."""
    body = None
    for cap in table.captions:
        for e in find_entities(cap, {"STANDARD"}):
            body = st.standard_ref(e.text, line=cap.line).body
    for row in table.rows:
        number = row.cells[cols["number"]].clean()
        if not number:
            continue
        ref = st.standard_ref(number, default_body=body, line=row.span.line)
        edition = row.cells[cols["edition"]].clean() if "edition" in cols else None
        title = row.cells[cols["title"]].clean() if "title" in cols else None
        yield doc.record("standards", st.values(ref, title=title or None, edition=edition or None),
                         trim(row.span), f"{RULE}:referenced")


def mentions(doc: SourceDoc, stated: set[str]) -> Iterator[Record]:
    """Any other UL/ANSI standard the text names (UL 414A in a clause, C12.1 in a
    utility's requirement), at its first naming: the row if no source gives its title."""
    seen = set(stated)
    for e in find_entities(doc.span(), {"STANDARD", "STANDARD_CLAUSE"}):
        if e.label == "STANDARD_CLAUSE":
            ref = st.clause_ref(e.text, e.span.line)[0]
        else:
            ref = st.standard_ref(e.text, line=e.span.line)
        if st.recorded(ref) and ref.id not in seen:
            seen.add(ref.id)
            yield doc.record("standards", st.values(ref), e.span, f"{RULE}:mention", mention=True)


# --- tests and their limits -------------------------------------------------------------------


def tests(doc: SourceDoc, table: Table, cols: dict[str, int]) -> Iterator[Record]:
    for need in ("test", "criteria", "clauses"):
        if need not in cols:
            raise SourceError(None, f"a test table without a {need} column", line=table.line)
    for row in table.rows:
        test = row.cells[cols["test"]].clean()
        criteria_cell = row.cells[cols["criteria"]]
        clauses = find_entities(row.cells[cols["clauses"]], {"STANDARD_CLAUSE"})
        if not clauses:
            raise SourceError(None, f"test {test!r} names no standard clause such as 'UL 414 (17)' in "
                                    f"{row.cells[cols['clauses']].clean()!r}", line=row.span.line)
        for e in clauses:
            ref, clause = st.clause_ref(e.text, e.span.line)
            tid = f"{doc.id}/standard_tests/{slug(test)}-{slug(ref.id)}"
            yield doc.record("standard_tests", {"id": tid, "test": test, "standard": ref.id, "clause": clause,
                                                "criteria": criteria_cell.clean()}, row.span, f"{RULE}:test")
            yield from limits(doc, tid, criteria_cell)


def limits(doc: SourceDoc, test_id: str, cell: Span) -> Iterator[Record]:
    """A limit per quantity entity in each criterion; where one criterion states several of
    one kind ('65C for jaws ..., 60C on factory wiring terminals, and 55C for ...') each
    keeps the words up to the next, which say what it applies to."""
    table = deck_patterns()["test_limits"]
    n = 0
    for crit in html_items(cell):
        ents = find_entities(crit, set(table))
        for i, e in enumerate(ents):
            same = [x for x in ents if x.label == e.label]
            if len(same) == 1:
                span = crit
            else:
                nxt = next((x for x in ents[i + 1:] if x.label == e.label), None)
                end = nxt.span.start if nxt else _sentence_end(crit, e.span.end)
                span = trim(Span(doc.text, e.span.start, end))
                span = _drop_tail(span)
            n += 1
            yield doc.record("test_limits", {
                "id": f"{test_id}/limits/{n}", "test_id": test_id, "quantity": table[e.label]["quantity"],
                "value": _value(e.label, e.text), "unit": table[e.label]["unit"], "text": span.clean(),
            }, span, f"{RULE}:limit:{e.rule}")


def _value(label: str, text: str) -> float:
    if label == "KILOAMPS":
        return float(q.amps(text))
    if label == "VOLTS":
        return float(q.volts(text)[1])
    return q.number(text)


def _sentence_end(crit: Span, pos: int) -> int:
    m = re.compile(r"\.(?:\s|$)|:").search(crit.text, pos, crit.end)
    return m.start() if m else crit.end


_TAIL = re.compile(r"(?:,\s*(?:and|or)?|\s+(?:and|or))\s*$")


def _drop_tail(span: Span) -> Span:
    m = _TAIL.search(span.raw)
    return span.sub(0, m.start()) if m else span


# --- revisions --------------------------------------------------------------------------------


def revisions(doc: SourceDoc, table: Table) -> Iterator[Record]:
    """Rows of dates under a 'Date' sub-header, for the standard the section's heading names."""
    k = next((i for i, r in enumerate(table.rows)
              if r.cells[0].clean().lower() == "date" and not any(c.clean() for c in r.cells[1:])), None)
    if k is None:
        return
    heading = _heading_above(doc, table.span.start)
    ents = find_entities(heading, {"STANDARD"}) if heading else []
    if not ents:
        raise SourceError(None, "a table of revision dates under a heading that names no standard", line=table.line)
    ref = st.standard_ref(ents[0].text, line=heading.line)
    for row in table.rows[k + 1:]:
        date = q.iso_date(row.cells[0].clean())
        if date is None:
            break
        yield doc.record("standard_revisions", {
            "id": f"{doc.id}/standard_revisions/{slug(ref.id)}-{date}", "standard": ref.id, "revision_date": date,
        }, trim(row.span), f"{RULE}:revision")


def _heading_above(doc: SourceDoc, pos: int) -> Span | None:
    found = None
    for sec in sections(doc.span(), plain_headings=False):
        if sec.heading.start < pos:
            found = sec.heading
    return found
