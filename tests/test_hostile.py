"""Hostile input (issue 15): each case the issue found, numbered as there, and more of the
same kind. Every bad input ends in one line `Error: ...`, exit status 1 (2 for usage), the last
good database byte for byte as it was, no temporary file left, and nothing read from outside
the knowledge folder; nothing untrusted is deserialised or linked."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import sqlite3
from pathlib import Path

import pytest

from msakb.db.pipeline.cache import RecordCache
from msakb.db.pipeline.fingerprints import code_fingerprint
from msakb.knowledge.manifest import load_manifest
from tests.hostile_kit import (SCE_FILE, SCE_LIST, alarm, digest, in_child, invoke, make_one_source_kb, one_line,
                               open_up, table_dump, temp_files, world_readable_dir)
from tests.kbtools import KB, manifest, rewrite_source, source_bytes, write_manifest

IS_ROOT = os.geteuid() == 0


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A one-source knowledge folder and the database built from it (with its cache)."""
    root = tmp_path_factory.mktemp("hostile")
    kb = make_one_source_kb(root / "kb")
    db = root / "msakb.db"
    assert invoke("build", "--kb", kb, "--db", db, "-q").exit_code == 0
    return kb, db


@pytest.fixture
def kb(built, tmp_path):
    return Path(shutil.copytree(built[0], tmp_path / "kb"))


@pytest.fixture
def db(built, tmp_path):
    """A copy of the built database (no cache beside it)."""
    dest = tmp_path / "msakb.db"
    shutil.copy(built[1], dest)
    return dest


def build_fails(kb: Path, db: Path, expected: str) -> str:
    before = digest(db)
    line = one_line(invoke("build", "--kb", kb, "--db", db, "-q"))
    assert expected in line, line
    assert digest(db) == before
    assert temp_files(db.parent) == []
    return line


def entry(kb: Path, **changes) -> None:
    data = manifest(kb)
    data["sources"][0].update(changes)
    write_manifest(kb, data)


# --- 1. code execution through the build cache ---------------------------------------------

class _Run:
    """A pickle that creates `marker` when it is loaded."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _cache_names(kb: Path, db: Path) -> list[str]:
    """The names the record cache reads for the knowledge folder's sources (with this code)."""
    cache = RecordCache(db.with_name(db.name + ".cache"), code_fingerprint(), kb)
    keys = [cache.key(e) for e in load_manifest(kb / "sources" / "manifest.yaml").sources]
    return [f"{k}-{name}" for k in keys for name in ("records", "candidates")]


def test_1_a_pickle_planted_in_the_cache_is_never_run(kb, db, tmp_path):
    marker = tmp_path / "the-pickle-ran"
    folder = db.with_name(db.name + ".cache")
    folder.mkdir(mode=0o700)
    for name in _cache_names(kb, db):
        for suffix in (".pickle", ".json"):
            (folder / f"{name}{suffix}").write_bytes(pickle.dumps(_Run(marker)))
    db.unlink()
    result = invoke("build", "--kb", kb, "--db", db, "-q")
    assert not marker.exists()
    assert result.exit_code == 0, result.output
    assert table_dump(db) == table_dump(_cold(kb, tmp_path))


def _cold(kb: Path, tmp_path: Path) -> Path:
    cold = tmp_path / "cold" / "msakb.db"
    cold.parent.mkdir()
    assert invoke("build", "--kb", kb, "--db", cold, "-q").exit_code == 0
    return cold


def test_1_entries_are_json_in_a_private_folder(kb, db):
    assert invoke("build", "--kb", kb, "--db", db, "-q").exit_code == 0  # patched: writes the index
    db.unlink()
    assert invoke("build", "--kb", kb, "--db", db, "-q").exit_code == 0
    folder = db.with_name(db.name + ".cache")
    assert folder.stat().st_mode & 0o777 == 0o700
    # (and the data files the incremental build read, as parsed: msakb/knowledge/parsed_store.py)
    names = sorted(p.name for p in folder.iterdir() if not p.name.startswith("parsed-"))
    keys = {n.split("-")[0] for n in _cache_names(kb, db)}
    # the records and the candidates of one source; the build's index; the manifest as last read
    assert names[-2:] == ["last-build.json", "manifest.json"] and len(names) == 4, names
    assert {n.split("-")[0] for n in names[:-2]} == keys and names[0].endswith("-candidates-" + names[0][-21:])
    for p in folder.iterdir():
        assert p.stat().st_mode & 0o777 == 0o600
        json.loads(p.read_text(encoding="utf-8"))


