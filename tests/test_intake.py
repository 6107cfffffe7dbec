"""`msakb add`: a new source is copied byte for byte, its manifest entry appended (comments
kept, sha256 pinned, validated), and a file already present or an id already taken is
refused, naming the source that has it; nothing is written on refusal."""

from __future__ import annotations

import hashlib

import yaml

from msakb.knowledge.manifest import load_manifest
from tests.intake_sources import PROSE_PAGE, invoke


def _files(kb):
    return sorted(p.name for p in (kb / "sources").iterdir())


def test_add_copies_bytes_and_appends_entry(kb_copy, tmp_path):
    data = PROSE_PAGE.encode("utf-8")
    src = tmp_path / "eversource.txt"
    src.write_bytes(data)
    before = (kb_copy / "sources" / "manifest.yaml").read_text(encoding="utf-8")
    n = len(load_manifest(kb_copy / "sources" / "manifest.yaml").sources)
    result = invoke("add", src, "--publisher", "Eversource", "--jurisdiction", "CT", "--kind", "generic",
                    "--utility", "eversource-ct", "--as-of", "2026-05-01", "--url", "https://www.eversource.com/msa",
                    "--kb", kb_copy)
    assert result.exit_code == 0, result.output
    digest = hashlib.sha256(data).hexdigest()
    name = f"{n:03d}_{digest[:16]}.txt"
    assert result.output == f"added source eversource-2026-05-01 as {kb_copy / 'sources' / name} (sha256 {digest[:12]}…, kind generic)\n"
    assert (kb_copy / "sources" / name).read_bytes() == data
    after = (kb_copy / "sources" / "manifest.yaml").read_text(encoding="utf-8")
    assert after.startswith(before)  # appended as text: the comments stay
    assert after.count("# ") == before.count("# ")
    entry = load_manifest(kb_copy / "sources" / "manifest.yaml").sources[-1]
    assert entry.model_dump(exclude_none=True, exclude_defaults=True) == {
        "id": "eversource-2026-05-01", "file": name, "title": "Meter Socket Adapters | Eversource",
        "publisher": "Eversource", "jurisdiction": "CT", "utility": "eversource-ct",
        "url": "https://www.eversource.com/msa", "as_of": entry.as_of, "kind": "generic", "voice": "utility",
        "sha256": digest,
    }
    assert entry.as_of.isoformat() == "2026-05-01"


def test_re_adding_a_file_is_refused_naming_the_source(kb_copy, tmp_path):
    seed = load_manifest(kb_copy / "sources" / "manifest.yaml").sources[0]
    copy = tmp_path / "again.txt"
    copy.write_bytes((kb_copy / "sources" / seed.file).read_bytes())
    files, manifest = _files(kb_copy), (kb_copy / "sources" / "manifest.yaml").read_bytes()
    result = invoke("add", copy, "--publisher", "X", "--jurisdiction", "CA", "--kind", "generic", "--kb", kb_copy)
    assert result.exit_code == 1
    assert result.output == (f"Error: {copy}: already in the knowledge base as source {seed.id!r} "
                             f"(kb/sources/{seed.file}, same sha256)\n")
    assert _files(kb_copy) == files and (kb_copy / "sources" / "manifest.yaml").read_bytes() == manifest


def test_an_id_clash_is_refused(kb_copy, tmp_path):
    seed = load_manifest(kb_copy / "sources" / "manifest.yaml").sources[1]
    src = tmp_path / "new.txt"
    src.write_text("The meter collar adapter shall be approved.\n", encoding="utf-8")
    result = invoke("add", src, "--publisher", "X", "--jurisdiction", "CA", "--kind", "generic", "--id", seed.id,
                    "--kb", kb_copy)
    assert result.exit_code == 1
    assert result.output == (f"Error: source id {seed.id!r} is already used by {seed.title!r} "
                             f"(kb/sources/{seed.file}); choose another with --id\n")


