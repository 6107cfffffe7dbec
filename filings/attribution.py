"""Whose statement a row is, and whether a filing may present it as the filer's own term.

The attribution contract (shared/CONTRACT.md): every fact row says who states it (`voice`,
`speaker`) and how (`attribution`: `own` rule, a regulator's `order`, or a third party's
`report`). A filer's terms are its own rows and the orders that bind it (itself, its state,
or a group it belongs to, e.g. CT's EDCs); everything else is printed apart, "as reported by
<speaker>". A knowledge base built before these columns existed is read by its sources'
manifest `voice` instead (a utility's or regulator's document states its own rules).
"""

from __future__ import annotations

from msakb.filings.kb import Kb

RULE_VOICES = {"utility": "own", "regulator": "order", "legislature": "order"}


class Speakers:
    """Attribution of rows, from their own columns or (older databases) their source's."""

    def __init__(self, kb: Kb):
        self.kb = kb
        self._sources = {r["id"]: r for r in kb.rows("SELECT id, publisher, voice FROM sources")}

    def of(self, row: dict, table: str | None = None) -> dict:
        """{attribution, speaker, voice} of a fact row."""
        src = self._sources.get(row.get("source_id"), {})
        voice = row.get("voice") or src.get("voice")
        speaker = row.get("speaker") or src.get("publisher") or "an unnamed source"
        attribution = row.get("attribution")
        if attribution is None:
            attribution = "order" if table == "directives" else RULE_VOICES.get(voice or "", "report")
        return {"attribution": attribution, "speaker": speaker, "voice": voice}

    def is_term(self, row: dict, filer: dict | None, groups: set[str] = frozenset(), table: str | None = None) -> bool:
        """May a filing by `filer` (a utilities row; None for a state-wide compilation) state
        this row as its own term?"""
        who = self.of(row, table)
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

    def label(self, row: dict, table: str | None = None) -> str:
        return f"as reported by {self.of(row, table)['speaker']}"
