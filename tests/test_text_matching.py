"""Exact results of text helpers that were made cheaper: clean_text (short inputs remembered,
each step only where it can change something), Gazetteer.find_utilities (only the word
runs that begin an alias are looked at) and whole_word_matches (str.find in place of a
pattern compiled per utility), the candidates' prefilter (a sentence told from its
line's search), and cells read once however often they recur (short_memo)."""

import dataclasses
import pickle
import re
from types import SimpleNamespace

import pytest

from msakb.extract.candidates.prefilter import Hits, _cut_safe
from msakb.extract.shared import entities, memo
from msakb.extract.shared.devices import required_devices
from msakb.extract.shared.records import SourceDoc
from msakb.extract.shared.specs import specs
from msakb.extract.shared.text import Span, clean_text, lines, sentences
from msakb.extract.shared.words import whole_word_matches
from msakb.knowledge.gazetteer import Gazetteer, load_gazetteer
from msakb.knowledge.manifest import load_manifest, read_source
from tests.kbtools import KB

ALIASES = {"PG&E": "pge", "PG": "pg-group", "Southern California Edison": "sce", "Edison": "edison",
           "Con Ed": "coned", "&E": "amp-e"}
TEXT = "PG&E, PG and Southern California Edison; xPG PG_ PGPG Edison&Co &E (Con Ed) PG"


def _found(span: Span) -> list[tuple]:
    gaz = Gazetteer({}, {}, {}, ALIASES, [], {})
    return [(uid, s.start, s.end, s.raw) for uid, s in gaz.find_utilities(span)]


def test_find_utilities_whole_runs_only():
    # "PG" inside "PG&E", "xPG", "PG_" and "PGPG" is no whole word; "Edison" is part of the
    # longer name, and before "&" it runs on ("Edison&Co")
    assert _found(Span(TEXT, 0, len(TEXT))) == [
        ("pge", 0, 4, "PG&E"), ("pg-group", 6, 8, "PG"), ("sce", 13, 39, "Southern California Edison"),
        ("amp-e", 64, 66, "&E"), ("coned", 68, 74, "Con Ed"), ("pg-group", 76, 78, "PG")]


def test_find_utilities_in_a_span_sees_only_the_span():
    # cut after "Edison", the name ends there; cut inside "PG&E", "G&E" is no alias
    assert _found(Span(TEXT, 6, 60)) == [
        ("pg-group", 6, 8, "PG"), ("sce", 13, 39, "Southern California Edison"), ("edison", 54, 60, "Edison")]
    assert _found(Span(TEXT, 1, 5)) == []


def test_clean_text():
    assert clean_text("<b>Meter</b>\u00a0 Collar\u2003 <i>(Analog)</i>") == "Meter Collar (Analog)"
    assert clean_text("**Approved** for \\$5 &amp; more &nbsp;") == "Approved for $5 & more"
    assert clean_text(" __a__ \\*b\\* \n\t c ") == "a *b* c"
    assert clean_text("") == ""
    # asked again (remembered), and longer than what is remembered: the same
    assert clean_text("<b>Meter</b>\u00a0 Collar\u2003 <i>(Analog)</i>") == "Meter Collar (Analog)"
    long = "<p>**x**\u2003&amp;</p>" * 1_000
    assert clean_text(long) == " ".join(["x &"] * 1_000)


def test_whole_word_matches_as_the_pattern_finds_them():
    text = "PG&E PG, xPG PG_ PGA PG-E Pacific Gas Pacific Gas and Electric PG"
    words = ["Pacific Gas and Electric", "Pacific Gas", "PG"]
    assert list(whole_word_matches(text, words)) == [(5, 7), (21, 23), (26, 37), (38, 62), (63, 65)]
    pattern = re.compile(r"(?<![\w&])(?:" + "|".join(map(re.escape, words)) + r")(?![\w&])")
    assert [m.span() for m in pattern.finditer(text)] == [(5, 7), (21, 23), (26, 37), (38, 62), (63, 65)]
    # where two start at one place, the first listed that stands whole; an empty word is
    # left to the pattern
    assert list(whole_word_matches("ab a", ["a", "ab"])) == [(0, 2), (3, 4)]
    assert list(whole_word_matches("a b", ["a", "a b"])) == [(0, 1)]
    assert list(whole_word_matches("ab", ["ab", ""])) == [(0, 2)]
    assert list(whole_word_matches("a  b", ["", "b"])) == [(2, 2), (3, 4)]


