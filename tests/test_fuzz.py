"""Property-based fuzzing (hypothesis, derandomized: the same examples every run) of what
msakb reads: the manifest, annotations, rules, pattern files, sources, and every verb's
arguments. Whatever the input: no exception but the project's own (a command: exit 0, or 1
or 2 with one line `Error: ...`), the last good database byte for byte as it was, and nothing
read from outside the knowledge folder (an audit hook watches every file opened).

The knowledge folder is one source (the SCE list), built once; the targets that read files
run their loader on the fuzzed file, the commands run in-process (click's CliRunner)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import string
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msakb.db.derive.rules import check_rule, load_rule_files
from msakb.errors import MsakbError
from msakb.extract.parsers import PARSERS
from msakb.extract.candidates.extractor import propose
from msakb.extract.shared.pattern_models import MODELS
from msakb.extract.shared.patterns import pattern_file
from msakb.extract.shared.records import SourceDoc
from msakb.knowledge.annotations import load_annotations
from msakb.knowledge.gazetteer import load_gazetteer
from msakb.knowledge.manifest import SourceEntry, load_manifest, read_source
from msakb.knowledge.yamlfile import dump_yaml
from tests.hostile_kit import SCE_FILE, SCE_LIST, digest, invoke, make_one_source_kb
from tests.kbtools import REPO, db_rows

_FUZZ = settings(derandomize=True, deadline=None, database=None, print_blob=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                        HealthCheck.data_too_large, HealthCheck.filter_too_much])


def fuzz(examples: int) -> settings:
    """Seeded (derandomized) settings with `examples` examples."""
    return settings(_FUZZ, max_examples=examples)

# --- what was opened ------------------------------------------------------------------------

_OPENED: list[str] | None = None


def _audit(event, args):
    if _OPENED is not None and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        _OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)


@contextmanager
def watching():
    """The paths opened inside the block (symlinks resolved)."""
    global _OPENED
    _OPENED = []
    seen: list[str] = []
    try:
        yield seen
    finally:
        seen.extend(os.path.realpath(p) for p in _OPENED)
        _OPENED = None


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A one-source knowledge folder, its database, a secret outside it and a link to it in sources/."""
    root = tmp_path_factory.mktemp("fuzz")
    kb = make_one_source_kb(root / "kb")
    (root / "outside").mkdir()
    secret = root / "outside" / "secret.txt"
    secret.write_text("the secret outside the knowledge folder\n", encoding="utf-8")
    (kb / "sources" / "secret-link.txt").symlink_to(secret)
    db = root / "msakb.db"
    assert invoke("build", "--kb", kb, "--db", db, "-q").exit_code == 0
    rows = {t: db_rows(db, f"SELECT * FROM {t}") for t in ("restrictions", "devices")}
    return {"root": root, "kb": kb, "db": db, "secret": str(secret.resolve()), "rows": rows}


@pytest.fixture(scope="module")
def scratch(base, tmp_path_factory) -> Path:
    """A copy of the knowledge folder whose manifest the loader targets rewrite."""
    return Path(shutil.copytree(base["kb"], tmp_path_factory.mktemp("scratch") / "kb", symlinks=True))


def fresh(base, tmp) -> tuple[Path, Path]:
    """A copy of the knowledge folder (links kept) and of the database, in `tmp`."""
    kb = Path(shutil.copytree(base["kb"], Path(tmp) / "kb", symlinks=True))
    db = Path(tmp) / "msakb.db"
    shutil.copy(base["db"], db)
    return kb, db


# --- strategies -------------------------------------------------------------------------------

YAML_BITS = ["&a", "*a", "<<: *a", "!!python/object/apply:os.system ['true']", "!!binary aGk=", "!!set {a}", "{", "}",
             "[", "]", ":", "- ", "? ", "|", ">", "#", "'", '"', "\t", "\x00", "\ufeff", "---", "...", "%YAML 1.1",
             "~", "null", "yes", "0x1F", "1e999", "2025-13-45", "9" * 60, "..", "../../outside/secret.txt",
             "secret-link.txt", "/etc/passwd", "/dev/zero", "javascript:alert(1)", "http://x", "é", "日本"]
