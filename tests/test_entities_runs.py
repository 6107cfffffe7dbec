"""entities_of matches a text in runs of lines (runs without a digit with fewer patterns):
it must give exactly what matching the whole text with every pattern gives."""

from __future__ import annotations

import pytest

from extract import entities as E
from extract.manifest import load_manifest, read_source
from msakb.paths import REPO

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


def test_the_digit_free_ruler_leaves_out_only_patterns_that_need_a_digit():
    ids = {p["id"]: p for p in E.load_patterns()}
    assert E._needs_digit(ids["amps-suffix"]) and E._needs_digit(ids["hertz-word"])
    assert not E._needs_digit(ids["phase"]) and not E._needs_digit(ids["amps-word"])  # "[\d,]+" matches ","
    kept = {p["id"] for p in E._digit_free_ruler().patterns}
    assert "phase" in kept and "amps-suffix" not in kept
    raw = "a three phase service\n"
    assert E.entities_of.__wrapped__(raw) == whole(raw) == (("PHASE", "phase", 2, 13),)
