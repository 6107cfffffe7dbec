"""The entities of this field (amps, volts, hertz, meter forms, model numbers, dates, money,
dockets, orders, standards and clauses, durations, statutes), found by a rule-based spaCy
pipeline whose patterns are data: `extract/patterns/entities.jsonl`, one pattern a line,
each with an `id` that comes back on the entity so a record can say which rule found it.

The tokenizer is spaCy's English one with its hyphen-splitting infixes removed: in this field
a hyphen binds a model or docket number ("1624171-xx-y", "24-08-02"), it rarely joins words.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import spacy
import yaml
from spacy.util import compile_infix_regex

from msakb.errors import MsakbError
from msakb.paths import PATTERNS

from .text import Span

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
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            pat = json.loads(line)
        except json.JSONDecodeError as e:
            raise MsakbError(f"{path}, line {n}: not valid JSON ({e.msg})") from None
        if not {"id", "label", "pattern"} <= set(pat):
            raise MsakbError(f"{path}, line {n}: a pattern needs 'id', 'label' and 'pattern'")
        out.append(pat)
    return out


def _keeps_hyphens(nlp) -> list[str]:
    """spaCy's infixes minus those that split on a hyphen between letters or digits."""
    keep = []
    for p in nlp.Defaults.infixes:
        rx = re.compile(p)
        if not any(rx.search(s) for s in ("a-b", "1-2", "A-1", "1-a")):
            keep.append(p)
    return keep


def make_tokenizer_nlp():
    """A blank English pipeline with this field's tokenizer and no components."""
    nlp = spacy.blank("en")
    nlp.tokenizer.infix_finditer = compile_infix_regex(_keeps_hyphens(nlp)).finditer
    return nlp


@lru_cache(maxsize=None)
def nlp_for(path: str = str(ENTITY_PATTERNS)):
    nlp = make_tokenizer_nlp()
    ruler = nlp.add_pipe("entity_ruler", config={"validate": True, "phrase_matcher_attr": None})
    try:
        ruler.add_patterns(load_patterns(Path(path)))
    except ValueError as e:  # spaCy names the index of the bad pattern
        raise MsakbError(f"{path}: invalid entity pattern: {e}") from None
    return nlp


@lru_cache(maxsize=None)
def entity_rules() -> dict:
    return yaml.safe_load(ENTITY_RULES.read_text(encoding="utf-8")) or {}


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
    for different labels of the same cell in turn, and it is tokenised and matched once."""
    return tuple(
        (ent.label_, ent.ent_id_, ent.start_char, ent.end_char)
        for ent in nlp_for()(raw).ents
        if not _is_product_suffix(ent)
    )


def first(span: Span, label: str) -> Entity | None:
    for e in find_entities(span, {label}):
        return e
    return None
