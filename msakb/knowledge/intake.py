"""`msakb add`: take a new source document into kb/sources/.

The file is copied byte for byte (it must be UTF-8, without a byte-order mark) under a name
made of its number and hash, like the seeds; its entry, with the sha256, is appended to the
manifest as text (so the manifest's comments stay), and the new manifest is validated
before anything is written. A file whose bytes are already a source, or an id already
taken, is refused, naming the source that has it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from msakb.errors import ManifestError, MsakbError
from msakb.extract.parsers import PARSERS
from msakb.extract.shared.records import slug
from msakb.knowledge.files import SOURCE_LIMIT, FileRefused, control_character, read_regular, temp_beside, write_new
from msakb.knowledge.gazetteer import load_gazetteer
from msakb.knowledge.manifest import SourceEntry, describe_character, load_manifest
from msakb.knowledge.yamlfile import dump_yaml, message


class IntakeError(MsakbError):
    """A file cannot be added as a source."""


@dataclass
class Added:
    entry: SourceEntry
    path: Path


def read_text_strict(path: Path) -> tuple[bytes, str]:
    """The file's bytes and text; refuses what is not a regular file under the size limit,
    not UTF-8 (naming the byte and line) or holds a control character (naming line and column)."""
    try:
        data = read_regular(path, SOURCE_LIMIT)
    except FileNotFoundError:
        raise IntakeError(f"{path}: no such file") from None
    except FileRefused as e:
        raise IntakeError(str(e)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise IntakeError(
            f"{path}: not valid UTF-8 at byte {e.start} (line {line}, byte 0x{data[e.start]:02x}); "
            "convert it to UTF-8 (e.g. iconv -f windows-1252 -t utf-8) and add it again"
        ) from None
    if text.startswith("\ufeff"):
        raise IntakeError(f"{path}: starts with a byte-order mark; save it as UTF-8 without BOM")
    bad = control_character(text)
    if bad:
        raise IntakeError(f"{path}: {describe_character(bad[2])} at line {bad[0]}, column {bad[1]}; a source holds "
                          "text only: remove it (or convert the document again) and add it again")
    if not text.strip():
        raise IntakeError(f"{path}: the file is empty")
    return data, text


def _title(text: str, fallback: str) -> str:
    for line in text.splitlines():
        t = re.sub(r"^#+\s*|<[^>]+>", "", line).strip()
        if t:
            return t[:120]
    return fallback


def add_source(file: Path, kb: Path, *, publisher: str, jurisdiction: str, kind: str,
               as_of: dt.date | None = None, url: str | None = None, title: str | None = None,
               utility: str | None = None, source_id: str | None = None, voice: str | None = None,
               speaker: str | None = None) -> Added:
    """Copy `file` into kb/sources/ and append its manifest entry. Nothing is written unless
    the file, the entry and the resulting manifest are all valid."""
    file, kb = Path(file), Path(kb)
    folder = kb / "sources"
    manifest_path = folder / "manifest.yaml"
    data, text = read_text_strict(file)
    digest = hashlib.sha256(data).hexdigest()
    manifest = load_manifest(manifest_path)
    for s in manifest.sources:
        if s.sha256 == digest:
            raise IntakeError(f"{file}: already in the knowledge base as source {s.id!r} (kb/sources/{s.file}, same sha256)")
    if kind not in PARSERS:
        raise IntakeError(f"--kind {kind!r} is not a known kind; known kinds: {', '.join(sorted(PARSERS))} "
                          "(use generic for a source no dedicated parser reads)")
    gaz = load_gazetteer(str(kb / "gazetteer"))
    if utility is not None and utility not in gaz.utilities:
        raise IntakeError(f"--utility {utility!r} is not in kb/gazetteer/utilities.yaml; "
                          f"known: {', '.join(sorted(gaz.utilities))}")
    sid = source_id or slug(file.stem, as_of.isoformat() if as_of else "")
    for s in manifest.sources:
        if s.id == sid:
            raise IntakeError(f"source id {sid!r} is already used by {s.title!r} (kb/sources/{s.file}); "
                              "choose another with --id")
    name = f"{len(manifest.sources):03d}_{digest[:16]}.txt"
    n = len(manifest.sources)
    while (folder / name).exists():
        n += 1
        name = f"{n:03d}_{digest[:16]}.txt"
    fields = {"id": sid, "file": name, "title": title or _title(text, file.stem), "publisher": publisher,
              "jurisdiction": jurisdiction, "utility": utility, "url": url, "as_of": as_of, "kind": kind,
              "voice": voice, "speaker": speaker, "sha256": digest}
    try:
        entry = SourceEntry.model_validate(fields)
    except ValidationError as e:
        err = e.errors()[0]
        field = ".".join(map(str, err["loc"])) or "voice"  # the one check of the entry as a whole
        raise IntakeError(f"--{field.replace('_', '-')}: {message(err)}") from None
    if not gaz.knows_jurisdiction(entry.jurisdiction):
        raise IntakeError(f"--jurisdiction {entry.jurisdiction!r} is not a state of kb/gazetteer/states.yaml, nor US; "
                          "give the code of the state the source is about, such as CA")
    old = manifest_path.read_text(encoding="utf-8")
    indent = re.search(r"(?m)^([ \t]*)- ", old)
    new = old + ("" if old.endswith("\n") else "\n") + "\n" + entry_yaml(entry, indent.group(1) if indent else "  ")
    tmp_manifest, tmp_source = temp_beside(manifest_path), temp_beside(folder / name)
    try:
        write_new(tmp_manifest, new.encode("utf-8"))
        try:
            load_manifest(tmp_manifest)
        except ManifestError as e:
            raise IntakeError(f"the manifest would not be valid after adding {file.name}: {e}") from None
        write_new(tmp_source, data)
        os.replace(tmp_source, folder / name)
        os.replace(tmp_manifest, manifest_path)
    finally:
        for t in (tmp_manifest, tmp_source):
            if os.path.lexists(t):
                t.unlink()
    return Added(entry, folder / name)


def entry_yaml(entry: SourceEntry, indent: str = "  ") -> str:
    """The entry as a block of the manifest's `sources:` list, indented like its others."""
    d = entry.model_dump(mode="python", exclude_none=True)
    d = {k: v for k, v in d.items() if v not in ({}, None)}
    if entry.as_of is None:
        d["as_of"] = None  # required field: null says "undated"
    body = dump_yaml([d])
    return "".join((indent + ln if ln.strip() else ln) + "\n" for ln in body.splitlines())
