"""What an extractor yields: a Record, a row for one table with the span it came from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from msakb.extract.shared.text import Span


@dataclass
class Record:
    """One row of a fact table. `span` is the passage that states it; `rule` names the
    extractor rule (or annotation) that produced it. A `mention` only names a thing (a
    utility in a table caption): it creates the row if no fact does, else becomes a
    citation of the row."""

    table: str
    values: dict
    span: Span
    rule: str
    source_id: str
    mention: bool = False

    @property
    def key(self):
        return self.values.get("code" if self.table == "states" else "id")


_SLUG = re.compile(r"[^a-z0-9]+")


def slug(*parts: str) -> str:
    return _SLUG.sub("-", " ".join(p for p in parts if p).lower()).strip("-")


@dataclass
class SourceDoc:
    """A source as extractors see it: its manifest entry and its whole text."""

    id: str
    text: str
    entry: "object"  # msakb.knowledge.manifest.SourceEntry
    counter: dict = field(default_factory=dict)

    def record(self, table: str, values: dict, span: Span, rule: str, mention: bool = False) -> Record:
        """A Record of this source. `span` must be a span of this source's text."""
        if span.text is not self.text and span.text != self.text:
            raise ValueError(f"{rule}: span is not of source {self.id}")
        return Record(table, values, span, rule, self.id, mention)

    def span(self, start: int = 0, end: int | None = None) -> Span:
        return Span(self.text, start, len(self.text) if end is None else end)

    def next_id(self, table: str, local: str | None = None) -> str:
        """A stable row id: '<source>/<table>/<n>' (or '/<local>' when the row has a name)."""
        if local:
            return f"{self.id}/{table}/{local}"
        n = self.counter.get(table, 0) + 1
        self.counter[table] = n
        return f"{self.id}/{table}/{n}"
