"""A build's rows do not depend on how many processes parsed the sources, nor on how its
records were sliced for resolution: a parallel build writes byte for byte the rows of a
serial one (the seeds, and a generated corpus), and resolving the staged records a few keys at
a time gives the rows of resolving them all at once."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.generate import generate
from msakb.cli import cli
from msakb.db.pipeline import stored, workers
from msakb.db.pipeline import texts as pipeline_texts
from msakb.db.pipeline.attribution import SourceVoice, source_voices
from msakb.db.pipeline.resolve import resolve
from msakb.db.pipeline.sources import parse_one
from msakb.db.pipeline.stored import TOGETHER, Staged, StagingFile, resolve_partition
from msakb.db.store.schema import create_statements
from msakb.db.store.write import insert_rows
from msakb.extract.shared.records import SourceDoc
from msakb.knowledge.annotations import load_annotations
from msakb.knowledge.gazetteer import load_gazetteer
from msakb.knowledge.manifest import load_manifest
from tests.kbtools import KB


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("parallel") / "kb", 24, seed=11)


def built(kb: Path, db: Path, *args: str) -> list[str]:
    """Build kb into db with the CLI; every statement of the file's dump but the build's
    record (when it was built): schema, every row of every table in its order (rowid), the
    full-text indexes' own tables."""
    result = CliRunner().invoke(cli, ["build", "--db", str(db), "--kb", str(kb), *args])
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(db)
    try:
        return [line for line in conn.iterdump() if not line.startswith('INSERT INTO "build_info"')]
    finally:
        conn.close()


def test_a_parallel_build_of_the_seeds_writes_the_rows_of_a_serial_one(tmp_path):
    serial = built(KB, tmp_path / "serial.db", "--workers", "1")
    assert built(KB, tmp_path / "parallel.db", "--workers", "3") == serial
    assert sum(line.startswith('INSERT INTO "approvals"') for line in serial) == 16


def test_a_parallel_build_of_a_generated_corpus_writes_the_rows_of_a_serial_one(corpus, tmp_path):
    serial = built(corpus.kb, tmp_path / "serial.db", "--workers", "1")
    result = CliRunner().invoke(cli, ["build", "--db", str(tmp_path / "p.db"), "--kb", str(corpus.kb), "--workers", "2"])
    lines = result.output.splitlines()
    # one progress line per source, in the manifest's order, as the workers hand them back
    order = [e.id for e in load_manifest(corpus.kb / "sources" / "manifest.yaml").sources]
    assert [ln.split()[1] for ln in lines if ln.startswith("[")] == order
    assert [ln.split()[0] for ln in lines if ln.startswith("[")] == [f"[{i}/{len(order)}]" for i in range(1, 25)]
    assert built(corpus.kb, tmp_path / "parallel.db", "--workers", "2") == serial
    assert sum(line.startswith('INSERT INTO "specs"') for line in serial) == corpus.planted["specs"]


def test_workers_started_afresh_write_the_rows_of_forked_ones(tmp_path, monkeypatch):
    """Where a build cannot fork (another platform, or a thread running in its process) its
    workers start a fresh interpreter: the same rows."""
    forked = built(KB, tmp_path / "forked.db", "--workers", "2")
    monkeypatch.setattr(workers, "_context", lambda: multiprocessing.get_context("forkserver"))
    assert built(KB, tmp_path / "fresh.db", "--workers", "2") == forked


@pytest.mark.parametrize("partitions", [1, 3])
def test_resolving_a_partition_of_the_keys_a_few_at_a_time_gives_the_rows_of_resolving_all_at_once(
        corpus, tmp_path, monkeypatch, partitions):
    kb = corpus.kb
    gaz = load_gazetteer(str(kb / "gazetteer"))
    docs, records = [], []
    staging = StagingFile(tmp_path / "stage", partitions)
    for place, entry in enumerate(load_manifest(kb / "sources" / "manifest.yaml").sources):
        doc, recs, _ = parse_one(entry, kb, gaz, None)
        staging.add(place, doc.id, doc.text, recs, {})
        docs.append(doc)
        records += recs
    texts = {d.id: d.text for d in docs}
    ann = load_annotations(kb / "annotations", texts)
    staging.add(len(docs), "", None, ann, {})
    staging.close()
    voices = source_voices(docs, gaz)
    whole = resolve(records + ann, gaz, voices)

    monkeypatch.setattr(stored, "SLICE", 7)
    # the texts as a build's workers read them, keeping few from one slice to the next
    monkeypatch.setattr(pipeline_texts, "TEXTS_KEPT", 1)
    staged = Staged([staging.path])
    files = []
    for p in range(-1, partitions):
        files.append(tmp_path / f"part-{p}")
        resolve_partition(staged, p, texts if p % 2 else staged.texts(), gaz, voices, files[-1])
    staged.close()
    conn = sqlite3.connect(tmp_path / "whole", isolation_level=None)  # the rows of `whole`, written alike
    for statement in create_statements():
        conn.execute(statement)
    for table, rows in whole.items():
        insert_rows(conn, table, rows)
    conn.close()

    def written(paths: list[Path]) -> dict[str, list]:
        out: dict[str, list] = {}
        for path in paths:
            conn = sqlite3.connect(path)
            for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
                out.setdefault(table, []).extend(conn.execute(f"SELECT * FROM [{table}]"))
            conn.close()
        return {t: sorted(map(repr, rows)) for t, rows in out.items()}

    assert written(files) == written([tmp_path / "whole"])
    assert len(whole["citations"]) == corpus.planted["citations"] and len(whole["states"]) == corpus.planted["states"]


