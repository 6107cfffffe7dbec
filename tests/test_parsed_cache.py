"""YAML data files remembered as parsed (msakb/knowledge/parsed_store.py) in the record cache:
a file read again gives exactly what parsing it gives; an entry of another text, damaged,
foreign or refused by the model is ignored and the file parsed; what JSON cannot give back
is never remembered; the files the incremental build did not read are pruned after it."""

from __future__ import annotations

import json
import os
import shutil
import stat
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.measure import touch_one_source
from msakb.cli import cli
from msakb.db.pipeline import cache as record_cache
from msakb.db.pipeline.builder import build
from msakb.db.pipeline.cache import RecordCache
from msakb.db.pipeline.fingerprints import code_fingerprint
from msakb.knowledge import parsed_store, yamlfile
from msakb.knowledge.gazetteer import DevicesFile, GazetteerError, StatesFile, UtilitiesFile, load_gazetteer
from msakb.knowledge.yamlfile import load_model
from tests.kbtools import KB, keep_sources


@pytest.fixture
def kb(tmp_path) -> Path:
    return Path(shutil.copytree(KB / "gazetteer", tmp_path / "kb" / "gazetteer")).parent


@pytest.fixture
def cache(kb):
    cache = RecordCache(kb.parent / "msakb.db.cache", code_fingerprint(), kb)
    with parsed_store.kept_in(cache):
        yield cache


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """The names of the files parsed (not recalled) from now on."""
    names: list[str] = []
    real = yamlfile.parse_yaml

    def counting(text, name, aliases=False):
        names.append(name)
        return real(text, name, aliases)

    monkeypatch.setattr(yamlfile, "parse_yaml", counting)
    return names


def utilities(kb: Path) -> Path:
    return kb / "gazetteer" / "utilities.yaml"


def entry(cache: RecordCache, path: Path) -> Path:
    return cache.folder / parsed_store.entry_name(path, False)


def read(kb: Path, path: Path | None = None, model=UtilitiesFile):
    path = path or utilities(kb)
    return load_model(path, model, folder=kb, error=GazetteerError)


def test_a_file_read_again_is_recalled_and_equal(kb, cache, parses):
    first = read(kb)
    assert parses == [str(utilities(kb))]
    stored = entry(cache, utilities(kb))
    assert stat.S_IMODE(os.stat(stored).st_mode) == 0o600
    again = read(kb)
    assert parses == [str(utilities(kb))]  # not parsed a second time
    assert again == first
    assert again.model_dump(exclude_unset=True) == first.model_dump(exclude_unset=True)


def test_a_changed_file_is_parsed_again(kb, cache, parses):
    read(kb)
    text = utilities(kb).read_text(encoding="utf-8")
    first = read(kb).utilities[0]
    utilities(kb).write_text(text.replace(f"name: {first.name}", "name: Renamed Electric", 1), encoding="utf-8")
    changed = read(kb)
    assert len(parses) == 2
    assert changed.utilities[0].name == "Renamed Electric"
    assert changed == load_model(utilities(kb), UtilitiesFile)