def test_1_temporary_cache_files_never_follow_a_planted_link(kb, db, tmp_path):
    """The old cache wrote `.<key>-records.<pid>.tmp`, following a link planted there."""
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    folder = db.with_name(db.name + ".cache")
    folder.mkdir(mode=0o700)
    for name in _cache_names(kb, db):
        (folder / f".{name}.{os.getpid()}.tmp").symlink_to(victim)
    db.unlink()
    invoke("build", "--kb", kb, "--db", db, "-q")
    assert victim.read_bytes() == b"precious"


@pytest.mark.skipif(not IS_ROOT, reason="giving a folder to another user needs root")
def test_1_a_cache_folder_of_another_user_is_not_used(kb, db, tmp_path):
    marker = tmp_path / "the-pickle-ran"
    folder = db.with_name(db.name + ".cache")
    folder.mkdir(mode=0o700)
    for name in _cache_names(kb, db):
        (folder / f"{name}.json").write_bytes(pickle.dumps(_Run(marker)))
    os.chown(folder, 65534, 65534)
    db.unlink()
    result = invoke("build", "--kb", kb, "--db", db, "-q")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (f"warning: the record cache {folder} is not used: it belongs to another user "
                                     "(uid 65534); delete it or use another --db; every source is parsed")
    assert not marker.exists()


def test_1_a_cache_folder_others_can_write_is_not_used(kb, db):
    folder = db.with_name(db.name + ".cache")
    folder.mkdir()
    folder.chmod(0o777)
    result = invoke("build", "--kb", kb, "--db", db, "-q")
    assert result.exit_code == 0
    assert "other users can write into it" in result.output


def test_8_a_file_where_the_cache_goes_is_a_warning_not_a_failure(kb, db):
    db.with_name(db.name + ".cache").write_text("not a folder", encoding="utf-8")
    db.unlink()
    result = invoke("build", "--kb", kb, "--db", db, "-q")
    assert result.exit_code == 0, result.output
    assert result.output.strip().startswith("warning: the record cache ") and "is not a folder" in result.output


def test_a_damaged_cache_entry_is_parsed_again(kb, db, tmp_path):
    assert invoke("build", "--kb", kb, "--db", db, "-q").exit_code == 0
    folder = db.with_name(db.name + ".cache")
    for p in folder.glob("*-records.json"):  # every span moved past the end of the text
        data = json.loads(p.read_text(encoding="utf-8"))
        p.write_text(json.dumps(data).replace('{"$span":[', '{"$span":[9999999,'), encoding="utf-8")
    db.unlink()
    assert invoke("build", "--kb", kb, "--db", db, "-q").exit_code == 0
    assert table_dump(db) == table_dump(_cold(kb, tmp_path))


# --- 2. stored XSS ---------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["javascript:alert(document.domain)", "JAVASCRIPT:alert(1)", "data:text/html,<b>x</b>",
                                 "vbscript:x", "//evil.example/x", "http://", "https://a b.example/", "http://x\n.example"])
def test_2_add_refuses_a_url_that_is_not_http(kb, tmp_path, url):
    src = tmp_path / "page.txt"
    src.write_text("The meter collar adapter shall be approved.\n", encoding="utf-8")
    before = (kb / "sources" / "manifest.yaml").read_bytes()
    line = one_line(invoke("add", src, "--kb", kb, "--publisher", "X", "--jurisdiction", "NJ", "--kind", "generic",
                           "--voice", "industry", "--url", url))
    assert line.startswith("Error: --url: ") and "is not an http:// or https:// URL" in line
    assert (kb / "sources" / "manifest.yaml").read_bytes() == before
    assert temp_files(kb / "sources") == []


def test_2_a_manifest_url_that_is_not_http_is_refused(kb, db):
    entry(kb, url="javascript:alert(document.domain)")
    build_fails(kb, db, f"manifest.yaml, line {line_of(kb, 'url:')}: source '{SCE_LIST}', field url: 'javascript:alert(document.domain)' "
                        "is not an http:// or https:// URL")


