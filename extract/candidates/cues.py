"""The words that make a statement a candidate fact, found by spaCy matchers whose patterns
are data:

- obligation cues (`patterns/obligations.jsonl`, a token Matcher): "shall", "must not",
  "is required", "does not permit", "only", ... each labelled requirement, prohibition or
  permission, with the pattern id that matched;
- field terms (`patterns/synonyms.yaml`, a PhraseMatcher): the words sources use for one
  thing ("meter collar", "MCD", "socket-mounted transfer switch") mapped to one term
  ("meter socket adapter").

Both run on the entity pipeline's tokenizer and vocabulary (extract.shared.entities.nlp_for),
so one Doc of a statement serves the entity ruler and these matchers alike
(extract/candidates/analysis.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from spacy.matcher import Matcher, PhraseMatcher
from spacy.util import filter_spans

from msakb.errors import MsakbError
from msakb.extract.shared.entities import nlp_for, pieces
from msakb.extract.shared.patterns import PATTERNS, pattern_file
from msakb.extract.shared.text import Span

OBLIGATIONS = PATTERNS / "obligations.jsonl"
SYNONYMS = PATTERNS / "synonyms.yaml"
CONFIG = PATTERNS / "candidates.yaml"
PROPOSALS = PATTERNS / "proposals.yaml"
# When one passage has cues of several kinds, the strongest names it.
PRIORITY = {"prohibition": 3, "requirement": 2, "permission": 1}
# Words too common to tell a statement with an obligation from one without: a pattern is
# recognised in the prefilter by another of its words ("is required" by "required").
_COMMON = {"is", "are", "be", "been", "do", "does", "will", "not", "no", "never", "n't", "to", "or", "remain", "remains"}


@dataclass(frozen=True)
class Cue:
    label: str  # requirement / prohibition / permission, or the canonical term
    rule: str  # pattern id (obligations) or the synonym as listed (terms)
    span: Span


def _yaml(path) -> dict:
    """A pattern file, validated by its model (extract/shared/pattern_models.py)."""
    return pattern_file(path.name, path)


@lru_cache(maxsize=None)
def config() -> dict:
    return _yaml(CONFIG)


# What patterns/proposals.yaml must hold: its lists of patterns (each with these keys and
# the named groups its reader takes), its other patterns by name.
_LISTS = {"definitions": ({"id", "pattern"}, {"term", "definition"}), "installation_models": ({"id", "model", "pattern"}, set())}
_MODELS = {"utility", "joint_meet", "installer", "second_socket", "not_permitted", "who_installs"}
_SINGLE = ("msa_words", "installer_words", "utility_words", "approval_scope", "fee_per", "deadline_words",
           "inline_parts", "order_lead", "docket", "order_number", "effective")
_ELIGIBILITY = ("gate", "context", "at_most", "at_least", "above", "instrument_rated", "self_contained", "not_eligible")


def _compile(where: str, pattern, groups: set = frozenset()) -> re.Pattern:
    if not isinstance(pattern, str):
        raise MsakbError(f"{PROPOSALS}: {where}: expected a regular expression (a string)")
    try:
        rx = re.compile(pattern)
    except re.error as e:
        raise MsakbError(f"{PROPOSALS}: {where}: not a valid regular expression: {e}") from None
    missing = groups - set(rx.groupindex)
    if missing:
        raise MsakbError(f"{PROPOSALS}: {where}: the pattern needs the named group(s) {', '.join(sorted(missing))}")
    return rx


@lru_cache(maxsize=None)
def shapes() -> dict:
    """patterns/proposals.yaml, each pattern compiled; a missing or bad one fails naming it."""
    data = _yaml(PROPOSALS)
    out = {}
    for key, (keys, groups) in _LISTS.items():
        out[key] = []
        for n, p in enumerate(data.get(key) or [], 1):
            if not isinstance(p, dict) or not keys <= set(p):
                raise MsakbError(f"{PROPOSALS}: {key}, entry {n}: needs {', '.join(sorted(keys))}")
            if key == "installation_models" and p["model"] not in _MODELS:
                raise MsakbError(f"{PROPOSALS}: {key} {p['id']!r}: model must be one of {', '.join(sorted(_MODELS))}")
            need = groups | ({"who"} if p.get("model") == "who_installs" else set())
            out[key].append({**p, "rx": _compile(f"{key} {p['id']!r}", p["pattern"], need)})
    for key in _SINGLE:
        out[key] = _compile(key, data.get(key), {"scope"} if key == "approval_scope" else
                            {"per"} if key == "fee_per" else {"docket"} if key == "docket" else
                            {"number"} if key == "order_number" else set())
    eligibility = data.get("eligibility") or {}
    out["eligibility"] = {k: _compile(f"eligibility.{k}", eligibility.get(k)) for k in _ELIGIBILITY}
    return out


@lru_cache(maxsize=None)
def obligation_patterns() -> tuple[list[dict], dict[str, str]]:
    """The obligation patterns as written, and their labels by id."""
    pats = pattern_file("obligations.jsonl")  # each line validated (pattern_models.ObligationPattern)
    labels = {pat["id"]: pat["label"] for pat in pats}
    return pats, labels


def _literal(tok: dict) -> set[str] | None:
    for attr in ("LOWER", "ORTH", "TEXT"):
        v = tok.get(attr)
        if isinstance(v, str):
            return {v.lower()}
        if isinstance(v, dict) and "IN" in v:
            return {w.lower() for w in v["IN"]}
    return None


def anchor_words(pattern: list[dict]) -> set[str] | None:
    """Words one of which every match of the pattern holds, preferring uncommon ones (the
    prefilter's words); None if a match may hold none of a known set."""
    sets = [_literal(t) for t in pattern if t.get("OP") in (None, "1", "+")]
    sets = [s for s in sets if s]
    for s in sets:
        if not s & _COMMON:
            return s
    return sets[0] if sets else None


def terms_config() -> dict[str, list[str]]:
    terms = _yaml(SYNONYMS).get("terms") or {}
    for term, words in terms.items():
        if not isinstance(words, list) or not words:
            raise MsakbError(f"{SYNONYMS}: term {term!r} needs a list of the words sources use for it")
    return terms


@lru_cache(maxsize=None)
def _canonical() -> dict[str, str]:
    canonical = {}
    for term, words in terms_config().items():
        for w in map(str, words):
            if w in canonical and canonical[w] != term:
                raise MsakbError(f"{SYNONYMS}: {w!r} is listed under both {canonical[w]!r} and {term!r}")
            canonical[w] = term
    return canonical


def expand(pattern: list[dict], limit: int = 256) -> list[list[dict]]:
    """A token pattern as the patterns of its literal words: {"LOWER": {"IN": [a, b]}} gives
    one pattern with {"LOWER": a} and one with {"LOWER": b}. The same matches; a set is a
    Python call at every token the matcher tries, a literal word a comparison in C."""
    out: list[list[dict]] = [[]]
    for tok in pattern:
        choices = [tok]
        for attr in ("LOWER", "ORTH"):
            v = tok.get(attr)
            if isinstance(v, dict) and set(v) == {"IN"} and all(isinstance(w, str) for w in v["IN"]):
                choices = [{**tok, attr: w} for w in v["IN"]]
                break
        out = [p + [c] for p in out for c in choices]
        if len(out) > limit:
            return [pattern]
    return out


@lru_cache(maxsize=4)
def matchers(nlp) -> tuple[Matcher, PhraseMatcher, PhraseMatcher]:
    """The obligation Matcher and the exact / case-folded term PhraseMatchers on `nlp`'s
    vocabulary (one set per pipeline: a fresh pipeline has a fresh vocabulary)."""
    matcher = Matcher(nlp.vocab, validate=True)
    pats, _ = obligation_patterns()
    for p in pats:
        try:
            matcher.add(p["id"], expand(p["pattern"]))
        except ValueError as e:
            raise MsakbError(f"{OBLIGATIONS}: invalid obligation pattern {p['id']!r}: {e}") from None
    exact, folded = PhraseMatcher(nlp.vocab, attr="ORTH"), PhraseMatcher(nlp.vocab, attr="LOWER")
    for w in _canonical():
        (exact if w.isupper() else folded).add(w, [nlp.make_doc(w)])
    return matcher, exact, folded


def canonical_term(word: str) -> str | None:
    """The one term a word stands for ('meter collar' -> 'meter socket adapter')."""
    canonical = _canonical()
    if word in canonical:
        return canonical[word]
    low = word.lower()
    for w, term in canonical.items():
        if not w.isupper() and w.lower() == low:
            return term
    return None


def longest(doc, matches) -> list[tuple[str, int, int]]:
    """(match id, start char, end char) of the matches, the longest where they overlap,
    each token range once, in the order found."""
    found = [(doc.vocab.strings[mid], doc[s:e]) for mid, s, e in matches]
    keep = {(t.start, t.end) for t in filter_spans([t for _, t in found])}
    out, seen = [], set()
    for key, t in found:
        if (t.start, t.end) in keep and (t.start, t.end) not in seen:
            seen.add((t.start, t.end))
            out.append((key, t.start_char, t.end_char))
    return out


def obligation_cues(span: Span) -> list[Cue]:
    """Obligation words in a span, longest match first where they overlap, in text order."""
    if not span:
        return []
    nlp = nlp_for()
    _, labels = obligation_patterns()
    out = []
    for piece in pieces(span):  # spaCy takes at most max_length characters at once
        doc = nlp.make_doc(piece.raw)
        out += [Cue(labels[k], k, piece.sub(a, b)) for k, a, b in longest(doc, matchers(nlp)[0](doc))]
    return sorted(out, key=lambda c: c.span.start)


def strongest(cues: list[Cue]) -> Cue | None:
    """The cue that classifies a passage: a prohibition over a requirement over a permission."""
    return max(cues, key=lambda c: (PRIORITY[c.label], -c.span.start), default=None)


def field_terms(span: Span) -> list[Cue]:
    """Field terms named in a span, as Cue(label=canonical term, rule=word as listed)."""
    if not span:
        return []
    nlp = nlp_for()
    _, exact, folded = matchers(nlp)
    out = []
    for piece in pieces(span):  # spaCy takes at most max_length characters at once
        doc = nlp.make_doc(piece.raw)
        out += [Cue(canonical_term(piece.raw[a:b]) or piece.raw[a:b], piece.raw[a:b], piece.sub(a, b))
                for _, a, b in longest(doc, list(exact(doc)) + list(folded(doc)))]
    return sorted(out, key=lambda c: c.span.start)
