"""The entities of this field (amps, volts, hertz, meter forms, model numbers, dates, money,
dockets, orders, standards and clauses, durations, statutes), found by a rule-based spaCy
pipeline whose patterns are data: `extract/patterns/entities.jsonl`, one pattern a line,
each with an `id` that comes back on the entity so a record can say which rule found it.

The tokenizer is spaCy's English one with its hyphen-splitting infixes removed: in this field
a hyphen binds a model or docket number ("1624171-xx-y", "24-08-02"), it rarely joins words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from spacy.lang.en import English
from spacy.vocab import create_vocab

from msakb.extract.shared import memo
from msakb.extract.shared.text import Span
from msakb.extract.shared.patterns import PATTERNS, pattern_file

ENTITY_PATTERNS = PATTERNS / "entities.jsonl"
ENTITY_RULES = PATTERNS / "entity_rules.yaml"


@dataclass(frozen=True)
class Entity:
    label: str  # AMPS, VOLTS, ...
    rule: str  # the pattern id that matched
    span: Span

    @property
    def text(self) -> str:
        return self.span.raw


def load_patterns(path: Path = ENTITY_PATTERNS) -> list[dict]:
    """The entity patterns, each line validated (pattern_models.EntityPattern)."""
    return pattern_file("entities.jsonl", path)


def _keeps_hyphens(defaults) -> list[str]:
    """spaCy's infixes minus those that split on a hyphen between letters or digits."""
    keep = []
    for p in defaults.infixes:
        rx = re.compile(p)
        if not any(rx.search(s) for s in ("a-b", "1-2", "A-1", "1-a")):
            keep.append(p)
    return keep


class _FieldDefaults(English.Defaults):
    infixes = _keeps_hyphens(English.Defaults)


class _Field(English):
    """English with this field's infixes: its tokenizer is made once with them (setting
    them on spaCy's English tokenizer made it load its special cases a second time, a third
    of the time the pipeline took to make)."""

    Defaults = _FieldDefaults


def make_tokenizer_nlp(vocab=True):
    """A blank English pipeline with this field's tokenizer and no components (on `vocab`,
    default a new one)."""
    return _Field(vocab=vocab)


@lru_cache(maxsize=None)
def nlp_for(path: str = str(ENTITY_PATTERNS)):
    # The patterns' flags go on the vocabulary before the tokenizer fills it with the words of
    # its special cases: a flag added later is worked out by visiting every word already there
    # (most of the time the pipeline took to make); added first, each word gets it as it enters.
    # Either way every word has the flag its getter gives (tests/test_entities_runs.py).
    vocab = create_vocab(_Field.lang, _Field.Defaults)
    # validated as written (the ruler gets them on flags, which spaCy's schema does not know)
    patterns = on_flags(load_patterns(Path(path)), vocab)
    nlp = make_tokenizer_nlp(vocab)
    ruler = nlp.add_pipe("entity_ruler", config={"validate": False, "phrase_matcher_attr": None})
    ruler.add_patterns(patterns)
    return nlp


PIECE = 200_000
"""Most characters spaCy is handed at once: far below its `max_length` (1,000,000; error E088),
so a source of any length is matched in pieces cut at line ends (`pieces`)."""


def pieces(span: Span, limit: int = PIECE) -> list[Span]:
    """`span` cut into spans of at most `limit` characters, at line ends (a longer line at a
    space, and only a run of `limit` characters without one anywhere). No pattern matches
    across a line end (each pattern token is a word; a line end is a token of its own), so
    matching the pieces finds what matching the whole would; offsets stay the source's."""
    out, start, end, text = [], span.start, span.end, span.text
    while end - start > limit:
        cut = text.rfind("\n", start, start + limit) + 1
        if cut <= start:
            cut = max(text.rfind(" ", start, start + limit), text.rfind("\t", start, start + limit)) + 1
        if cut <= start:
            cut = start + limit
        out.append(Span(text, start, cut))
        start = cut
    out.append(Span(text, start, end))
    return out


def reset() -> None:
    """Forget the pipeline and the memoised entities, and what the memos read from them (a
    cell's specs and instructions, extract/shared/memo.py): the next call builds them anew,
    with a new vocabulary (bench/extraction.py measures extraction from a fresh pipeline
    each time)."""
    for cached in (nlp_for, digit_free_ruler, entities_of):
        cached.cache_clear()
    _FLAG_IDS.clear()
    memo.reset()


# A predicate (REGEX, IN) in a pattern is a Python call for every token at which a pattern
# could start or go on, which made matching the bulk of extraction. Whether a word
# matches a regular expression or is in a set depends on the word only, so such a predicate
# on its text or lower case is made a lexeme flag: worked out once per distinct word, when it
# enters the vocabulary, and tested in C while matching. The same expression or set, on the
# same attribute, gives the same matches (tests/test_entities_runs.py compares with the
# patterns as written). Other predicates, and those past spaCy's free flags, stay as written.
_FLAG_ATTRS = {"TEXT": "ORTH", "ORTH": "ORTH", "LOWER": "LOWER"}  # TEXT is ORTH to the matcher
_FLAG_IDS: dict[tuple[int, tuple], int] = {}  # (id of the vocab, predicate) -> its flag