def test_2_the_passage_page_links_no_other_scheme(db):
    from tests.kbtools import datasette_pages
    from msakb.web.serve import WEB

    conn = sqlite3.connect(db)
    conn.execute("UPDATE sources SET url = 'javascript:alert(document.domain)'")  # as an old database had it
    start, end = conn.execute("SELECT char_start, char_end FROM approvals LIMIT 1").fetchone()
    conn.commit()
    conn.close()
    page = f"/msakb/passage?source_id={SCE_LIST}&start={start}&end={end}"
    html = datasette_pages(db, WEB, [page])[page]
    assert "javascript:alert(document.domain)" in html  # shown as text ...
    assert 'href="javascript:' not in html.lower()  # ... never linked


# --- 3. manifest path traversal ----------------------------------------------------------------

@pytest.fixture
def outside(tmp_path) -> Path:
    secret = tmp_path / "outside.txt"
    secret.write_text("a secret outside the knowledge folder\n", encoding="utf-8")
    return secret


@pytest.mark.parametrize("name", ["../../outside.txt", "../outside.txt", "/etc/hostname", "sub/../../x.txt", "..", ".", ""])
def test_3_a_file_name_with_a_folder_is_refused(kb, db, outside, name):
    entry(kb, file=name, sha256=hashlib.sha256(outside.read_bytes()).hexdigest())
    line = build_fails(kb, db, "field file: must be a bare file name in the knowledge folder's sources/")
    assert hashlib.sha256(outside.read_bytes()).hexdigest() not in line


def test_3_a_link_out_of_the_folder_is_refused_and_its_hash_never_printed(kb, db, outside):
    (kb / "sources" / "link.txt").symlink_to(outside)
    entry(kb, file="link.txt", sha256="0" * 64)  # a wrong sha256: the old error printed the real one
    line = build_fails(kb, db, f"{kb / 'sources' / 'link.txt'} is outside {kb / 'sources'}")
    assert hashlib.sha256(outside.read_bytes()).hexdigest() not in line


def test_3_dev_zero_is_refused_before_a_byte_is_read(kb, db):
    (kb / "sources" / "zero.txt").symlink_to("/dev/zero")
    entry(kb, file="zero.txt")
    with alarm(60):
        build_fails(kb, db, "is outside")


def test_3_a_fifo_is_refused_without_waiting_for_a_writer(kb, db):
    os.mkfifo(kb / "sources" / "pipe.txt")
    entry(kb, file="pipe.txt")
    with alarm(60):
        build_fails(kb, db, "pipe.txt is a FIFO (named pipe), not a regular file")


def test_3_a_folder_as_source_is_refused(kb, db):
    (kb / "sources" / "folder.txt").mkdir()
    entry(kb, file="folder.txt")
    build_fails(kb, db, "folder.txt is a folder, not a regular file")


def test_3_6_a_source_over_the_size_limit_is_refused_before_it_is_read(kb, db, tmp_path):
    big = kb / "sources" / "big.txt"
    with open(big, "wb") as f:  # sparse: 21 MB on paper, nothing on disk
        f.truncate(21 * 1024 * 1024)
    entry(kb, file="big.txt")
    build_fails(kb, db, "big.txt is 22,020,096 bytes, over the limit of 20,971,520; split it or trim it")
    line = one_line(invoke("add", big, "--kb", kb, "--publisher", "X", "--jurisdiction", "CA", "--kind", "generic"))
    assert "over the limit of 20,971,520" in line


def test_3_a_manifest_linked_from_outside_is_refused(kb, db, tmp_path):
    real = tmp_path / "elsewhere.yaml"
    shutil.move(kb / "sources" / "manifest.yaml", real)
    (kb / "sources" / "manifest.yaml").symlink_to(real)
    build_fails(kb, db, "manifest.yaml is outside")


def test_3_an_annotation_file_linked_from_outside_is_refused(kb, db, tmp_path):
    real = tmp_path / "ann.yaml"
    real.write_text("records: []\n", encoding="utf-8")
    (kb / "annotations" / "linked.yaml").symlink_to(real)
    build_fails(kb, db, "linked.yaml is outside")


# --- 4. an alias bomb; 11. duplicate keys; YAML that is not data ----------------------------