def test_prefilter_answers_as_a_search_of_each_stretch():
    """Hits.within tells a sentence from the search of its line where it can: every answer is
    the one a search of the stretch itself gives, for the seed corpus's lines, their
    sentences, and stretches cut anywhere (inside a word too)."""
    gaz = load_gazetteer(str(KB / "gazetteer"))
    told = 0
    for entry in load_manifest(KB / "sources" / "manifest.yaml").sources:
        text = read_source(entry, KB / "sources")
        hits = Hits(text, gaz)
        assert hits.cut_safe
        for ln in lines(Span(text, 0, len(text))):
            cuts = [(ln.start + k, min(ln.end, ln.start + k + 7)) for k in range(0, len(ln), 5)]
            for a, b in [(ln.start, ln.end)] + [(s.start, s.end) for s in sentences(ln)] + cuts:
                told += hits._from_last(a, b) is not None
                assert hits.within(a, b) == (hits.rx.search(text, a, b) is not None), (entry.id, text[a:b])
    assert told > 1_000
    assert not _cut_safe(re.compile(r"must(?!\w)")) and not _cut_safe(re.compile(r"shall$"))
    assert _cut_safe(re.compile(r"(?i)\b(?:must|shall)\w*\b|\$"))


def test_a_cell_read_twice_gives_rows_at_each_place():
    """The same cell in two rows: read once (remembered), each row's records quote its own."""
    cell = "Gateway (GW-2) and Meter Adapter Controller (MAC-19) or Backup Interface"
    tech = "INSTALL ON FM 2S METER SOCKET, 200A CONTINUOUS, 240 VAC, 60 Hz"
    text = f"a\t{cell}\t{tech}\nb\t{cell}\t{tech}\n"
    doc = SourceDoc("s", text, SimpleNamespace())
    for row in (0, text.index("b")):
        at = row + 2
        assert [(r.values, r.span.start - at, r.span.raw) for r in required_devices(doc, Span(text, at, at + len(cell)), "ap", "x")] == [
            ({"id": "ap/requires/1", "approval_id": "ap", "option": 1, "name": "Gateway", "model": "GW-2"}, 0, "Gateway (GW-2)"),
            ({"id": "ap/requires/2", "approval_id": "ap", "option": 1, "name": "Meter Adapter Controller", "model": "MAC-19"},
             19, "Meter Adapter Controller (MAC-19)"),
            ({"id": "ap/requires/3", "approval_id": "ap", "option": 2, "name": "Backup Interface", "model": None},
             56, "Backup Interface")]
        at += len(cell) + 1
        rows = specs(doc, Span(text, at, at + len(tech)), "x", ["d1", "d2"], "ap")
        assert [(r.values["device_id"], r.values["quantity"], r.values.get("value"), r.span.start - at, r.span.raw, r.rule)
                for r in rows] == [
            ("d1", "meter_form", None, 11, "FM 2S", "x:meter-form"), ("d2", "meter_form", None, 11, "FM 2S", "x:meter-form"),
            ("d1", "current", 200, 31, "200A", "x:amps-suffix"), ("d2", "current", 200, 31, "200A", "x:amps-suffix"),
            ("d1", "voltage", 240, 48, "240 VAC", "x:volts-word"), ("d2", "voltage", 240, 48, "240 VAC", "x:volts-word"),
            ("d1", "frequency", 60.0, 57, "60 Hz", "x:hertz-word"), ("d2", "frequency", 60.0, 57, "60 Hz", "x:hertz-word")]
    assert [r.values["id"] for r in rows] == [f"s/specs/{n}" for n in range(9, 17)]  # numbered on, not read back


