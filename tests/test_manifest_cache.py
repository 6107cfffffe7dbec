"""The record cache's copy of the manifest (db/pipeline/cache.py): read block by block, it
gives exactly what load_manifest gives, and whatever is wrong is still said by load_manifest."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from msakb.db.pipeline.cache import RecordCache, manifest_blocks
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
