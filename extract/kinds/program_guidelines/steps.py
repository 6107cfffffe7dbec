"""Process steps of program guidelines: key-value tables whose caption is the step
("1. Complete and Submit Request") and whose rows are label/value pairs (the table's header
row is the first pair), under a phase heading ("A. MSA Request"). Each status in a step's
"System Status(es)" cell is a system_statuses row of its own."""

from __future__ import annotations

from typing import Iterator

from msakb.errors import SourceError
from msakb.extract.kinds.program_guidelines.layout import Layout, rules
from msakb.extract.shared.records import Record, SourceDoc, slug
from msakb.extract.shared.tables import Row, Table
from msakb.extract.shared.text import html_items

RULE = "program_guidelines"


def process_steps(doc: SourceDoc, layout: Layout, utility_id: str) -> Iterator[Record]:
    r = rules()
    for table in layout.tables:
        if len(table.captions) != 1 or table.header is None or len(table.header.cells) != 2:
            continue
        caption = table.captions[0]
        m = r["step_caption"].match(caption.clean())
        if not m:
            continue
        number = int(m.group("number"))
        step_id = f"{doc.id}/process_steps/{number}"
        values = {"id": step_id, "utility_id": utility_id, "phase": phase_of(layout, table),
                  "number": number, "title": m.group("title")}
        statuses = []
        for row in [table.header, *table.rows]:
            field = step_field(row)
            if field == "statuses":
                statuses.extend(html_items(row.cells[1]))
            else:
                values[field] = "; ".join(item.clean() for item in html_items(row.cells[1])) or None
        yield doc.record("process_steps", values, table.span, f"{RULE}:process_step")
        for span in statuses:
            status = span.clean()
            yield doc.record("system_statuses", {
                "id": f"{step_id}/{slug(status)}", "utility_id": utility_id, "step_id": step_id,
                "status": status,
            }, span, f"{RULE}:system_status")


def step_field(row: Row) -> str:
    label = row.cells[0].clean()
    for rx, field in rules()["step_fields"]:
        if rx.search(label):
            return field
    raise SourceError(
        None, f"process-step table row label {label!r} is not a known field; add it to "
        "`step_fields` in extract/patterns/program_guidelines.yaml", line=row.span.line,
    )


def phase_of(layout: Layout, table: Table) -> str | None:
    """The nearest phase heading ("B. MSA Reservation") above the table."""
    found = None
    for start, title in layout.anchors:
        if start >= table.span.start:
            break
        if rules()["phase_heading"].match(title):
            found = title
    return found