BOMB = "\n".join(["  options:", "    a: &a [x, x, x, x, x, x, x, x, x]"] +
                 [f"    {c}: &{c} [{', '.join([f'*{p}'] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")])


def line_of(kb: Path, text: str, path: str = "sources/manifest.yaml") -> int:
    """The number of the first line of a knowledge folder's file that holds `text`."""
    lines = (kb / path).read_text(encoding="utf-8").splitlines()
    return next(i for i, ln in enumerate(lines, 1) if text in ln)


def _manifest_with(kb: Path, extra_lines: str) -> None:
    """The manifest with `extra_lines` (keys of the entry, indented by two) after its `kind`."""
    path = kb / "sources" / "manifest.yaml"
    text = path.read_text(encoding="utf-8")
    assert "\n  kind: approved_product_list\n" in text
    path.write_text(text.replace("\n  kind: approved_product_list\n", f"\n  kind: approved_product_list\n{extra_lines}\n"),
                    encoding="utf-8")


def test_4_an_alias_bomb_in_options_is_refused_at_once(kb, db):
    _manifest_with(kb, BOMB)
    with alarm(30):
        build_fails(kb, db, f"manifest.yaml, line {line_of(kb, '*a')}: YAML aliases (*name) and anchors (&name) are not allowed")


def test_11_a_duplicate_key_in_a_manifest_entry_is_refused(kb, db):
    path = kb / "sources" / "manifest.yaml"
    first = line_of(kb, "kind: approved_product_list")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "  kind: approved_product_list\n", "  kind: approved_product_list\n  as_of_note: a note\n  kind: generic\n"), encoding="utf-8")
    build_fails(kb, db, f"manifest.yaml, line {first + 2}: duplicate key 'kind' (also on line {first})")


@pytest.mark.parametrize("value, expected", [
    ("!!python/object/apply:os.system ['true']", "the tag !!python/object/apply:os.system is not allowed"),
    ("!!binary aGVsbG8=", "the tag !!binary is not allowed"),
    ("[" * 80 + "]" * 80, "nested more than 64 levels deep"),
    ("9" * 5000, "is not a valid int"),
])
def test_yaml_that_is_not_plain_data_is_refused(kb, db, value, expected):
    _manifest_with(kb, f"  options: {{x: {value}}}")
    build_fails(kb, db, expected)


def test_an_annotation_with_a_python_tag_is_refused(kb, db):
    (kb / "annotations" / "evil.yaml").write_text(
        "records:\n  - !!python/object/new:os.system [echo hi]\n", encoding="utf-8")
    build_fails(kb, db, "evil.yaml, line 2: the tag !!python/object/new:os.system is not allowed")


def test_a_duplicate_key_in_the_gazetteer_is_refused(kb, db):
    path = kb / "gazetteer" / "states.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "  CA: Cascadia\n", encoding="utf-8")
    build_fails(kb, db, f"states.yaml, line {len(path.read_text(encoding='utf-8').splitlines())}: duplicate key 'CA' "
                        f"(also on line {line_of(kb, 'CA: California', 'gazetteer/states.yaml')})")


# --- 5. control characters -----------------------------------------------------------------

def test_5_a_nul_in_a_source_is_refused_with_line_and_column(kb, db):
    text = source_bytes(kb, SCE_LIST).decode()
    rewrite_source(kb, SCE_LIST, text.replace("Tesla", "Tes\x00la", 1).encode())
    line_no = text[: text.index("Tesla")].count("\n") + 1
    column = text.index("Tesla") - text.rfind("\n", 0, text.index("Tesla")) + 3
    build_fails(kb, db, f"Error: {SCE_LIST}, line {line_no}: {SCE_FILE} has the control character U+0000 (NUL) at "
                        f"line {line_no}, column {column}")


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x0c", "\x7f", "\x85"])
def test_5_add_refuses_control_characters(kb, tmp_path, char):
    src = tmp_path / "page.txt"
    src.write_text(f"First line.\nSecond {char}line.\n", encoding="utf-8")
    line = one_line(invoke("add", src, "--kb", kb, "--publisher", "X", "--jurisdiction", "NJ", "--kind", "generic"))
    assert f"the control character U+{ord(char):04X}" in line and "at line 2, column 8" in line


# --- 6. long texts -------------------------------------------------------------------------

