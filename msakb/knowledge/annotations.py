"""Reviewed annotations (kb/annotations/*.yaml): facts no pattern can fairly extract,
each naming its source and an exact quote. The build finds the quote in the source (it must
occur there, once, or `occurrence` must say which) and takes the offsets from there.

File format:

    source: sce-msa-program-guidelines-2025       # default source for the records below
    reviewed_by: who checked it
    records:
      - table: restrictions
        quote: "Is there an MSA available for a 400-amp service?\\n\\nNo."
        occurrence: 1          # optional, when the quote occurs more than once
        rule: generic:...      # optional: the rule that proposed it (default: file and number)
        mention: true          # optional: only names the row (created if no fact states it)
        values: {id: ..., utility_id: sce, category: eligibility, text: ...}

A record's values are checked against its table's model when the file is read (every column
the table requires, each value of its column's kind: msakb/knowledge/table_values.py), so a
mistake is reported with its file and record, not by SQLite when the row is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from msakb.errors import AnnotationError
from msakb.extract.shared.records import Record
from msakb.extract.shared.text import Span
from msakb.knowledge.table_values import row_problem
from msakb.knowledge.yamlfile import load_model


class AnnotationRecord(BaseModel):
    """One reviewed fact (or mention) and the exact passage that states it."""

    model_config = ConfigDict(extra="forbid")
    table: str = Field(min_length=1, description="the table the row goes to")
    quote: str = Field(min_length=1, description="the passage, exactly as in the source")
    values: dict[str, Any] = Field(description="the row's columns but its provenance")
    source: Optional[str] = Field(None, description="the source id, when not the file's")
    occurrence: Optional[PositiveInt] = Field(None, description="which occurrence of the quote, when it occurs more than once")
    rule: Optional[str] = Field(None, description="the rule that proposed it (default: file and number)")
    mention: bool = Field(False, description="only names the row: created when no fact states it, else a citation")
    candidate: Optional[str] = Field(None, description="the review candidate it was accepted from (msakb review)")


class AnnotationFile(BaseModel):
    """A file of kb/annotations/."""

    model_config = ConfigDict(extra="forbid")
    source: Optional[str] = Field(None, description="default source of the records")
    reviewed_by: Optional[str] = Field(None, description="who checked the records against their source")
    records: list[AnnotationRecord] = Field(default_factory=list)


def _occurrences(text: str, quote: str) -> list[int]:
    out, i = [], text.find(quote)
    while i >= 0:
        out.append(i)
        i = text.find(quote, i + 1)
    return out


def load_annotations(folder: Path, texts: dict[str, str]) -> list[Record]:
    if not folder.exists():
        return []
    out: list[Record] = []
    for path in sorted(folder.glob("*.yaml")):
        data = load_model(path, AnnotationFile, folder=folder.parent, empty={}, error=AnnotationError)
        for n, item in enumerate(data.records, 1):
            where = f"{path.name}, record {n}"
            source = item.source or data.source
            if source not in texts:
                raise AnnotationError(f"{where}: unknown source {source!r}; sources: {', '.join(sorted(texts))}")
            quote, table, values = item.quote, item.table, item.values
            problem = row_problem(table, values)
            if problem is not None:
                raise AnnotationError(f"{where}: {problem}")
            found = _occurrences(texts[source], quote)
            if not found:
                raise AnnotationError(f"{where}: quote {quote[:70]!r} is not in source {source!r}")
            occ = item.occurrence
            if occ is None and len(found) > 1:
                raise AnnotationError(
                    f"{where}: quote {quote[:50]!r} occurs {len(found)} times in {source!r}; "
                    "say which with 'occurrence: N'"
                )
            idx = (occ or 1) - 1
            if not 0 <= idx < len(found):
                raise AnnotationError(f"{where}: occurrence {occ} asked, the quote occurs {len(found)} times")
            start = found[idx]
            span = Span(texts[source], start, start + len(quote))
            rule = item.rule or f"annotation:{path.name}#{n}"
            # `mention: true` only names a thing (a device, a utility): it creates the row if
            # no fact does, else it is a citation (accepted review candidates use it).
            out.append(Record(table, dict(values), span, rule, source, item.mention))
    return out
