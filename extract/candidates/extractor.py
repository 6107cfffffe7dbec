"""The generic extractor: candidate facts from any source, whatever its kind, for a person to
confirm (`msakb review`). One candidate per statement and fact (extract/candidates/
statements.py: a sentence, a list item, a table row, an enumerated clause with its lead-in),
quoting the whole statement, with the entities inside as structured fields (amps, kA,
volts, model, standard, fee, days, date, limits, parts) and the table and category it
proposes (extract/candidates/proposals.py, approvals.py).

Cheap by design: one regular expression over the text finds where a proposal can be
(prefilter.py); only those statements are tokenised, once each, for the entity ruler and
the obligation and term matchers together (analysis.py); a table row reads its cells'
entities, the same strings the dedicated parsers read (entities_of is memoised).

A candidate is a plain dict (cached per source as JSON-friendly data): offsets into the
source, never its text. Devices are named, not yet resolved: which known device or family
a mention is needs every source's devices, and is decided by the build
(extract/candidates/known_devices.py). Ids are stable across builds: a hash of the source
id, the offsets, the rule and (where one statement proposes several rows) a key.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from msakb.extract.candidates.analysis import analyse
from msakb.extract.candidates.cues import config, shapes
from msakb.extract.candidates.devices_named import caption_status, find_devices
from msakb.extract.candidates.fields import entity_fields
from msakb.extract.candidates.prefilter import Hits
from msakb.extract.candidates.proposals import propose_statement
from msakb.extract.candidates.statements import Statement, statements
from msakb.extract.shared.entities import entities_of
from msakb.extract.shared.records import SourceDoc
from msakb.extract.shared.text import Span, clean_text
from msakb.extract.shared.words import whole_word_matches
from msakb.knowledge.gazetteer import Gazetteer


def candidate_id(source_id: str, start: int, end: int, rule: str, key: str = "") -> str:
    """Stable across builds: the same passage read by the same rule has the same id."""
    text = f"{source_id}\x00{start}\x00{end}\x00{rule}" + (f"\x00{key}" if key else "")
    digest = hashlib.sha256(text.encode()).hexdigest()
    return f"c-{digest[:12]}"


@lru_cache(maxsize=None)
def _status_headers() -> re.Pattern:
    return re.compile(config()["status_headers"])


@dataclass
class Reading:
    """What one statement holds: entities, obligation cues, field terms (offsets into the
    source), its fields, and the devices it names (computed on first use)."""

    st: Statement
    gaz: Gazetteer
    entities: list = field(default_factory=list)
    cues: list = field(default_factory=list)
    terms: list = field(default_factory=list)

    @cached_property
    def fields(self) -> dict:
        return entity_fields(self.entities, self.st.span.text, 0)

    @cached_property
    def models(self) -> list[Span]:
        return [Span(self.st.span.text, a, b) for label, _, a, b in self.entities if label == "MODEL_NUMBER"]

    @cached_property
    def utilities(self) -> list[tuple[str, Span]]:
        return self.gaz.find_utilities(self.st.span)

    @cached_property
    def devices(self) -> list[dict]:
        return find_devices(self.st.span, self.gaz, self.models, self.st.cells, self.st.header)


class Context:
    """What every statement of one source shares, and how a proposal is made."""

    def __init__(self, doc: SourceDoc, gaz: Gazetteer):
        self.doc, self.gaz = doc, gaz
        self.as_of = doc.entry.as_of.isoformat() if doc.entry.as_of else None
        self._mentions: dict[str, Span | None] = {}
        self._state = None

    def read(self, span: Span, st: Statement | None = None) -> Reading:
        st = st or Statement(span, "sentence")
        if st.cells is not None:  # a row: its cells' entities, as the parsers read them
            ents = [(label, rule, c.start + a, c.start + b) for c in st.cells if c.raw.strip()
                    for label, rule, a, b in entities_of(c.raw)]
            return Reading(st, self.gaz, ents)
        a = analyse(span.raw)
        shift = lambda items: [(x, y, span.start + s, span.start + e) for x, y, s, e in items]  # noqa: E731
        return Reading(st, self.gaz, shift(a.entities), shift(a.cues), shift(a.terms))

    def _named(self, uid: str) -> Span | None:
        """The first place the source names a utility (to quote it in the utility's row):
        the first of its spellings, whole-word, that no longer spelling of another utility
        holds there (as gazetteer.find_utilities reads names)."""
        if uid not in self._mentions:
            found = None
            spellings = sorted(self.gaz.aliases_of(uid), key=len, reverse=True)
            for start, end in whole_word_matches(self.doc.text, spellings):
                named = self.gaz.find_utilities(Span(self.doc.text, max(0, start - 60), min(len(self.doc.text), end + 60)))
                if any(u == uid and s.start == start for u, s in named):
                    found = Span(self.doc.text, start, end)
                    break
            self._mentions[uid] = found
        return self._mentions[uid]

    def _support_utility(self, uid: str, span: Span | None) -> tuple[str, list[dict]]:
        if span is None:
            return uid, []
        u = self.gaz.utilities[uid]
        return uid, [{"table": "utilities", "values": {"id": uid, "name": u["name"], "state": u["state"], "kind": u["kind"]},
                      "char_start": span.start, "char_end": span.end}]

    def utility(self, st: Statement, read: Reading, caption: bool = False) -> tuple[str | None, list[dict]]:
        """The utility a statement speaks of: one it names, else the source's own (manifest),
        else (for a table row) the one named just above its table. With the mention to quote."""
        named = read.utilities
        if named:
            return self._support_utility(named[0][0], named[0][1])
        uid = self.doc.entry.utility
        if uid:
            return self._support_utility(uid, self._named(uid))
        if caption and st.caption is not None:
            for sp in [st.caption] + st.headings:
                above = self.gaz.find_utilities(sp)
                if above:
                    return self._support_utility(above[-1][0], above[-1][1])
        return None, []

    def docket(self) -> tuple[str | None, str | None]:
        """The docket and order number the source names first (an order's own)."""
        if not hasattr(self, "_docket"):
            s = shapes()
            d, n = s["docket"].search(self.doc.text), s["order_number"].search(self.doc.text)
            self._docket = (d.group("docket") if d else None, n.group("number") if n else None)
        return self._docket

    def state(self) -> tuple[str | None, list[dict]]:
        """The state a statement no utility speaks of binds: the source's jurisdiction
        (unless US), with the place its text names the state, if it does (to quote the
        state's row; else the row must exist when the fact is accepted)."""
        if self._state is None:
            code, gaz = self.doc.entry.jurisdiction, self.gaz
            self._state = (code if code in gaz.states else None, [])
            if code in gaz.states:
                names = sorted({n for n, c in gaz.state_aliases.items() if c == code and len(n) > 2}, key=len, reverse=True)
                for n in names:
                    m = re.search(rf"(?i)(?<!\w){re.escape(n)}(?!\w)", self.doc.text)
                    if m:
                        self._state = (code, [{"table": "states", "values": {"code": code, "name": gaz.states[code]},
                                               "char_start": m.start(), "char_end": m.end()}])
                        break
        return self._state

    def make(self, st: Statement, kind: str, rule: str, table: str, values: dict, trigger: Span, classification,
             read: Reading, support: list[dict], device: dict | None = None, key: str = "",
             fields: dict | None = None) -> dict:
        span = st.span
        return {
            "id": candidate_id(self.doc.id, span.start, span.end, rule, key), "source_id": self.doc.id,
            "kind": kind, "rule": rule, "table": table, "classification": classification,
            "start": span.start, "end": span.end, "trigger_start": trigger.start, "trigger_end": trigger.end,
            "values": values, "fields": {**read.fields, **(fields or {})},
            "entities": [list(e) for e in read.entities], "terms": sorted({t[0] for t in read.terms}),
            "support": support, "device": device,
        }


MAX_STATEMENT = 5_000
"""Longest statement judged, in characters (the seed corpus's longest is a 1,026-character table
row). A longer "sentence" (a text without full stops, a table row of a megabyte) is no statement
a reviewer can judge, and each candidate it gave would quote all of it: 80,000 cues in one
1.5-million-character line once took 23 GB."""


def propose(doc: SourceDoc, gaz: Gazetteer, read: list[tuple[int, int]] = ()) -> list[dict]:
    """Every candidate fact of one source, in text order, each once; none from a table row
    that overlaps the `read` spans (what the source's dedicated parser turned into facts:
    a candidate of it would only repeat rows the build has)."""
    ctx = Context(doc, gaz)
    hits = Hits(doc.text, gaz, read)
    out: dict[str, dict] = {}
    caption = lambda raw: caption_status([Span(raw, 0, len(raw))]) is not None  # noqa: E731
    for st in statements(doc.span(), hits, _status_headers(), caption):
        if len(st.span) > MAX_STATEMENT:
            continue
        for c in propose_statement(ctx, st, ctx.read(st.span, st)):
            out.setdefault(c["id"], c)
    return sorted(out.values(), key=lambda c: (c["start"], c["end"], c["rule"]))


def quote(c: dict, text: str) -> str:
    return text[c["start"]:c["end"]]


__all__ = ["Context", "Reading", "candidate_id", "clean_text", "propose", "quote"]