def test_6_a_source_over_a_million_characters_is_extracted_offsets_intact(kb, db, tmp_path):
    # long lines without a full stop (no passage to judge: cheap), one line of 1.05 million
    # characters, then a sentence with an entity past the millionth character
    words = " ".join(["socket collar adapter meter panel"] * 170)  # 5,779 characters
    text = "\n".join([words] * 10) + "\n" + ("adapter " * 131_250) + "\nThe service is rated 200A and shall be inspected.\n"
    assert len(text) > 1_100_000
    src = tmp_path / "long.txt"
    src.write_text(text, encoding="utf-8")
    result = invoke("add", src, "--kb", kb, "--publisher", "X", "--jurisdiction", "CA", "--kind", "generic",
                    "--voice", "industry", "--id", "long")
    assert result.exit_code == 0, result.output
    result = invoke("build", "--kb", kb, "--db", db, "-q")
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT quote, char_start, char_end FROM candidates WHERE source_id = 'long'").fetchall()
    stored = conn.execute("SELECT text FROM sources WHERE id = 'long'").fetchone()[0]
    conn.close()
    sentence = "The service is rated 200A and shall be inspected."
    assert (sentence, text.index(sentence), text.index(sentence) + len(sentence)) in rows
    assert all(stored[a:b] == q for q, a, b in rows)


# --- 7. --out ------------------------------------------------------------------------------

def test_7_out_never_overwrites_the_database(db):
    before = digest(db)
    line = one_line(invoke("file", "waiver", "--db", db, "--utility", "sce", "--out", db))
    assert line == f"Error: --out {db} is the knowledge base {db}; give the filing a file name of its own"
    one_line(invoke("file", "waiver", "--db", db, "--utility", "sce", "--out", db, "--force"))
    assert digest(db) == before


def test_7_out_refuses_an_existing_file_unless_forced(db, tmp_path):
    out = tmp_path / "waiver.md"
    out.write_text("my notes", encoding="utf-8")
    line = one_line(invoke("file", "waiver", "--db", db, "--utility", "sce", "--out", out, "--format", "md"))
    assert line == f"Error: --out {out} already exists; give another file name, or --force to replace it"
    assert out.read_text(encoding="utf-8") == "my notes"
    forced = invoke("file", "waiver", "--db", db, "--utility", "sce", "--out", out, "--format", "md", "--force")
    assert forced.exit_code == 0, forced.output
    assert out.read_text(encoding="utf-8").startswith("# ")


def test_7_out_never_writes_into_a_knowledge_folder(db, kb):
    for out in (kb / "sources" / "x.docx", kb / "sources" / "manifest.yaml", kb / "new.docx"):
        line = one_line(invoke("file", "waiver", "--db", db, "--utility", "sce", "--out", out, "--force",
                               env={"MSAKB_KB": str(kb)}))
        assert "is inside" in line
    assert not (kb / "new.docx").exists()


def test_8_out_in_a_missing_folder(db, tmp_path):
    line = one_line(invoke("file", "waiver", "--db", db, "--utility", "sce", "--out", tmp_path / "no" / "such" / "w.docx"))
    assert line == f"Error: --out {tmp_path / 'no' / 'such' / 'w.docx'}: the folder {tmp_path / 'no' / 'such'} does not exist; create it first (or fix the path)"
    assert not (tmp_path / "no").exists()


# --- 8. tracebacks instead of one line ------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["check", "--utility", "sce"], ["file", "waiver", "--utility", "sce", "--out", "{out}"], ["diff", "a", "b"],
    ["review"], ["review", "accept", "c-000000000000"], ["review", "reject", "c-000000000000"],
])
def test_8_a_db_that_is_not_sqlite(tmp_path, kb, args):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database at all\n" * 200)
    args = [a.replace("{out}", str(tmp_path / "w.docx")) for a in args]
    line = one_line(invoke(*args, "--db", junk, "--kb", kb) if args[0] == "review" else invoke(*args, "--db", junk))
    assert line.startswith(f"Error: not a msakb database: {junk} (file is not a database); ")
    assert not (tmp_path / "w.docx").exists()


