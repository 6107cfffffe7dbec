"""The record cache's copy of the manifest (db/pipeline/cache.py): read block by block, it
gives exactly what load_manifest gives, and whatever is wrong is still said by load_manifest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from msakb.db.pipeline.cache import RecordCache
from msakb.db.pipeline import manifest_cache
from msakb.db.pipeline.manifest_cache import MANIFEST, RECENT, manifest_blocks
from msakb.db.pipeline.fingerprints import code_fingerprint
from msakb.errors import ManifestError
from msakb.knowledge.manifest import load_manifest
from msakb.knowledge.yamlfile import dump_yaml
from tests.kbtools import KB, manifest, write_manifest


@pytest.fixture
def kb(tmp_path) -> Path:
    return Path(shutil.copytree(KB, tmp_path / "kb"))


def cache_for(kb: Path) -> RecordCache:
    return RecordCache(kb.parent / "msakb.db.cache", code_fingerprint(), kb)


def path(kb: Path) -> Path:
    return kb / "sources" / "manifest.yaml"


@pytest.mark.parametrize("written_by", ["hand", "dump_yaml"])
def test_an_edited_entry_reads_as_load_manifest_reads_it(kb, written_by):
    if written_by == "dump_yaml":
        write_manifest(kb, manifest(kb))
    assert manifest_blocks(path(kb).read_text(encoding="utf-8")) is not None
    assert cache_for(kb).manifest(path(kb)) == load_manifest(path(kb))   # first read: the whole file
    text = path(kb).read_text(encoding="utf-8")
    third = load_manifest(path(kb)).sources[2]
    path(kb).write_text(text.replace(f"title: {third.title}", "title: Renamed by hand"), encoding="utf-8")
    again = cache_for(kb).manifest(path(kb))  # a new cache object: what it knows is on disk
    assert again == load_manifest(path(kb))
    assert again.sources[2].title == "Renamed by hand"


def test_a_duplicate_entry_is_named_by_load_manifest(kb):
    cache_for(kb).manifest(path(kb))
    text = path(kb).read_text(encoding="utf-8")
    blocks = manifest_blocks(text)
    path(kb).write_text(text + blocks[0], encoding="utf-8")
    with pytest.raises(ManifestError, match="is listed twice"):
        cache_for(kb).manifest(path(kb))


def test_a_bad_value_in_a_new_block_is_named_by_load_manifest(kb):
    cache_for(kb).manifest(path(kb))
    text = path(kb).read_text(encoding="utf-8")
    path(kb).write_text(text.replace("jurisdiction: CA", "jurisdiction: california", 1), encoding="utf-8")
    with pytest.raises(ManifestError, match="two-letter upper-case code"):
        cache_for(kb).manifest(path(kb))


@pytest.mark.parametrize("text", [
    "version: 1\nsources:\n- id: a\n",          # another key before the list
    "sources:\n- id: a\nother: 1\n",            # another key after it
    "sources: []\n",
    "sources:\n  - id: a\n - id: b\n",          # entries at different indentations
])
def test_any_other_layout_is_read_whole(text):
    assert manifest_blocks(text) is None


def test_blocks_of_the_shipped_layout():
    text = "# a comment\n\nsources:\n  # the first\n  - id: a\n    file: a.txt\n\n  - id: b\n    tags:\n      - x\n"
    assert manifest_blocks(text) == ["  - id: a\n    file: a.txt\n\n", "  - id: b\n    tags:\n      - x\n"]
    assert dump_yaml({"sources": [{"id": "a"}, {"id": "b"}]}).startswith("sources:\n- id: a\n")


def stored(kb: Path, name: str) -> dict:
    return json.loads((kb.parent / "msakb.db.cache" / name).read_text(encoding="utf-8"))


def retitle(kb: Path, n: int, title: str) -> None:
    data = manifest(kb)
    data["sources"][n]["title"] = title
    write_manifest(kb, data)


def test_an_edit_writes_the_recent_entries_only(kb):
    write_manifest(kb, manifest(kb))
    cache_for(kb).manifest(path(kb))
    whole = stored(kb, MANIFEST)
    assert not (kb.parent / "msakb.db.cache" / RECENT).exists()
    for title in ("Renamed once", "Renamed twice"):
        retitle(kb, 2, title)
        assert cache_for(kb).manifest(path(kb)) == load_manifest(path(kb))
        assert stored(kb, MANIFEST) == whole  # not written again
        recent = stored(kb, RECENT)
        assert recent["generation"] == whole["generation"]
        assert [e["title"] for e in recent["blocks"].values()] == [title]
    assert cache_for(kb).manifest(path(kb)).sources[2].title == "Renamed twice"


@pytest.mark.parametrize("change", ["retitle every source", "remove two sources"])
def test_many_changes_write_the_whole_index_again(kb, monkeypatch, change):
    monkeypatch.setattr(manifest_cache, "MIN_RECENT", 1)  # the seeds' five sources: one recent entry at most
    write_manifest(kb, manifest(kb))
    cache_for(kb).manifest(path(kb))
    retitle(kb, 0, "Renamed once")
    cache_for(kb).manifest(path(kb))
    first = stored(kb, MANIFEST)
    assert (kb.parent / "msakb.db.cache" / RECENT).exists()
    data = manifest(kb)
    if change == "remove two sources":
        data["sources"] = data["sources"][:-2]
    else:
        for n, source in enumerate(data["sources"]):
            source["title"] = f"Renamed {n}"
    write_manifest(kb, data)
    assert cache_for(kb).manifest(path(kb)) == load_manifest(path(kb))
    again = stored(kb, MANIFEST)
    assert again["generation"] != first["generation"]
    assert [e["title"] for e in again["blocks"].values()] == [s["title"] for s in data["sources"]]
    assert not (kb.parent / "msakb.db.cache" / RECENT).exists()
    assert cache_for(kb).manifest(path(kb)) == load_manifest(path(kb))


@pytest.mark.parametrize("recent", [
    "not json",
    '{"format": "msakb-records-json-1", "generation": "another", "blocks": {}}',  # of another index
    '{"format": "msakb-records-json-0", "blocks": {}}',
])
def test_a_damaged_or_foreign_recent_file_is_not_believed(kb, recent):
    write_manifest(kb, manifest(kb))
    cache_for(kb).manifest(path(kb))
    retitle(kb, 2, "Renamed by hand")
    cache_for(kb).manifest(path(kb))
    (kb.parent / "msakb.db.cache" / RECENT).write_text(recent, encoding="utf-8")
    again = cache_for(kb).manifest(path(kb))
    assert again == load_manifest(path(kb))
    assert again.sources[2].title == "Renamed by hand"
    assert [e["title"] for e in stored(kb, RECENT)["blocks"].values()] == ["Renamed by hand"]  # written anew
