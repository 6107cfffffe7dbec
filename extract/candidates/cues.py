"""The words that make a passage a candidate fact, found by spaCy matchers whose patterns
are data:

- obligation cues (`patterns/obligations.jsonl`, a token Matcher): "shall", "must not",
  "is required", "does not permit", "only", ... each labelled requirement, prohibition or
  permission, with the pattern id that matched;
- field terms (`patterns/synonyms.yaml`, a PhraseMatcher): the words sources use for one
  thing ("meter collar", "MCD", "socket-mounted transfer switch") mapped to one term
  ("meter socket adapter").

Both run on the field's tokenizer (that of msakb.extract.shared.entities.nlp_for), so a hyphenated
word is one token here as in the entity patterns.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from spacy.matcher import Matcher, PhraseMatcher
from spacy.util import filter_spans

from msakb.errors import MsakbError
from msakb.extract.shared.entities import nlp_for
from msakb.extract.shared.text import Span
from msakb.extract.shared.patterns import PATTERNS

OBLIGATIONS = PATTERNS / "obligations.jsonl"
SYNONYMS = PATTERNS / "synonyms.yaml"
CONFIG = PATTERNS / "candidates.yaml"
# When one passage has cues of several kinds, the strongest names it.
PRIORITY = {"prohibition": 3, "requirement": 2, "permission": 1}


@dataclass(frozen=True)
class Cue:
    label: str  # requirement / prohibition / permission, or the canonical term
    rule: str  # pattern id (obligations) or the synonym as listed (terms)
    span: Span


@lru_cache(maxsize=None)
def config() -> dict:
    try:
        return yaml.safe_load(CONFIG.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise MsakbError(f"{CONFIG}: not valid YAML: {e}") from None


@lru_cache(maxsize=None)
def _nlp():
    # The entity pipeline's own tokenizer and vocabulary (only make_doc is used here): a
    # second blank pipeline would take longer to construct than deriving one source's candidates.
    # Kept here, not asked of nlp_for each time: the matchers below are built on this
    # vocabulary, and entities.reset() (benchmarks) must not hand them docs of another.
    return nlp_for()


def _first_words(pattern: list[dict]) -> set[str] | None:
    """The literal words a pattern can start with (lower-cased), or None if any word can."""
    first = pattern[0]
    for attr in ("LOWER", "ORTH"):
        v = first.get(attr)
        if isinstance(v, str):
            return {v.lower()}
        if isinstance(v, dict) and "IN" in v:
            return {w.lower() for w in v["IN"]}
    return None


@lru_cache(maxsize=None)
def _obligation_matcher() -> tuple[Matcher, dict, "re.Pattern | None"]:
    nlp = _nlp()
    matcher = Matcher(nlp.vocab, validate=True)
    labels, words, any_word = {}, set(), False
    for n, line in enumerate(OBLIGATIONS.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            pat = json.loads(line)
            if pat.get("label") not in PRIORITY:
                raise ValueError(f"label must be one of {', '.join(PRIORITY)}")
            matcher.add(pat["id"], [pat["pattern"]])
        except (ValueError, KeyError) as e:
            raise MsakbError(f"{OBLIGATIONS}, line {n}: invalid obligation pattern: {e}") from None
        labels[pat["id"]] = pat["label"]
        first = _first_words(pat["pattern"])
        any_word = any_word or first is None
        words |= first or set()
    # A passage with none of the words a pattern starts with is not tokenised at all.
    prefilter = None if any_word else re.compile(
        r"(?i)(?<![\w'])(?:" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + r")(?![\w'])")
    return matcher, labels, prefilter


@lru_cache(maxsize=None)
def _term_matcher() -> tuple[PhraseMatcher, PhraseMatcher, dict]:
    nlp = _nlp()
    try:
        terms = (yaml.safe_load(SYNONYMS.read_text(encoding="utf-8")) or {}).get("terms") or {}
    except yaml.YAMLError as e:
        raise MsakbError(f"{SYNONYMS}: not valid YAML: {e}") from None
    exact, folded = PhraseMatcher(nlp.vocab, attr="ORTH"), PhraseMatcher(nlp.vocab, attr="LOWER")
    canonical = {}
    for term, words in terms.items():
        if not isinstance(words, list) or not words:
            raise MsakbError(f"{SYNONYMS}: term {term!r} needs a list of the words sources use for it")
        for w in words:
            w = str(w)
            if w in canonical and canonical[w] != term:
                raise MsakbError(f"{SYNONYMS}: {w!r} is listed under both {canonical[w]!r} and {term!r}")
            canonical[w] = term
            (exact if w.isupper() else folded).add(w, [nlp.make_doc(w)])
    return exact, folded, canonical


def canonical_term(word: str) -> str | None:
    """The one term a word stands for ('meter collar' -> 'meter socket adapter')."""
    _, _, canonical = _term_matcher()
    if word in canonical:
        return canonical[word]
    low = word.lower()
    for w, term in canonical.items():
        if not w.isupper() and w.lower() == low:
            return term
    return None


def _spans(span: Span, doc, matches) -> list[tuple[str, Span]]:
    found = [(doc.vocab.strings[mid], doc[s:e]) for mid, s, e in matches]
    kept = filter_spans([t for _, t in found])
    keep = {(t.start, t.end) for t in kept}
    out, seen = [], set()
    for key, t in found:
        if (t.start, t.end) in keep and (t.start, t.end) not in seen:
            seen.add((t.start, t.end))
            out.append((key, Span(span.text, span.start + t.start_char, span.start + t.end_char)))
    return out


def obligation_cues(span: Span) -> list[Cue]:
    """Obligation words in a span, longest match first where they overlap, in text order."""
    if not span:
        return []
    matcher, labels, prefilter = _obligation_matcher()
    if prefilter is not None and not prefilter.search(span.raw):
        return []
    doc = _nlp().make_doc(span.raw)
    out = [Cue(labels[key], key, s) for key, s in _spans(span, doc, matcher(doc))]
    return sorted(out, key=lambda c: c.span.start)


def strongest(cues: list[Cue]) -> Cue | None:
    """The cue that classifies a passage: a prohibition over a requirement over a permission."""
    return max(cues, key=lambda c: (PRIORITY[c.label], -c.span.start), default=None)


def field_terms(span: Span) -> list[Cue]:
    """Field terms named in a span, as Cue(label=canonical term, rule=word as listed)."""
    if not span:
        return []
    exact, folded, canonical = _term_matcher()
    doc = _nlp().make_doc(span.raw)
    matches = list(exact(doc)) + list(folded(doc))
    out = []
    for _, s in _spans(span, doc, matches):
        word = s.raw
        out.append(Cue(canonical_term(word) or word, word, s))
    return sorted(out, key=lambda c: c.span.start)