def on_flags(patterns: list[dict], vocab) -> list[dict]:
    """The patterns with each REGEX or IN on TEXT, ORTH or LOWER replaced by a lexeme flag."""
    # spaCy has 45 free flags and these patterns more predicates: those nearest the start of a
    # pattern get flags first (a first token's predicate is tried at every token of the text;
    # a later one only where the pattern has matched so far).
    order = sorted(((i, attr, value) for p in patterns for i, tok in enumerate(p["pattern"])
                    for attr, value in tok.items()), key=lambda t: t[0])
    for _, attr, value in order:
        _flag(vocab, attr, value)
    out = []
    for p in patterns:
        tokens = []
        for tok in p["pattern"]:
            new: dict = {}
            for attr, value in tok.items():
                flag = _flag(vocab, attr, value)
                if flag is None:
                    new[attr] = value
                else:
                    new[flag] = True
            tokens.append(new)
        out.append({**p, "pattern": tokens})
    return out


def _flag(vocab, attr: str, value) -> int | None:
    if attr not in _FLAG_ATTRS or not isinstance(value, dict) or len(value) != 1:
        return None
    (op, arg), = value.items()
    if op == "REGEX" and isinstance(arg, str):
        key = (_FLAG_ATTRS[attr], op, arg)
    elif op == "IN" and isinstance(arg, list) and all(isinstance(x, str) for x in arg):
        key = (_FLAG_ATTRS[attr], op, tuple(sorted(set(arg))))
    else:
        return None
    if (id(vocab), key) not in _FLAG_IDS:
        lower = key[0] == "LOWER"
        if op == "REGEX":
            rx = re.compile(arg)
            getter = (lambda s: rx.search(s.lower()) is not None) if lower else (lambda s: rx.search(s) is not None)
        else:
            words = frozenset(arg)
            getter = (lambda s: s.lower() in words) if lower else (lambda s: s in words)
        try:
            _FLAG_IDS[id(vocab), key] = vocab.add_flag(getter)
        except ValueError:  # no free flag left: the predicate stays
            return None
    return _FLAG_IDS[id(vocab), key]


@lru_cache(maxsize=None)
def entity_rules() -> dict:
    return pattern_file("entity_rules.yaml")


def _is_product_suffix(ent) -> bool:
    rules = entity_rules()
    if ent.label_ not in rules.get("reject_after_capitalised_word", []) or ent.start == 0:
        return False
    prev = ent.doc[ent.start - 1]
    return prev.is_title and prev.text not in rules.get("capitalised_words_allowed", [])


def find_entities(span: Span, labels: set[str] | None = None) -> list[Entity]:
    """Entities inside `span`, with offsets into the span's source text."""
    if not span:
        return []
    return [
        Entity(label, rule, Span(span.text, span.start + a, span.start + b))
        for label, rule, a, b in entities_of(span.raw)
        if not labels or label in labels
    ]


@lru_cache(maxsize=4096)
def entities_of(raw: str) -> tuple[tuple[str, str, int, int], ...]:
    """(label, pattern id, start, end) of every entity in a string. Memoised: extractors ask
    for different labels of the same cell in turn, and it is tokenised and matched once.

    Matching is the bulk of extraction (every token is tried against the first token of every
    pattern, most of them regular expressions that need a digit), so the text is matched
    in runs of whole lines, and a run without a digit by a ruler without those patterns
    (digit_free_ruler); see the note below for why the entities are the same."""
    nlp = nlp_for()
    free = digit_free_ruler()
    if free is None:
        return _whole(nlp, raw)
    out = []
    for start, end, digits in _line_runs(raw):
        ruler = nlp.get_pipe("entity_ruler") if digits else free
        for piece in pieces(Span(raw, start, end)):
            doc = nlp.make_doc(piece.raw)
            matches = ruler.match(doc)
            if len({(s, e) for _, s, e in matches}) != len(matches):  # a tie: spaCy's order decides
                return _whole(nlp, raw)
            ruler.set_annotations(doc, matches)
            out.extend((ent.label_, ent.ent_id_, ent.start_char + piece.start, ent.end_char + piece.start)
                       for ent in doc.ents if not _is_product_suffix(ent))
    return tuple(out)


def doc_entities(doc) -> tuple[tuple[str, str, int, int], ...]:
    """The entities of a Doc made by `nlp_for().make_doc` (label, pattern id, start, end):
    the same as `entities_of(doc.text)`, for a caller that runs other matchers on the same
    tokens (one tokenisation for all). A text without a digit is matched without the
    patterns that need one, as in entities_of; the Doc's `ents` are set."""
    nlp = nlp_for()
    full = nlp.get_pipe("entity_ruler")
    free = digit_free_ruler()
    ruler = full if free is None or _DIGIT.search(doc.text) else free
    matches = ruler.match(doc)
    if ruler is free and len({(s, e) for _, s, e in matches}) != len(matches):  # a tie: as entities_of
        ruler, matches = full, full.match(doc)
    ruler.set_annotations(doc, matches)
    return tuple((ent.label_, ent.ent_id_, ent.start_char, ent.end_char) for ent in doc.ents if not _is_product_suffix(ent))