KEYS = ["id", "file", "title", "publisher", "jurisdiction", "utility", "url", "as_of", "as_of_note", "kind", "voice",
        "sha256", "expect", "options", "sources", "records", "rules", "table", "quote", "values", "occurrence", "x"]


def yaml_line():
    token = st.sampled_from(YAML_BITS + KEYS) | st.text(string.printable, max_size=12)
    return st.lists(token, min_size=1, max_size=6).map(" ".join) | st.builds(
        lambda indent, key, value: " " * indent + f"{key}: {value}", st.integers(0, 6), st.sampled_from(KEYS), token)


def mutated(text: str):
    """`text` with a few lines replaced, inserted or deleted."""
    lines = text.split("\n")

    def apply(edits):
        out = list(lines)
        for op, at, line in edits:
            i = at % (len(out) + 1)
            if op == "insert":
                out.insert(i, line)
            elif out:
                i = min(i, len(out) - 1)
                if op == "replace":
                    out[i] = line
                else:
                    del out[i]
        return "\n".join(out)

    edit = st.tuples(st.sampled_from(["insert", "replace", "delete"]), st.integers(0, 10_000), yaml_line())
    return st.lists(edit, min_size=1, max_size=4).map(apply)


scalars = (st.none() | st.booleans() | st.integers(-10**6, 10**20) | st.floats(allow_nan=True)
           | st.text(max_size=30) | st.sampled_from(YAML_BITS) | st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=3), max_leaves=6)
small = scalars | st.lists(scalars, max_size=3)  # cheaper to draw, where the shape matters less


def _only_ours(call):
    """call(), letting only the project's own errors through."""
    try:
        return call()
    except MsakbError:
        return None


def _not_outside(seen: list[str], base) -> None:
    assert base["secret"] not in seen, "the secret outside the knowledge folder was opened"


# --- the manifest -----------------------------------------------------------------------------

def _read_manifest_and_sources(kb: Path, base) -> None:
    """Load the manifest and read each source it lists: only the project's errors, nothing
    opened outside the knowledge folder."""
    with watching() as seen:
        manifest = _only_ours(lambda: load_manifest(kb / "sources" / "manifest.yaml"))
        for e in manifest.sources if manifest else []:
            _only_ours(lambda: read_source(e, kb / "sources"))
    _not_outside(seen, base)


@fuzz(300)
@given(data=st.data())
def test_fuzz_manifest_text(base, scratch, data):
    kb = scratch
    path = kb / "sources" / "manifest.yaml"
    text = data.draw(mutated((base["kb"] / "sources" / "manifest.yaml").read_text(encoding="utf-8")))
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _read_manifest_and_sources(kb, base)


@fuzz(200)
@given(changes=st.dictionaries(st.sampled_from(KEYS), values, min_size=1, max_size=4),
       file=st.sampled_from([SCE_FILE, "secret-link.txt", "../outside/secret.txt", "../../outside/secret.txt",
                             "/etc/passwd", "/dev/zero", "sources", ".", "", "a/b.txt", "x\x00.txt"]))
def test_fuzz_manifest_entries(base, scratch, changes, file):
    kb = scratch
    path = kb / "sources" / "manifest.yaml"
    data = load_manifest(base["kb"] / "sources" / "manifest.yaml").model_dump(mode="json", exclude_none=True)
    data["sources"][0].update({"file": file, **changes})
    path.write_text(dump_yaml(data), encoding="utf-8")
    _read_manifest_and_sources(kb, base)


@fuzz(25)
@given(changes=st.dictionaries(st.sampled_from(["title", "url", "kind", "options", "expect", "as_of", "file", "voice"]),
                               values, min_size=1, max_size=3))
