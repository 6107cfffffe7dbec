"""Reviewed conflicts (kb/conflicts/*.yaml): disagreements between sources that lie in prose,
where no comparison of rows can find them. Each entry quotes both passages exactly; the build
finds each quote in its source and fails, naming the file and entry, when it cannot."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from msakb.db.pipeline.patch_writes import Patch
from msakb.db.pipeline.texts import DocTexts
from msakb.db.pipeline.step import Step
from msakb.errors import AnnotationError
from msakb.knowledge.yamlfile import load_model


class ReviewedConflict(BaseModel):
    """Two passages of two sources that disagree, as a person judged them."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    subject: str = Field(min_length=1, description="what the sources disagree about")
    description: str = Field(description="what each passage says and why they disagree")
    source: str = Field(description="one side's source id")
    quote: str = Field(min_length=1, description="its passage, exactly")
    occurrence: Optional[PositiveInt] = Field(
        None, description="which occurrence of the quote, when it occurs more than once")
    other_source: str = Field(description="the other side's source id")
    other_quote: str = Field(min_length=1, description="its passage, exactly")
    other_occurrence: Optional[PositiveInt] = None


class ReviewedFile(BaseModel):
    """A file of kb/conflicts/."""

    model_config = ConfigDict(extra="forbid")
    reviewed_by: str = Field(description="who read and judged the conflicts")
    conflicts: list[ReviewedConflict]


def locate(texts: Mapping[str, str], source: str, quote: str, occurrence: int | None, where: str) -> int:
    """Offset of `quote` in `source` (it must occur once, or `occurrence` picks one, 1-based)."""
    if source not in texts:
        raise AnnotationError(f"{where}: unknown source {source!r}; sources: {', '.join(sorted(texts))}")
    text, found, i = texts[source], [], texts[source].find(quote)
    while i >= 0 and quote:
        found.append(i)
        i = text.find(quote, i + 1)
    if not found:
        raise AnnotationError(f"{where}: quote {quote[:70]!r} is not in source {source!r}")
    if occurrence is None and len(found) > 1:
        raise AnnotationError(f"{where}: quote {quote[:70]!r} occurs {len(found)} times in {source!r}; say which with occurrence")
    if occurrence is not None and not 1 <= occurrence <= len(found):
        raise AnnotationError(f"{where}: occurrence {occurrence} of a quote found {len(found)} times in {source!r}")
    return found[(occurrence or 1) - 1]


def derive_reviewed(rows: dict[str, list[dict]], docs, kb: Path) -> dict[str, list[dict]]:
    """kb/conflicts/*.yaml -> conflicts rows (kind across_sources)."""
    texts = DocTexts(docs)  # each read when a conflict names it (a stored source's text is in the database)
    out, seen = [], {}
    folder = kb / "conflicts"
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        name = f"kb/conflicts/{path.name}"
        data = load_model(path, ReviewedFile, name=name, folder=kb, error=AnnotationError)
        for c in data.conflicts:
            where = f"{name}, conflict {c.id!r}"
            if c.id in seen:  # its row's id: two would collide in the conflicts table
                raise AnnotationError(f"{where}: the id is also used in {seen[c.id]}; give each conflict its own id")
            seen[c.id] = name
            a = locate(texts, c.source, c.quote, c.occurrence, where)
            b = locate(texts, c.other_source, c.other_quote, c.other_occurrence, where + " (other side)")
            out.append({
                "id": f"conflict/reviewed/{c.id}", "kind": "across_sources", "subject": c.subject,
                "description": " ".join(c.description.split()),
                "source_id": c.source, "quote": c.quote, "char_start": a, "char_end": a + len(c.quote),
                "rule": f"{name}#{c.id}",
                "other_source_id": c.other_source, "other_quote": c.other_quote,
                "other_char_start": b, "other_char_end": b + len(c.other_quote),
            })
    return {"conflicts": out} if out else {}


def patch_reviewed(p: Patch) -> None:
    """Every reviewed conflict again: its quotes are found anew in the sources as they are."""
    p.writer.delete("conflicts", "rule LIKE 'kb/conflicts/%' AND id LIKE 'conflict/reviewed/%'")
    p.writer.insert("conflicts", derive_reviewed({}, p.all_docs, p.kb).get("conflicts", []))


STEP = Step("reviewed_conflicts", derives=("conflicts",), derive=derive_reviewed, patch=patch_reviewed)