@pytest.mark.parametrize("content", ["sqlite", "text"])
def test_8_build_never_replaces_a_file_msakb_did_not_build(tmp_path, kb, content):
    """`msakb build --db` naming someone's own file (a SQLite database of theirs, notes) must not
    replace it with a knowledge base."""
    theirs = tmp_path / "theirs.db"
    if content == "sqlite":
        sqlite3.connect(theirs).execute("CREATE TABLE t (x)").connection.commit()
    else:
        theirs.write_text("my notes\n")
    line = build_fails(kb, theirs, f"Error: {theirs} exists and is not a knowledge base built by msakb (")
    assert line.endswith("; give --db a new file name, or delete the file and build again")


def test_8_init_refuses_a_folder_inside_the_seed_corpus(tmp_path, monkeypatch):
    """`msakb init kb/mine` from a checkout would copy the seed corpus into itself without end."""
    seed = Path(shutil.copytree(KB, tmp_path / "seed"))
    monkeypatch.setattr("msakb.knowledge.folder.seed_folder", lambda: seed)
    line = one_line(invoke("init", seed / "mine"))
    assert line == (f"Error: {seed / 'mine'} is inside the seed corpus {seed}, which msakb init copies; "
                    "choose a folder outside it")
    assert not (seed / "mine").exists()


def test_8_a_sqlite_file_that_is_not_a_knowledge_base(tmp_path):
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    line = one_line(invoke("check", "--db", other, "--utility", "sce"))
    assert line.startswith(f"Error: not a msakb database: {other} (no such table: utilities)")


def test_8_a_manifest_that_is_not_utf8(kb, db):
    path = kb / "sources" / "manifest.yaml"
    line = line_of(kb, "publisher: Southern")
    path.write_bytes(path.read_bytes().replace(b"Southern California Edison", "Southern Califórnia Edison".encode("latin-1")))
    build_fails(kb, db, f"manifest.yaml, line {line}: not valid UTF-8 (byte 0xf3")


def _readonly_setup(kb: Path, db: Path):
    """A world-readable copy of kb and db in a folder made read-only (0555)."""
    root = world_readable_dir()
    shutil.copytree(kb, root / "kb")
    shutil.copy(db, root / "msakb.db")
    (root / "out").mkdir()
    open_up(root)
    return root


def test_8_read_only_places_end_in_one_line(kb, db, tmp_path):
    # The child runs as `nobody` when the tests run as root, and nobody may not read the
    # Python installation under /root: everything the commands import is imported here first.
    page = tmp_path / "page.txt"
    page.write_text("Warm-up.\n", encoding="utf-8")
    assert invoke("file", "waiver", "--db", db, "--utility", "sce", "--out", tmp_path / "w.docx").exit_code == 0
    warm = shutil.copytree(kb, tmp_path / "warm")
    assert invoke("add", page, "--kb", warm, "--publisher", "X", "--jurisdiction", "NJ", "--kind", "generic",
                  "--voice", "industry").exit_code == 0
    root = _readonly_setup(kb, db)
    try:
        src = root / "page.txt"
        src.write_text("The meter collar adapter shall be approved.\n", encoding="utf-8")
        src.chmod(0o644)
        for folder in (root / "kb" / "sources", root / "out", root):
            folder.chmod(0o555)
        before = digest(root / "msakb.db")
        code, out, exc = in_child(lambda: invoke("build", "--kb", root / "kb", "--db", root / "msakb.db", "-q"),
                                  as_nobody=True)
        assert code == 1 and exc in ("None", "SystemExit(1)"), (out, exc)
        lines = [ln for ln in out.splitlines() if not ln.startswith("warning: ")]
        assert lines == [f"Error: cannot write {root / 'msakb.db'}: its folder {root} is read-only (or not yours); "
                         "choose a --db path you can write to"], out
        assert digest(root / "msakb.db") == before
        code, out, exc = in_child(lambda: invoke("add", src, "--kb", root / "kb", "--publisher", "X", "--jurisdiction",
                                                 "NJ", "--kind", "generic", "--voice", "industry"), as_nobody=True)
        assert code == 1 and len(out.splitlines()) == 1 and "permission denied" in out, (out, exc)
        code, out, exc = in_child(lambda: invoke("file", "waiver", "--db", root / "msakb.db", "--utility", "sce",
                                                 "--out", root / "out" / "w.docx"), as_nobody=True)
        assert code == 1 and len(out.splitlines()) == 1 and "permission denied: choose a place you can write to" in out, out
        assert temp_files(root / "kb" / "sources") == [] and temp_files(root / "out") == [] and temp_files(root) == []
    finally:
        for folder in (root / "kb" / "sources", root / "out", root):
            folder.chmod(0o755)
        shutil.rmtree(root)


