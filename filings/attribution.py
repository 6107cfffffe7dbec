"""Whose statement a row is, and whether a filing may present it as the filer's own term.

The attribution contract (shared/CONTRACT.md): every fact row says who states it (`voice`,
`speaker`) and how (`attribution`: `own` rule, a regulator's `order`, or a third party's
`report`). A filer's terms are its own rows and the orders that bind it (itself, its state,
or a group it belongs to, e.g. CT's EDCs); everything else is printed apart, "as reported by
<speaker>". A knowledge base built before these columns existed is refused: rebuild it.
"""

from __future__ import annotations

from msakb.errors import FilingError
from msakb.filings.kb import Kb

COLUMNS = ("voice", "speaker", "attribution")


class Speakers:
    """Who states each row and how, from the row's attribution columns."""

    def __init__(self, kb: Kb):
        self.kb = kb

    def of(self, row: dict) -> dict:
        """{attribution, speaker, voice} of a fact row."""
        if any(row.get(c) is None for c in COLUMNS):
            raise FilingError(f"{self.kb.path}: row {row.get('id', row.get('code', '?'))!r} does not say who states it "
                              "(no voice, speaker or attribution): the knowledge base predates attribution; rebuild it "
                              "with msakb build")
        return {"attribution": row["attribution"], "speaker": row["speaker"], "voice": row["voice"]}

    def is_term(self, row: dict, filer: dict | None, groups: set[str] = frozenset()) -> bool:
        """May a filing by `filer` (a utilities row; None for a state-wide compilation) state
        this row as its own term?"""
        who = self.of(row)
        if filer is None:
            return who["attribution"] in ("own", "order")
        uid = row.get("utility_id")
        if who["attribution"] == "own":
            return uid == filer["id"]
        if who["attribution"] == "order":
            if uid:
                return uid == filer["id"] or uid in groups
            return (row.get("state") or None) in (None, filer.get("state"))
        return False

    def label(self, row: dict) -> str:
        return f"as reported by {self.of(row)['speaker']}"
