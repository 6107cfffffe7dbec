"""Every kind of bad input ends in one clear error line, exit status 1, and the previous
database left exactly as it was."""

from __future__ import annotations

import hashlib

import pytest
from click.testing import CliRunner

from msakb.cli import cli
from tests.kbtools import keep_sources, manifest, rewrite_source, source_bytes, write_manifest

SCE_LIST = "sce-approved-products-2026-04-12"


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def small_kb(kb_copy):
    """kb/ with SCE's approved list only: quick to build, and the source most tests break."""
    keep_sources(kb_copy, [SCE_LIST])
    return kb_copy


@pytest.fixture
def previous_db(small_kb, tmp_path):
    db = tmp_path / "msakb.db"
    result = CliRunner().invoke(cli, ["build", "--db", str(db), "--kb", str(small_kb), "-q"])
    assert result.exit_code == 0, result.output
    return db


def build_fails(kb, db, expected: str):
    before = digest(db)
    result = CliRunner().invoke(cli, ["build", "--db", str(db), "--kb", str(kb), "-q"])
    assert result.exit_code == 1, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert lines == [lines[0]] and lines[0].startswith("Error: "), result.output
    assert expected in lines[0], lines[0]
    assert digest(db) == before
    assert sorted(p.name for p in db.parent.iterdir() if p.name.startswith(".msakb.db.tmp")) == []
    return lines[0]


def test_missing_file(small_kb, previous_db):
    (small_kb / "sources" / "000_2cdca2325650259a.txt").unlink()
    msg = build_fails(small_kb, previous_db, "000_2cdca2325650259a.txt not found")
    assert msg.startswith(f"Error: {SCE_LIST}: file ")


def test_hash_mismatch(small_kb, previous_db):
    rewrite_source(small_kb, SCE_LIST, source_bytes(small_kb, SCE_LIST) + b"\n", repin=False)
    msg = build_fails(small_kb, previous_db, "the file changed")
    assert "000_2cdca2325650259a.txt has sha256 " in msg
    assert "the manifest says da40b90d1fb40fabbd0a8396204d6ff674c4ff76489a5790617f583b2f20bee4" in msg


def test_truncated_table_row(small_kb, previous_db):
    text = source_bytes(small_kb, SCE_LIST).decode()
    line = next(ln for ln in text.split("\n") if ln.startswith("Enphase\t"))
    truncated = "\t".join(line.split("\t")[:3])
    rewrite_source(small_kb, SCE_LIST, text.replace(line, truncated).encode())
    msg = build_fails(small_kb, previous_db, "table row has 3 cells, fewer than the 7 of its header")
    assert msg.startswith(f"Error: {SCE_LIST}, line 14: ")


def test_unknown_column_header(small_kb, previous_db):
    text = source_bytes(small_kb, SCE_LIST).decode()
    rewrite_source(small_kb, SCE_LIST, text.replace("\tIsolating\t", "\tIsolation Type\t", 1).encode())
    msg = build_fails(small_kb, previous_db, "unknown column header 'Isolation Type' in a approved_products table")
    assert msg.startswith(f"Error: {SCE_LIST}, line 10: ")


def test_wrong_encoding(small_kb, previous_db):
    text = source_bytes(small_kb, SCE_LIST).decode()
    rewrite_source(small_kb, SCE_LIST, text.replace("Tesla", "Tésla", 1).encode("latin-1", errors="replace"))
    msg = build_fails(small_kb, previous_db, "is not valid UTF-8")
    assert f"Error: {SCE_LIST}, line " in msg and "convert it to UTF-8" in msg


def test_quote_that_does_not_match(small_kb, previous_db):
    (small_kb / "annotations" / "bad.yaml").write_text(
        f"source: {SCE_LIST}\nrecords:\n"
        "  - table: definitions\n"
        "    quote: \"an isolating MSA provides a way to permanently enable grid isolation\"\n"
        f"    values: {{id: {SCE_LIST}/definitions/x, term: Isolating, definition: x}}\n",
        encoding="utf-8",
    )
    build_fails(small_kb, previous_db, "bad.yaml, record 1: quote 'an isolating MSA provides a way to permanently")


def test_unknown_kind(small_kb, previous_db):
    data = manifest(small_kb)
    data["sources"][0]["kind"] = "press_release"
    write_manifest(small_kb, data)
    build_fails(small_kb, previous_db, "unknown kind 'press_release'; known kinds: ")


def test_jurisdiction_that_is_no_state(small_kb, previous_db):
    data = manifest(small_kb)
    data["sources"][0]["jurisdiction"] = "ZZ"
    write_manifest(small_kb, data)
    build_fails(small_kb, previous_db, "jurisdiction 'ZZ' is not a state of kb/gazetteer/states.yaml, nor US: ")


def test_manifest_field_error_names_source_and_field(small_kb, previous_db):
    data = manifest(small_kb)
    data["sources"][0]["sha256"] = "xyz"
    write_manifest(small_kb, data)
    build_fails(small_kb, previous_db, f"source '{SCE_LIST}', field sha256: String should match pattern")


def test_fewer_rows_than_expected(small_kb, previous_db):
    text = source_bytes(small_kb, SCE_LIST).decode()
    line = next(ln for ln in text.split("\n") if ln.startswith("Enphase\t"))
    rewrite_source(small_kb, SCE_LIST, text.replace(line + "\n", "").encode())
    build_fails(small_kb, previous_db, "yielded 8 devices rows, the manifest expects at least 9")