def test_a_state_named_by_two_utilities_takes_its_row_from_the_first_in_build_order(tmp_path):
    """A state no source states takes its row from the utility met first in build order,
    whatever the order of their keys (or the slices resolution works in)."""
    gaz = load_gazetteer(str(KB / "gazetteer"))
    text = "United Illuminating and Eversource (Connecticut) both serve Connecticut."
    entry = load_manifest(KB / "sources" / "manifest.yaml").sources[0]
    doc = SourceDoc("s", text, entry)
    ui = doc.record("utilities", {"id": "ui", "name": "United Illuminating", "state": "CT"}, doc.span(0, 19), "t:ui")
    ev = doc.record("utilities", {"id": "eversource-ct", "name": "Eversource (Connecticut)", "state": "CT"},
                    doc.span(24, 48), "t:ev")
    staging = StagingFile(tmp_path / "stage", 2)
    staging.add(0, "s", text, [ui, ev], {})  # ui first in build order, after eversource-ct by key
    staging.close()
    staged = Staged([staging.path])
    voices = {"s": SourceVoice("utility", "United Illuminating", "ui")}
    resolve_partition(staged, TOGETHER, {"s": text}, gaz, voices, tmp_path / "together")
    staged.close()
    conn = sqlite3.connect(tmp_path / "together")
    assert conn.execute("SELECT code, quote, rule FROM states").fetchall() == [
        ("CT", "United Illuminating", "gazetteer:state-of-utility")]
    conn.close()


def test_two_builds_in_one_process_read_each_its_own_text(tmp_path):
    """A build's steps read each source's text from the build's own file (StoredDoc): never the
    text an earlier build in the same process (a program calling build() twice) read for that source id."""
    from tests.hostile_kit import SCE_LIST, make_one_source_kb
    from tests.kbtools import rewrite_source, source_bytes
    from msakb.db.pipeline.builder import build

    kb = make_one_source_kb(tmp_path / "kb")
    build(tmp_path / "a.db", kb, workers=1)
    rewrite_source(kb, SCE_LIST, b"A preface the second build reads.\n" + source_bytes(kb, SCE_LIST))
    build(tmp_path / "b.db", kb, workers=1)  # another database: a full build, its own staging file
    conn = sqlite3.connect(tmp_path / "b.db")
    try:
        (text,) = conn.execute("SELECT text FROM sources").fetchone()
        quotes = conn.execute("SELECT quote, char_start, char_end FROM candidates").fetchall()
    finally:
        conn.close()
    assert text.startswith("A preface") and quotes
    assert [q for q, s, e in quotes if text[s:e] != q] == []


def test_texts_held_for_a_slice_read_a_text_they_lack_when_asked_for_it(tmp_path):
    """A check asking for a source not among a slice's (the other side of a conflict) is
    given its text, read then; a source no staging file has is a KeyError."""
    staging = StagingFile(tmp_path / "stage", 1)
    staging.add(0, "a", "text of a", [], {})
    staging.add(1, "b", "text of b", [], {})
    staging.close()
    staged = Staged([staging.path])
    try:
        held = staged.texts().hold({"a"})
        assert dict(held) == {"a": "text of a"}
        assert held["b"] == "text of b" and dict(held) == {"a": "text of a", "b": "text of b"}
        with pytest.raises(KeyError):
            held["c"]
        # .get and `in` answer alike, reading what is not held yet
        held = staged.texts().hold({"a"})
        assert held.get("b") == "text of b" and "b" in held
        assert held.get("c") is None and "c" not in held and held.get("c", "none") == "none"
    finally:
        staged.close()


def test_a_staged_record_reads_back_as_the_record_written():
    text = "Approved: the IQ Meter Collar."
    doc = SourceDoc("s", text, None)
    record = doc.record("devices", {"id": "iq", "name": "IQ Meter Collar", "count": 2, "none": None},
                        doc.span(14, 29), "t:iq", mention=True)
    assert stored.decode_record(stored.encode_record(record, 5), {"s": text}) == record


def test_a_record_that_is_not_plain_data_is_refused_naming_it():
    from msakb.errors import BuildError

    doc = SourceDoc("s", "text", None)
    record = doc.record("devices", {"id": "iq", "seen": {1, 2}}, doc.span(0, 4), "t:iq")
    with pytest.raises(BuildError, match=r"^s, t:iq: a devices record: not plain data"):
        stored.encode_record(record, 0)

