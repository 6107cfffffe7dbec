"""Reviewed conflicts (kb/conflicts/*.yaml): disagreements between sources that lie in prose,
where no comparison of rows can find them. Each entry quotes both passages exactly; the build
finds each quote in its source and fails, naming the file and entry, when it cannot."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from msakb.db.pipeline.patch_writes import Patch
from msakb.db.pipeline.step import Step
from msakb.errors import AnnotationError


class ReviewedConflict(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    subject: str
    description: str = Field(description="what each passage says and why they disagree")
    source: str
    quote: str
    occurrence: Optional[int] = None
    other_source: str
    other_quote: str
    other_occurrence: Optional[int] = None


class ReviewedFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reviewed_by: str
    conflicts: list[ReviewedConflict]


def locate(texts: dict[str, str], source: str, quote: str, occurrence: int | None, where: str) -> int:
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
    texts = {d.id: d.text for d in docs}
    out = []
    folder = kb / "conflicts"
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        name = f"kb/conflicts/{path.name}"
        try:
            data = ReviewedFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except yaml.YAMLError as e:
            raise AnnotationError(f"{name}: not valid YAML: {e}") from None
        except ValidationError as e:
            err = e.errors()[0]
            raise AnnotationError(f"{name}: {'.'.join(map(str, err['loc']))}: {err['msg']}") from None
        for c in data.conflicts:
            where = f"{name}, conflict {c.id!r}"
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