def test_non_utf8_is_refused_with_its_byte_offset(kb_copy, tmp_path):
    src = tmp_path / "latin1.txt"
    src.write_bytes("Meter collars\nare approv\u00e9s\n".encode("latin-1"))
    files = _files(kb_copy)
    result = invoke("add", src, "--publisher", "X", "--jurisdiction", "CA", "--kind", "generic", "--kb", kb_copy)
    assert result.exit_code == 1
    assert result.output == (f"Error: {src}: not valid UTF-8 at byte 24 (line 2, byte 0xe9); convert it to UTF-8 "
                             "(e.g. iconv -f windows-1252 -t utf-8) and add it again\n")
    assert _files(kb_copy) == files


def test_bad_options_are_refused_before_writing(kb_copy, tmp_path):
    src = tmp_path / "page.txt"
    src.write_text("The meter collar adapter shall be approved.\n", encoding="utf-8")
    files = _files(kb_copy)
    bad_kind = invoke("add", src, "--publisher", "X", "--jurisdiction", "CA", "--kind", "webpage", "--kb", kb_copy)
    assert bad_kind.exit_code == 1
    assert bad_kind.output.startswith("Error: --kind 'webpage' is not a known kind; known kinds: ")
    assert "generic" in bad_kind.output
    bad_state = invoke("add", src, "--publisher", "X", "--jurisdiction", "ca", "--kind", "generic", "--kb", kb_copy)
    assert bad_state.output == "Error: --jurisdiction: must be a two-letter upper-case code such as CA or US\n"
    no_state = invoke("add", src, "--publisher", "X", "--voice", "regulator", "--jurisdiction", "ZZ", "--kind", "generic",
                      "--kb", kb_copy)
    assert no_state.output == ("Error: --jurisdiction 'ZZ' is not a state of kb/gazetteer/states.yaml, nor US; "
                               "give the code of the state the source is about, such as CA\n")
    bad_utility = invoke("add", src, "--publisher", "X", "--jurisdiction", "CA", "--kind", "generic",
                         "--utility", "nope", "--kb", kb_copy)
    assert bad_utility.output.startswith("Error: --utility 'nope' is not in kb/gazetteer/utilities.yaml; known: ")
    assert _files(kb_copy) == files


def test_a_generic_source_builds_with_no_facts_of_its_own(kb_copy, tmp_path):
    from msakb.db.pipeline.builder import build
    from tests.kbtools import keep_sources

    keep_sources(kb_copy, ["sce-approved-products-2026-04-12"])
    src = tmp_path / "page.txt"
    src.write_text(PROSE_PAGE, encoding="utf-8")
    assert invoke("add", src, "--publisher", "Eversource", "--voice", "utility", "--jurisdiction", "CT",
                  "--kind", "generic", "--id", "page", "--kb", kb_copy).exit_code == 0
    result = build(tmp_path / "kb.db", kb_copy)
    assert result.per_source["page"] == {}
    manifest = yaml.safe_load((kb_copy / "sources" / "manifest.yaml").read_text(encoding="utf-8"))
    assert [s["id"] for s in manifest["sources"]] == ["sce-approved-products-2026-04-12", "page"]


def test_who_speaks_must_be_said(kb_copy, tmp_path):
    """A source's rows say who states them: without --utility (a utility's own document),
    --voice is required; with it, the entry records voice utility."""
    src = tmp_path / "page.txt"
    src.write_text(PROSE_PAGE, encoding="utf-8")
    files = _files(kb_copy)
    result = invoke("add", src, "--publisher", "KiloWire", "--jurisdiction", "CA", "--kind", "generic", "--kb", kb_copy)
    assert result.exit_code == 1
    assert result.output == (
        "Error: --voice: say who speaks in the source: voice is one of legislature, regulator, utility, "
        "working_group, industry, manufacturer, installer (it may be left out only for a utility's own source, "
        "with `utility`)\n")
    assert _files(kb_copy) == files
    result = invoke("add", src, "--publisher", "KiloWire", "--voice", "installer", "--jurisdiction", "CA",
                    "--kind", "generic", "--kb", kb_copy)
    assert result.exit_code == 0, result.output
    entry = load_manifest(kb_copy / "sources" / "manifest.yaml").sources[-1]
    assert (entry.voice, entry.speaker_name) == ("installer", "KiloWire")
