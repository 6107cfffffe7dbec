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

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from msakb.errors import MsakbError

DECISIONS = Path("review") / "decisions.yaml"


class ReviewError(MsakbError):
    """A review decision cannot be made or read."""


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    source: str
    rule: str
    quote: str
    char_start: int
    char_end: int
    decision: Literal["accepted", "rejected", "edited"]
    table: Optional[str] = None
    values: dict = {}
    reason: Optional[str] = None
    at: Optional[dt.date] = None


def decisions_path(kb: Path) -> Path:
    return Path(kb) / DECISIONS


def load_decisions(kb: Path) -> dict[str, Decision]:
    """Decisions by candidate id (a later line for the same id replaces an earlier one)."""
    path = decisions_path(kb)
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise ReviewError(f"{path}: not valid YAML: {e}") from None
    out = {}
    for n, item in enumerate(data.get("decisions") or [], 1):
        try:
            d = Decision.model_validate(item)
        except ValidationError as e:
            err = e.errors()[0]
            raise ReviewError(f"{path}, decision {n}: {'.'.join(map(str, err['loc']))}: {err['msg']}") from None
        out[d.id] = d
    return out


def save_decisions(kb: Path, decisions: dict[str, Decision]) -> None:
    path = decisions_path(kb)
    items = [d.model_dump(mode="python", exclude_none=True) for d in decisions.values()]
    header = "# Review decisions on candidate facts, written by `msakb review` (format: msakb/knowledge/decisions.py).\n"
    write_yaml(path, {"decisions": items}, header)


def write_yaml(path: Path, data: dict, header: str = "") -> None:
    """Write YAML atomically (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    text = header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