def _whole(nlp, raw: str) -> tuple[tuple[str, str, int, int], ...]:
    """Every pattern over the whole text at once (in pieces when it is longer than PIECE)."""
    return tuple((ent.label_, ent.ent_id_, ent.start_char + piece.start, ent.end_char + piece.start)
                 for piece in pieces(Span(raw, 0, len(raw)))
                 for ent in nlp(piece.raw).ents if not _is_product_suffix(ent))


def _line_runs(raw: str) -> list[tuple[int, int, bool]]:
    """(start, end, has a digit) of the runs of whole lines alike in having a digit or not."""
    runs: list[list] = []
    for m in _LINE.finditer(raw):
        digits = _DIGIT.search(m.group()) is not None
        if runs and runs[-1][2] == digits:
            runs[-1][1] = m.end()
        else:
            runs.append([m.start(), m.end(), digits])
    return [tuple(r) for r in runs]


# Why matching runs of lines, some with fewer patterns, finds the same entities as matching
# the whole text with every pattern:
# - the tokenizer splits at whitespace first, so the words of a line are the same tokens
#   either way, and no pattern matches a whitespace token (digit_free_ruler checks), so no
#   match spans a line end: the matches are the same;
# - a pattern left out of the digit-free ruler has a token that must start with a digit (a
#   regular expression beginning ^\d): it matches nothing in a run without a digit;
# - the ruler keeps the longest, then the first, of overlapping matches, and matches in
#   different lines do not overlap: the entities are the same -- unless two patterns match the
#   very same tokens, when the one kept depends on the order spaCy lists them in: then the
#   whole text is matched at once, as before;
# - the token before a line's first word is whitespace, which _is_product_suffix treats as
#   the start of the text.
_DIGIT = re.compile(r"\d")  # the same \d as the patterns' regular expressions
_LINE = re.compile(r"[^\n]*\n|[^\n]+")
_WHITESPACE_TOKENS = ("\n", "\n\n", " ", "  ", "\t", "\r\n", " \n", "\n ")
_FLAGS = ("LIKE_NUM", "IS_DIGIT", "IS_ALPHA", "IS_UPPER", "IS_TITLE")
_NEEDS_DIGIT = re.compile(r"(\(\?i\))?\^\\d(?![?*]|\{0|\{,)")


def _needs_digit(pattern: dict) -> bool:
    """Whether every match of the pattern holds a token that starts with a digit."""
    for tok in pattern["pattern"]:
        if tok.get("OP") not in (None, "1"):
            continue
        for attr in ("TEXT", "ORTH", "LOWER"):
            v = tok.get(attr)
            if isinstance(v, dict) and isinstance(v.get("REGEX"), str) and _NEEDS_DIGIT.match(v["REGEX"]):
                return True
    return False


def _never_whitespace(tok: dict, vocab) -> bool:
    """Whether a pattern token surely matches no whitespace token."""
    if not tok or tok.get("OP") not in (None, "1", "?") or not set(tok) <= {"TEXT", "ORTH", "LOWER", "OP", *_FLAGS}:
        return False
    for flag in _FLAGS:
        if flag in tok and (tok[flag] is not True or any(getattr(vocab[w], flag.lower()) for w in _WHITESPACE_TOKENS)):
            return False
    for attr in ("TEXT", "ORTH", "LOWER"):
        v = tok.get(attr)
        if v is None:
            continue
        if isinstance(v, str):
            values = [v]
        elif isinstance(v, dict) and set(v) == {"IN"} and all(isinstance(x, str) for x in v["IN"]):
            values = v["IN"]
        elif isinstance(v, dict) and set(v) == {"REGEX"} and isinstance(v["REGEX"], str):
            values = [w for w in _WHITESPACE_TOKENS if re.search(v["REGEX"], w)]
        else:
            return False
        if any(not x.strip() for x in values):
            return False
    return True


@lru_cache(maxsize=None)
def digit_free_ruler():
    """The entity ruler without the patterns that need a digit, on nlp_for()'s vocabulary; None
    when matching line by line is not known to give the same entities (a pattern might match
    whitespace, or the pipeline has more than the ruler)."""
    nlp = nlp_for()
    patterns = load_patterns(ENTITY_PATTERNS)
    if nlp.pipe_names != ["entity_ruler"] or not all(_never_whitespace(t, nlp.vocab) for p in patterns for t in p["pattern"]):
        return None  # another component, or a pattern might match across a line end: texts are matched whole
    ruler = nlp.create_pipe("entity_ruler", name="entity_ruler_digit_free",
                            config={"validate": False, "phrase_matcher_attr": None})  # nlp_for validated them
    ruler.add_patterns(on_flags([p for p in patterns if not _needs_digit(p)], nlp.vocab))
    return ruler
