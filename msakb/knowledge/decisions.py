"""Review decisions on candidate facts: kb/review/decisions.yaml, written by `msakb review`.

    decisions:
      - id: c-1a2b3c4d5e6f          # the candidate (stable across builds)
        source: nj-bpu-statute
        rule: generic:obligation:shall
        quote: "A meter collar adapter shall ..."   # for the reader; offsets are authoritative
        char_start: 120
        char_end: 188
        decision: accepted          # accepted, rejected, or edited (still pending)
        table: restrictions         # the table the fact goes to (accepted, edited)
        values: {category: requirement, ...}   # the row as accepted or edited
        reason: null                # why, for a rejection
        at: 2026-11-21

An accepted candidate is also an annotation in kb/annotations/review-<source>.yaml (the
build reads it like any annotation, quote verified, with the candidate's rule); a rejected
one is not proposed again (its candidate row says `rejected`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from msakb.errors import MsakbError
from msakb.knowledge.yamlfile import dump_yaml, load_model, unquoted_date

DECISIONS = Path("review") / "decisions.yaml"


class ReviewError(MsakbError):
    """A review decision cannot be made or read."""


class Decision(BaseModel):
    """One decision on one candidate."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="the candidate's id (stable across builds)")
    source: str = Field(description="the candidate's source id")
    rule: str = Field(description="the rule that proposed it")
    quote: str = Field(description="the passage, for the reader (the offsets are authoritative)")
    char_start: int = Field(ge=0)
    char_end: int = Field(ge=0)
    decision: Literal["accepted", "rejected", "edited"]
    table: Optional[str] = Field(None, description="the table the fact goes to (accepted, edited)")
    values: dict = Field(default_factory=dict, description="the row as accepted or edited")
    reason: Optional[str] = Field(None, description="why, for a rejection")
    at: Optional[dt.date] = Field(None, description="the day of the decision")

    @field_validator("values")
    @classmethod
    def _plain(cls, v: dict) -> dict:
        """The values are stored as JSON (the candidate's proposed row), which has no dates."""
        problem = unquoted_date(v)
        if problem:
            raise ValueError(problem)
        return v


class DecisionsFile(BaseModel):
    """kb/review/decisions.yaml."""

    model_config = ConfigDict(extra="forbid")
    decisions: list[Decision] = Field(default_factory=list)

    @field_validator("decisions", mode="before")
    @classmethod
    def _none_is_empty(cls, v):
        return [] if v is None else v


def decisions_path(kb: Path) -> Path:
    return Path(kb) / DECISIONS


def load_decisions(kb: Path) -> dict[str, Decision]:
    """Decisions by candidate id (a later line for the same id replaces an earlier one)."""
    path = decisions_path(kb)
    if not path.exists():
        return {}
    data = load_model(path, DecisionsFile, folder=Path(kb), empty={}, error=ReviewError)
    return {d.id: d for d in data.decisions}


def save_decisions(kb: Path, decisions: dict[str, Decision]) -> None:
    path = decisions_path(kb)
    items = [d.model_dump(mode="python", exclude_none=True) for d in decisions.values()]
    header = "# Review decisions on candidate facts, written by `msakb review` (format: msakb/knowledge/decisions.py).\n"
    write_yaml(path, {"decisions": items}, header)


def write_yaml(path: Path, data: dict, header: str = "") -> None:
    """Write YAML atomically (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    text = header + dump_yaml(data)
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
