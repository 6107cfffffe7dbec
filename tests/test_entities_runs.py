"""entities_of matches a text in runs of lines (runs without a digit with fewer patterns):
it must give exactly what matching the whole text with every pattern gives."""

from __future__ import annotations

import pytest

from msakb.errors import MsakbError
from msakb.extract.shared import entities as E
from tests.kbtools import REPO
from msakb.knowledge.manifest import load_manifest, read_source

KB = REPO / "kb"


_WHOLE = E._whole


def whole(raw: str) -> tuple:
    return _WHOLE(E.nlp_for(), raw)


@pytest.mark.parametrize("entry", load_manifest(KB / "sources" / "manifest.yaml").sources, ids=lambda e: e.id)
def test_each_seed_text_gives_the_entities_of_whole_matching(entry):
    text = read_source(entry, KB / "sources")
    assert len(E._line_runs(text)) > 2  # runs with and without digits alternate
    got = E.entities_of.__wrapped__(text)
    assert got == whole(text)
    assert len(got) > 5


def test_two_patterns_on_the_same_tokens_fall_back_to_whole_matching(monkeypatch):
    raw = "Tesla Powerwall + (1850000-XX-Y) or Tesla Powerwall 3 (1707000-XX-Y)\nsingle phase\n"
    calls = []
    monkeypatch.setattr(E, "_whole", lambda nlp, text: calls.append(text) or whole(text))
    assert E.entities_of.__wrapped__(raw) == whole(raw)
    assert calls == [raw]  # model-number and model-number-placeholder both match "1850000-XX-Y"
    assert [e[0] for e in whole(raw)] == ["MODEL_NUMBER", "MODEL_NUMBER", "PHASE"]


def test_thedigit_free_ruler_leaves_out_only_patterns_that_need_a_digit():
    ids = {p["id"]: p for p in E.load_patterns()}
    assert E._needs_digit(ids["amps-suffix"]) and E._needs_digit(ids["hertz-word"])
    assert not E._needs_digit(ids["phase"]) and not E._needs_digit(ids["amps-word"])  # "[\d,]+" matches ","
    kept = {p["id"] for p in E.digit_free_ruler().patterns}
    assert "phase" in kept and "amps-suffix" not in kept
    raw = "a three phase service\n"
    assert E.entities_of.__wrapped__(raw) == whole(raw) == (("PHASE", "phase", 2, 13),)


def written_nlp():
    """The pipeline with the patterns as written (predicates, not lexeme flags)."""
    nlp = E.make_tokenizer_nlp()
    nlp.add_pipe("entity_ruler", config={"validate": True, "phrase_matcher_attr": None}).add_patterns(E.load_patterns())
    return nlp


@pytest.mark.parametrize("entry", load_manifest(KB / "sources" / "manifest.yaml").sources, ids=lambda e: e.id)
def test_patterns_on_lexeme_flags_find_what_the_written_patterns_find(entry):
    text = read_source(entry, KB / "sources")
    assert E._whole(E.nlp_for(), text) == E._whole(written_nlp(), text)


def test_predicates_on_a_words_text_become_flags_nearest_the_start_first():
    ruler = E.nlp_for().get_pipe("entity_ruler")
    flagged = {p["id"]: p["pattern"] for p in ruler.patterns}
    assert all(isinstance(k, int) for k in flagged["amps-suffix"][0])  # TEXT REGEX: a flag
    assert set(flagged["amps-rated"][1]) == {"LOWER"}  # a plain value stays as written
    first_predicates = [v for pattern in flagged.values() for v in pattern[0].values() if isinstance(v, dict)]
    assert first_predicates == []  # every first token's predicate got one of spaCy's free flags


def test_a_flag_is_the_predicate_it_replaces():
    nlp = E.nlp_for()
    [flag] = E.on_flags([{"id": "x", "label": "X", "pattern": [{"LOWER": {"IN": ["amps", "amp"]}}]}], nlp.vocab)[0]["pattern"][0]
    assert [t.check_flag(flag) for t in nlp.make_doc("200 AMPS amp ampere")] == [False, True, True, False]


def test_an_invalid_pattern_is_named(tmp_path):
    bad = tmp_path / "entities.jsonl"
    bad.write_text('{"id": "amps-x", "label": "AMPS", "pattern": [{"TEXTX": "A"}]}\n', encoding="utf-8")
    with pytest.raises(MsakbError, match=rf"{bad}, line 1: field pattern: .*TEXTX"):
        E.nlp_for(str(bad))


def test_a_fresh_pipeline_finds_the_same_entities():
    """bench/extraction.py times extraction from a fresh pipeline (entities.reset): new
    vocabulary, new flags, nothing memoised; the entities are the same."""
    text = read_source(load_manifest(KB / "sources" / "manifest.yaml").sources[2], KB / "sources")
    before, vocab = E.entities_of(text), E.nlp_for().vocab
    E.reset()
    assert E.nlp_for().vocab is not vocab and E.entities_of.cache_info().currsize == 0
    assert E.entities_of(text) == before