def test_device_alias_anywhere_finds_where_an_alias_pattern_does():
    fam = {"id": "tesla-backup-switch", "manufacturer": "Tesla", "product": "Backup Switch", "member_pattern": "^1624171",
           "aliases": ["Backup Switch", "TBS"]}
    gaz = Gazetteer({}, {}, {}, {}, [fam], {"enphase iq collar": "enphase-iq-collar"})
    assert Gazetteer({}, {}, {}, {}, [], {}).device_alias_anywhere is None
    for text in ["a tesla backup switch.", "the Enphase IQ Collar-2", "TBS-1 or xTBS", "IQ collar", "tbs", "pre-TBS"]:
        expected = any(rx.search(text) for rx, _ in gaz.device_alias_patterns)
        assert (gaz.device_alias_anywhere.search(text) is not None) == expected, text
    assert [bool(gaz.device_alias_anywhere.search(t)) for t in ["a tesla backup switch.", "the Enphase IQ Collar-2", "tbs"]] \
        == [True, False, True]


def test_spans_made_by_span_methods_are_plain_frozen_spans():
    text = "  <b>Meter</b> collar\nnext"
    span = Span(text, 0, len(text))
    made = [span.sub(2), span.sub(2, 14), span.strip(), span.cover(Span(text, 3, 30)), lines(span)[1]]
    assert made == [Span(text, 2, 26), Span(text, 2, 14), Span(text, 2, 26), Span(text, 0, 30), Span(text, 22, 26)]
    assert [vars(s) for s in made] == [vars(Span(s.text, s.start, s.end)) for s in made]
    assert pickle.loads(pickle.dumps(made[1])) == made[1] and hash(made[1]) == hash(Span(text, 2, 14))
    with pytest.raises(dataclasses.FrozenInstanceError):
        made[0].start = 0


def test_a_fresh_entity_pipeline_forgets_what_the_memos_read():
    """entities.reset (new patterns, or the benchmark's fresh rounds) empties the memos too:
    a cell's specs are never read back from entities of an older pipeline."""
    text = "240 VAC, 60 Hz"
    specs(SourceDoc("s", text, SimpleNamespace()), Span(text, 0, len(text)), "x", ["d"])
    assert any(cached.cache_info().currsize for cached in memo._MEMOS)
    entities.reset()
    assert not any(cached.cache_info().currsize for cached in memo._MEMOS)


@pytest.mark.parametrize("pattern, flags", [
    (r"\bpg\b|\Bst\B", re.IGNORECASE), (r"é\w*|ſ|\u212a", re.IGNORECASE), (r"[^\W\d]{2,3}\b|_+", re.ASCII),
    (r".\b.|\b", 0), (r"(?:ab|a)c?\b|x*", re.IGNORECASE | re.ASCII),
])
def test_prefilter_answers_as_a_search_on_unicode_text(pattern, flags):
    """The line-to-sentence inference (Hits._from_last) at word boundaries made of non-ASCII
    word characters (é, ß, İ, ſ, the Kelvin sign, an Arabic-Indic digit), a combining accent
    (no word character), underscores, empty matches, IGNORECASE and ASCII patterns: every
    answer is the one a search of the stretch itself gives."""
    import random

    rnd = random.Random(7)
    alphabet = ["é", "_", "ß", "İ", "ı", "ſ", "\u212a", "\u0301", "\u00a0", "٣", "-", "&", " ", ".", "st", "pg", "ab",
                "c", "x", "PG", "St", "K", "s", "9", "\n"]
    text = "".join(rnd.choice(alphabet) for _ in range(3_000))
    gaz = Gazetteer({}, {}, {}, {}, [], {})
    hits = Hits(text, gaz)
    hits.rx = re.compile(pattern, flags)
    hits.cut_safe = _cut_safe(hits.rx)
    assert hits.cut_safe
    for ln in lines(Span(text, 0, len(text))):
        stretches = [(ln.start, ln.end)] + [(s.start, s.end) for s in sentences(ln)]
        for _ in range(4):
            a = rnd.randint(ln.start, ln.end)
            stretches.append((a, rnd.randint(a, ln.end)))
        for a, b in stretches:
            assert hits.within(a, b) == (hits.rx.search(text, a, b) is not None), (pattern, text[a:b])