def test_fuzz_build_with_a_fuzzed_manifest_entry(base, changes):
    """The whole build: exit 0, or 1 with one line and the database as it was."""
    with tempfile.TemporaryDirectory() as tmp:
        kb, db = fresh(base, tmp)
        path = kb / "sources" / "manifest.yaml"
        data = load_manifest(path).model_dump(mode="json", exclude_none=True)
        data["sources"][0].update(changes)
        path.write_text(dump_yaml(data), encoding="utf-8")
        before = digest(db)
        with watching() as seen:
            result = invoke("build", "--kb", kb, "--db", db, "-q")
        _check_command(result, db, before, may_change=True)
        _not_outside(seen, base)


# --- annotations and rules --------------------------------------------------------------------

@fuzz(200)
@given(data=st.data())
def test_fuzz_annotations(base, data):
    text = (base["kb"] / "sources" / SCE_FILE).read_text(encoding="utf-8")
    quote = st.one_of(st.integers(0, len(text) - 1).flatmap(
        lambda a: st.integers(a, min(len(text), a + 200)).map(lambda b: text[a:b])), st.text(max_size=20))
    record = st.fixed_dictionaries({"table": st.sampled_from(["restrictions", "devices", "nope", ""]) | small,
                                    "quote": quote | small},
                                   optional={"values": small | st.fixed_dictionaries({"id": st.text(max_size=10)}),
                                             "occurrence": small, "source": st.just(SCE_LIST) | small,
                                             "mention": small, "rule": small, "junk": small})
    doc = data.draw(st.fixed_dictionaries({"records": st.lists(record, max_size=4) | small},
                                          optional={"source": st.just(SCE_LIST) | small, "reviewed_by": small}))
    raw = data.draw(st.just(dump_yaml(doc)) | mutated(dump_yaml(doc)))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "kb" / "annotations"
        folder.mkdir(parents=True)
        (folder / "fuzz.yaml").write_text(raw, encoding="utf-8")
        records = _only_ours(lambda: load_annotations(folder, {SCE_LIST: text}))
        for r in records or []:
            assert text[r.span.start:r.span.end] == r.span.raw


@fuzz(150)
@given(data=st.data())
def test_fuzz_rules(base, data):
    rows = base["rows"]
    restrictions = [r["id"] for r in rows["restrictions"]]
    leaf = st.fixed_dictionaries({"field": st.sampled_from(["service_amps", "phase", "device.isolating", "nope"]) | small,
                                  "op": st.sampled_from(["<", "<=", "equals", "in", "between", "~"]) | small},
                                 optional={"value": small, "value_field": small, "values_from": small})
    cond = st.recursive(leaf, lambda inner: st.fixed_dictionaries({"all": st.lists(inner, max_size=3)})
                        | st.fixed_dictionaries({"not": inner}), max_leaves=5) | small
    rule = st.fixed_dictionaries({"id": st.sampled_from(["r-1", "R 1", ""]) | small,
                                  "restriction": st.sampled_from(restrictions) | small, "says": small,
                                  "fields": st.lists(st.sampled_from(["service_amps", "phase"]), max_size=2) | small,
                                  "require": cond}, optional={"when": cond, "devices": small})
    doc = data.draw(st.fixed_dictionaries({"utility": st.just("sce") | small, "rules": st.lists(rule, max_size=3)}))
    raw = data.draw(st.just(dump_yaml(doc)) | mutated(dump_yaml(doc)))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "kb" / "rules"
        folder.mkdir(parents=True)
        (folder / "fuzz.yaml").write_text(raw, encoding="utf-8")
        files = _only_ours(lambda: load_rule_files(folder))
        for name, rf in files or []:
            for r in rf.rules:
                _only_ours(lambda: check_rule(name, rf.utility, r, rows))


# --- pattern files --------------------------------------------------------------------------

@fuzz(300)
@given(name=st.sampled_from(sorted(MODELS)), data=st.data())
def test_fuzz_pattern_files(name, data):
    original = (REPO / "extract" / "patterns" / name).read_text(encoding="utf-8")
    text = data.draw(mutated(original))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        _only_ours(lambda: pattern_file(name, path))