def test_8_a_full_disk_leaves_the_database_and_no_temporary_file(kb, db):
    before = digest(db)
    text = source_bytes(kb, SCE_LIST).decode()
    rewrite_source(kb, SCE_LIST, (text + "\nAn added line.\n").encode())
    # Writes past 256 KB fail (EFBIG, as ENOSPC would): the database is larger.
    code, out, exc = in_child(lambda: invoke("build", "--kb", kb, "--db", db, "-q"), file_size_limit=256 * 1024)
    lines = [ln for ln in out.splitlines() if not ln.startswith("warning: ")]
    assert code == 1 and len(lines) == 1, (out, exc)
    assert lines[0].startswith(f"Error: cannot write {db}: ") and "free some space and run again" in lines[0], lines[0]
    assert digest(db) == before
    assert temp_files(db.parent) == [] and temp_files(db.with_name(db.name + ".cache")) == []


def test_8_building_into_a_missing_place_is_one_line(kb, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    line = one_line(invoke("build", "--kb", kb, "--db", blocker / "msakb.db", "-q"))
    assert line == f"Error: {blocker}: it exists and is in the way (a file where a folder is needed): check the path"


# --- 9. check's numbers ----------------------------------------------------------------------

@pytest.mark.parametrize("value", ["-200", "0", "nan", "NaN", "inf", "-inf", "1e400", "0x10", ""])
def test_9_check_refuses_what_is_no_rating(db, value):
    if value == "":
        result = invoke("check", "--db", db, "--utility", "sce", "--service-amps", value)
        assert result.exit_code == 0  # not given: asked for by name, never assumed
        return
    line = one_line(invoke("check", "--db", db, "--utility", "sce", "--service-amps", value))
    assert line.startswith(f"Error: --service-amps: '{value}' ")


def test_9_check_conduit_types_come_from_a_list(db):
    line = one_line(invoke("check", "--db", db, "--utility", "sce", "--conduit", "power=banana"))
    assert line == "Error: --conduit power=TYPE: 'banana' is not one of liquid-tight, emt, pvc, rigid, none"
    ok = invoke("check", "--db", db, "--utility", "sce", "--conduit", "power=Liquid-Tight", "--json")
    assert ok.exit_code == 0
    json.loads(ok.output, parse_constant=lambda c: pytest.fail(f"{c} in --json output"))


# --- more -------------------------------------------------------------------------------------

def test_review_set_values_are_plain_data(kb):
    from msakb.knowledge.review import parse_sets

    bomb = "[&a [x,x,x,x,x,x,x,x,x], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a], [*b,*b,*b,*b,*b,*b,*b,*b,*b]]"
    assert parse_sets([f"notes={bomb}", "rated_amps=200", "x=!!python/object/apply:os.system [true]"]) == ({
        "notes": bomb, "rated_amps": 200, "x": "!!python/object/apply:os.system [true]"}, {})


def test_usage_errors_are_one_line_too(db):
    line = one_line(invoke("check", "--db", db, "--phase", "two"), exit_code=2)
    assert line == "Error: Invalid value for '--phase': 'two' is not one of 'single', 'three'. (see msakb check --help)"
    assert one_line(invoke("nope"), exit_code=2) == "Error: No such command 'nope'. (see msakb --help)"


def test_msakb_alone_shows_its_help():
    """A usage error is one line, but `msakb` with no verb is a request for the help, not an
    error to squeeze into a line (its new lines printed as \\n)."""
    result = invoke()
    assert result.output.startswith("Usage: msakb [OPTIONS] COMMAND [ARGS]...\n")
    assert "\nCommands:\n  init " in result.output
    assert "\\n" not in result.output and "Error" not in result.output


def test_a_knowledge_folder_that_is_a_file(tmp_path, db):
    (tmp_path / "kbfile").write_text("x", encoding="utf-8")
    line = one_line(invoke("build", "--kb", tmp_path / "kbfile", "--db", db, "-q"), exit_code=2)
    assert line == f"Error: Invalid value for '--kb': Directory '{tmp_path / 'kbfile'}' is a file. (see msakb build --help)"