@pytest.mark.parametrize("damage", [
    lambda s: s[: len(s) // 2],  # cut short
    lambda s: "not json",
    lambda s: s.replace('"data": {', '"data": {"extra": 1, ', 1),  # data unlike its digest
    lambda s: s.replace(json.loads(s)["key"], "0" * 64),  # another text's entry
    lambda s: s.replace(parsed_store.FORMAT, "msakb-parsed-yaml-0"),  # another format
])
def test_a_damaged_entry_is_ignored(kb, cache, parses, damage):
    expected = read(kb)
    stored = entry(cache, utilities(kb))
    stored.write_text(damage(stored.read_text(encoding="utf-8")), encoding="utf-8")
    assert read(kb) == expected
    assert len(parses) == 2
    assert read(kb) == expected  # remembered anew
    assert len(parses) == 2


def test_a_foreign_entry_is_ignored(kb, cache, parses):
    states = kb / "gazetteer" / "states.yaml"
    expected = read(kb)
    read(kb, states, StatesFile)
    # the states file's entry (right for its own text) put in the utilities file's place
    shutil.copyfile(entry(cache, states), entry(cache, utilities(kb)))
    assert read(kb) == expected
    assert parses == [str(utilities(kb)), str(states), str(utilities(kb))]


def test_an_entry_the_model_refuses_gives_the_files_own_data(kb, cache, parses):
    expected = read(kb)
    stored = entry(cache, utilities(kb))
    forged = json.loads(stored.read_text(encoding="utf-8"))
    forged["data"] = {"utilities": [{"id": "x", "unknown_field": 1}]}
    forged["digest"] = parsed_store.digest(json.dumps(forged["data"]))
    stored.write_text(json.dumps(forged), encoding="utf-8")
    assert read(kb) == expected
    assert len(parses) == 2


def test_a_file_the_model_refuses_is_not_remembered_and_fails_each_time(kb, cache, parses):
    utilities(kb).write_text("utilities:\n- id: x\n  unknown_field: 1\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(GazetteerError, match=r"utilities.yaml, line 2: utility 'x', field name: Field required"):
            read(kb)
    assert not entry(cache, utilities(kb)).exists()


def test_data_json_cannot_give_back_is_not_remembered(kb, cache, parses, tmp_path):
    odd = kb / "gazetteer" / "odd.yaml"
    for text in ("states:\n  CA: 2024-01-01\n",  # a date
                 "states:\n  1: California\n"):  # a number as a key
        odd.write_text(text, encoding="utf-8")
        with pytest.raises(GazetteerError):
            read(kb, odd, StatesFile)
        assert not entry(cache, odd).exists()
    odd.write_text("", encoding="utf-8")  # empty: `empty` stands in for it, recalled or not
    for _ in range(2):
        assert load_model(odd, DevicesFile, folder=kb, empty={}) == DevicesFile.model_validate({})
    assert entry(cache, odd).exists() and parses.count(str(odd)) == 3


def test_an_unusable_cache_parses_every_time(kb, cache, parses):
    cache.folder.mkdir(mode=0o777)
    os.chmod(cache.folder, 0o777)  # writable by others: not used
    assert read(kb) == read(kb)
    assert len(parses) == 2
    assert not entry(cache, utilities(kb)).exists()


def test_an_incremental_build_remembers_and_recalls_the_gazetteer_and_only_it_uses_the_cache(kb_copy, tmp_path, parses):
    db = tmp_path / "msakb.db"
    gazetteer = [str(kb_copy / "gazetteer" / f"{name}.yaml") for name in ("states", "utilities", "devices")]
    build(db, kb_copy)  # full: nothing remembered
    folder = db.with_name("msakb.db.cache")
    assert not list(folder.glob("parsed-*.json"))
    touch_one_source(kb_copy)
    load_gazetteer.cache_clear()
    assert build(db, kb_copy).workers == 0  # patched: each gazetteer file parsed and remembered
    remembered = sorted(p.name for p in folder.glob("parsed-*.json"))
    assert {parsed_store.entry_name(p, False) for p in gazetteer} <= set(remembered)
    parses.clear()
    touch_one_source(kb_copy)
    load_gazetteer.cache_clear()
    assert build(db, kb_copy).workers == 0
    assert not set(parses) & set(gazetteer)  # recalled
    load_gazetteer.cache_clear()
    for p in folder.glob("parsed-*.json"):
        p.unlink()
    load_gazetteer(str(kb_copy / "gazetteer"))  # after the build: its cache is not used
    assert not list(folder.glob("parsed-*.json"))
    assert set(gazetteer) <= set(parses)


def test_the_incremental_build_prunes_the_files_as_parsed_it_did_not_read(kb_copy, tmp_path):
    """A knowledge folder moved: its files as parsed at the old place are read by no build, and
    go once no build has written them for PARSED_KEPT."""
    # two sources: one changed of two is patched
    keep_sources(kb_copy, ["sce-approved-products-2026-04-12", "ct-pura-iwg-msa-subgroup-2025-02-06"])
    db = tmp_path / "msakb.db"
    folder = db.with_name("msakb.db.cache")

    def build_cli(kb: Path, kind: str) -> set[str]:
        load_gazetteer.cache_clear()  # as in a process of its own
        res = CliRunner().invoke(cli, ["build", "--kb", str(kb), "--db", str(db)])
        assert res.exit_code == 0 and f"\n{kind} build: " in "\n" + res.output, res.output
        return {p.name for p in folder.glob("parsed-*.json")}

    def entries(kb: Path) -> set[str]:
        return {parsed_store.entry_name(p, False) for p in kb.rglob("*.yaml")}

    build_cli(kb_copy, "full")
    touch_one_source(kb_copy)
    at_first = entries(kb_copy) & build_cli(kb_copy, "incremental")
    assert parsed_store.entry_name(kb_copy / "gazetteer" / "utilities.yaml", False) in at_first
    db.unlink()
    assert at_first <= build_cli(kb_copy, "full")  # a full build reads none: it cannot tell which are stale
    moved = kb_copy.rename(tmp_path / "moved")
    touch_one_source(moved)
    assert at_first <= build_cli(moved, "incremental")  # not read, but written within PARSED_KEPT: kept
    for name in at_first:  # as if no build had written them for longer
        os.utime(folder / name, (time.time() - record_cache.PARSED_KEPT - 60,) * 2)
    touch_one_source(moved)
    now = build_cli(moved, "incremental")
    assert parsed_store.entry_name(moved / "gazetteer" / "utilities.yaml", False) in now
    assert not at_first & now