# --- sources ------------------------------------------------------------------------------------

SOURCE_BITS = ["\t", "\n", "\r\n", "# ", "## ", "- ", "1. ", "(a) ", "<li>", "</li>", "<p>", "<b>", "|", "200A", "120/240",
               "VAC", "60 Hz", "2S", "UL 414", "ANSI C12.7", "$25", "shall", "must not", "approved", "pilot",
               "SCE", "PSE&G", "Tesla Backup Switch", "ConnectDER EV", "Decision 24-08-002", "Order No. 26",
               "by March 1, 2026", "within 30 days", "Frequently Asked Questions", "Status", "Manufacturer",
               "Model Number", "Isolating", "Y", "N", "\u00a0", "—", "“", "”", "é", "x" * 300]


@fuzz(150)
@given(kind=st.sampled_from(sorted(PARSERS)),
       text=st.lists(st.sampled_from(SOURCE_BITS) | st.text(max_size=8), max_size=60).map("".join))
def test_fuzz_sources_through_every_parser(base, kind, text):
    gaz = load_gazetteer(str(base["kb"] / "gazetteer"))
    entry = SourceEntry(id="fuzz", file="fuzz.txt", title="t", publisher="p", jurisdiction="CA", as_of=None,
                        kind=kind, sha256="0" * 64, utility="sce", options={"device": "connectder-ev"})
    doc = SourceDoc("fuzz", text, entry)
    records = _only_ours(lambda: list(PARSERS[kind](doc, gaz))) or []
    for r in records:
        assert r.span.text is text and 0 <= r.span.start <= r.span.end <= len(text)
    for c in propose(doc, gaz):
        assert 0 <= c["start"] <= c["end"] <= len(text)


@fuzz(150)
@given(data=st.binary(max_size=300) | st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_fuzz_source_bytes(scratch, data):
    import hashlib

    (scratch / "sources" / "f.txt").write_bytes(data)
    entry = SourceEntry(id="f", file="f.txt", title="t", publisher="p", jurisdiction="CA", as_of=None,
                        kind="generic", voice="industry", sha256=hashlib.sha256(data).hexdigest())
    text = _only_ours(lambda: read_source(entry, scratch / "sources"))
    if text is not None:
        assert text.encode("utf-8") == data


# --- every verb's arguments -----------------------------------------------------------------------

def _check_command(result, db: Path, before: str, may_change: bool = False) -> None:
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code != 0:
        lines = [ln for ln in result.output.splitlines() if ln.strip() and not ln.startswith("warning: ")]
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    if result.exit_code != 0 or not may_change:
        assert digest(db) == before
    assert not [p for p in db.parent.iterdir() if p.name.startswith(f".{db.name}.tmp")]


JUNK = ["", " ", "-", "--", "..", "../outside/secret.txt", "/dev/zero", "/etc/passwd", "nan", "-1", "0", "1e999",
        "x" * 500, "é", "\u202e", "a=b", "=", "power=banana", "comm=emt", "c-000000000000", "sce", "pseg", "CA", "CT",
        SCE_LIST, "waiver", "restrictions", "oem-application", "order-26", "program-redline", "docx", "md",
        "tesla-backup-switch-1624171-xx-y", "category=eligibility", "rated_amps=200", "id=x", "200", "yes", "single"]

# Each verb: a valid invocation (positional words, then options) that the fuzzer keeps, changes
# or drops word by word, and the options it may add.
VERBS = {
    "check": ([], {"--utility": "sce", "--service-amps": "200", "--phase": "single", "--conduit": "power=emt"},
              ["--state", "--device", "--voltage", "--jaws", "--der-amps", "--instrument-rated", "--json"]),
    "diff": ([SCE_LIST, SCE_LIST], {}, ["--json"]),
    "file": (["waiver"], {"--utility": "sce", "--format": "md"},
             ["--state", "--device", "--oem", "--docket", "--old", "--new", "--force"]),
    "review": (["@candidate-verb", "@candidate"], {"--set": "category=eligibility"},
               ["--table", "--reason", "--source", "--json"]),
    "add": (["@page"], {"--publisher": "X", "--jurisdiction": "NJ", "--kind": "generic", "--voice": "industry"},
            ["--as-of", "--url", "--title", "--utility", "--id"]),
    "build": ([], {}, ["--quiet", "--report"]),
    "init": (["new-kb"], {}, []),
    "serve": ([], {"--no-build": None, "--port": "@port"}, ["--host", "--sql-time-limit-ms"]),
    "bench": ([], {"--sizes": "seeds", "--repeat": "1"}, ["--out", "--results"]),
}
FLAGS = {"--json", "--force", "--quiet", "--report", "--no-build"}
KEEP, CHANGE, DROP = "keep", "change", "drop"


@pytest.fixture
def quiet_serve_and_bench(monkeypatch):
    """`serve` stops where it would start serving, `bench` where it would measure."""
    import uvicorn

    import bench.run

    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: None)
    monkeypatch.setattr(bench.run, "run_bench", lambda *a, **k: None)


