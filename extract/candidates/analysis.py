"""One statement read once: its text tokenised one time, and on those tokens the entity
ruler (patterns/entities.jsonl), the obligation matcher and the field-term matchers
(extract/candidates/cues.py). Offsets are relative to the statement's raw text.

Memoised by text: the same sentence recurs across editions of a list and across the
utilities that copy one another's wording, and is then read once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from msakb.extract.candidates.cues import canonical_term, longest, matchers, obligation_patterns
from msakb.extract.shared.entities import PIECE, doc_entities, nlp_for, pieces
from msakb.extract.shared.text import Span


@dataclass(frozen=True)
class Analysis:
    entities: tuple[tuple[str, str, int, int], ...]  # (label, pattern id, start, end)
    cues: tuple[tuple[str, str, int, int], ...]  # (requirement/prohibition/permission, pattern id, start, end)
    terms: tuple[tuple[str, str, int, int], ...]  # (canonical term, word as written, start, end)


@lru_cache(maxsize=8192)
def analyse(raw: str) -> Analysis:
    if len(raw) > PIECE:  # spaCy takes at most max_length characters: read it in pieces cut at line ends
        parts = [(p.start, analyse(p.raw)) for p in pieces(Span(raw, 0, len(raw)))]
        shift = lambda items, at: tuple((x, y, at + a, at + b) for x, y, a, b in items)  # noqa: E731
        return Analysis(*(sum((shift(getattr(a, f), at) for at, a in parts), ()) for f in ("entities", "cues", "terms")))
    nlp = nlp_for()
    doc = nlp.make_doc(raw)
    ents = doc_entities(doc)
    obligation, exact, folded = matchers(nlp)
    _, labels = obligation_patterns()
    cues = tuple(sorted((labels[k], k, a, b) for k, a, b in longest(doc, obligation(doc))))
    terms = tuple(sorted((canonical_term(raw[a:b]) or raw[a:b], raw[a:b], a, b)
                         for _, a, b in longest(doc, list(exact(doc)) + list(folded(doc)))))
    return Analysis(ents, tuple(sorted(cues, key=lambda c: c[2])), tuple(sorted(terms, key=lambda t: t[2])))


def reset() -> None:
    """Forget memoised statements (the benchmark measures from a fresh pipeline)."""
    analyse.cache_clear()