def invocation(verb: str):
    """Words of an invocation of `verb`: its valid one, each word kept, changed or dropped,
    plus a few options of its own with junk values."""
    positional, options, extra = VERBS[verb]
    junk = st.sampled_from(JUNK) | st.text(max_size=6)
    fate = st.sampled_from([KEEP, KEEP, CHANGE, DROP])

    def word(w):
        return st.tuples(fate, junk).map(lambda fj: [] if fj[0] == DROP else [w if fj[0] == KEEP else fj[1]])

    def option(name, value):
        def build(fj):
            f, j = fj
            if f == DROP:
                return []
            return [name] if value is None else [name, value if f == KEEP else j]
        return st.tuples(fate, junk).map(build)

    parts = [word(w) for w in positional] + [option(k, v) for k, v in options.items()]
    added = st.lists(st.tuples(st.sampled_from(extra or ["--help"]), junk).map(
        lambda oj: [oj[0]] if oj[0] in FLAGS else list(oj)), max_size=2)
    return st.tuples(st.tuples(*parts) if parts else st.just(()), added).map(
        lambda t: [w for p in t[0] for w in p] + [w for p in t[1] for w in p])


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_fuzz_every_verb(base, verb, quiet_serve_and_bench):
    from tests.site_server import free_port

    examples = {"build": 15, "file": 25, "serve": 12, "init": 20}.get(verb, 40)
    candidates = [r["id"] for r in db_rows(base["db"], "SELECT id FROM candidates WHERE status = 'pending' LIMIT 3")]

    @fuzz(examples)
    @given(words=invocation(verb), which=st.sampled_from(["accept", "reject", "edit"]),
           candidate=st.sampled_from(candidates))
    def run(words, which, candidate):
        with tempfile.TemporaryDirectory() as tmp:
            kb, db = fresh(base, tmp)
            page = Path(tmp) / "page.txt"
            page.write_text("The meter collar adapter shall be approved.\n", encoding="utf-8")
            stand_in = {"@page": str(page), "@candidate": candidate, "@candidate-verb": which, "@port": str(free_port())}
            args = [verb] + [stand_in.get(w, w) for w in words]
            if verb in ("add", "build", "review", "serve"):
                args += ["--kb", str(kb)]
            if verb not in ("add", "init", "bench"):
                args += ["--db", str(db)]
            if verb == "file":
                args += ["--out", str(Path(tmp) / "out.md")]
            before = digest(db)
            cwd = os.getcwd()
            os.chdir(tmp)
            try:
                with watching() as seen:
                    result = invoke(*args)
            finally:
                os.chdir(cwd)
            _check_command(result, db, before, may_change=verb in ("build", "serve"))
            if base["secret"] not in " ".join(args):
                _not_outside(seen, base)

    run()
