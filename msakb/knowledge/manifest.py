"""The source manifest (kb/sources/manifest.yaml): the one list of sources, validated.

A source file is confined to the knowledge folder's sources/: its `file` is a bare file name,
read only when it is a regular file under the size limit, and its text may hold no control
character but tab, newline and carriage return. Its `url` is http or https (the site links it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Literal, Optional, Union, get_args
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, field_validator, model_validator

from msakb.errors import ManifestError, SourceError
from msakb.knowledge.files import SOURCE_LIMIT, FileRefused, control_character, read_regular
from msakb.knowledge.yamlfile import DataFileError, load_yaml


Voice = Literal["legislature", "regulator", "utility", "working_group", "industry", "manufacturer", "installer"]
VOICES = get_args(Voice)  # the roles of who states a fact (shared CONTRACT.md, Attribution)


class SourceEntry(BaseModel):
    """One source document."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$", description="stable slug, used in every row's source_id")
    file: str = Field(description="the file's name in the knowledge folder's sources/ (a bare name: no folder, no '..')")
    title: str
    publisher: str
    jurisdiction: str = Field(description="two-letter state code, or US")
    utility: Optional[str] = Field(None, description="id of the utility whose rules the source states, if one")
    url: Optional[str] = Field(None, description="the URL the text names for itself, if any (http or https)")
    as_of: Optional[dt.date] = Field(description="date the source speaks for; null if undated")
    as_of_note: Optional[str] = Field(None, description="why as_of is what it is, where the source is unclear")
    kind: str = Field(description="selects the parser: see extract.PARSERS")
    voice: Optional[Voice] = Field(
        None, description="who speaks in the source: a legislature or regulator orders, a utility states its own "
        "rules, a manufacturer its own products; a working group, the industry or an installer reports what others "
        "do. Every row of the source takes it unless its parser or an annotation attributes a passage to another "
        "party. Optional only when `utility` is set (then the source is that utility's own: voice utility)")
    speaker: Optional[str] = Field(
        None, description="the name of who speaks, when the publisher is not it (default: the publisher)")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    expect: dict[str, NonNegativeInt] = Field(default_factory=dict, description="least rows per table the source must yield")
    options: dict[str, Union[str, int, float, bool, None]] = Field(
        default_factory=dict, description="parser options for this source (name: a plain value)")

    @field_validator("file")
    @classmethod
    def _bare_name(cls, v: str) -> str:
        return bare_file_name(v)

    @field_validator("url")
    @classmethod
    def _web_url(cls, v: Optional[str]) -> Optional[str]:
        return v if v is None else web_url(v)

    @field_validator("jurisdiction")
    @classmethod
    def _upper(cls, v: str) -> str:
        if not (len(v) == 2 and v.isalpha() and v.isupper()):
            raise ValueError("must be a two-letter upper-case code such as CA or US")
        return v

    @model_validator(mode="after")
    def _voice(self) -> "SourceEntry":
        if self.voice is None:
            if self.utility is None:
                raise ValueError("say who speaks in the source: voice is one of " + ", ".join(VOICES)
                                 + " (it may be left out only for a utility's own source, with `utility`)")
            self.voice = "utility"
        return self

    @property
    def speaker_name(self) -> str:
        """Who speaks in the source: the manifest's `speaker`, else its publisher."""
        return self.speaker or self.publisher

    @property
    def series(self) -> str:
        """Editions of one list share publisher and kind (and utility)."""
        return f"{self.publisher} / {self.kind}" + (f" / {self.utility}" if self.utility else "")


def bare_file_name(v: str) -> str:
    """`v` when it names a file by itself: no folder part, not '.' or '..', no control character."""
    if not v or "/" in v or "\\" in v or v in (".", "..") or control_character(v):
        raise ValueError("must be a bare file name in the knowledge folder's sources/ (no folder, no '..')")
    return v


def web_url(v: str) -> str:
    """`v` when it is an http or https URL with a host (the site links it; no javascript: or data:)."""
    try:
        parts = urlsplit(v)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc or v != v.strip() \
            or any(c.isspace() for c in v) or control_character(v):
        raise ValueError(f"{v[:80]!r} is not an http:// or https:// URL")
    return v


class Manifest(BaseModel):
    """kb/sources/manifest.yaml: the sources to build from, in build order."""

    model_config = ConfigDict(extra="forbid")
    sources: list[SourceEntry]


def load_manifest(path: Path) -> Manifest:
    if not path.exists():
        raise ManifestError(f"{path}: manifest not found; it lists the sources to build from")
    try:
        doc = load_yaml(path, folder=path.parent.parent)
    except DataFileError as e:
        raise ManifestError(str(e)) from None
    manifest = doc.validate(Manifest, ManifestError)
    seen: dict[str, str] = {}
    for i, s in enumerate(manifest.sources):
        for key in (s.id, s.file):
            if key in seen:
                raise ManifestError(f"{path}, line {doc.line_of(('sources', i))}: {key!r} is listed twice "
                                    f"(sources {seen[key]!r} and {s.id!r})")
            seen[key] = s.id
    return manifest


def read_source(entry: SourceEntry, folder: Path) -> str:
    """The source's text, after checking where it is (a regular file in `folder`, under the size
    limit), its hash, its encoding (UTF-8, strictly) and its characters."""
    try:
        path = folder / bare_file_name(entry.file)
    except ValueError as e:
        raise SourceError(entry.id, f"file {entry.file!r}: {e}") from None
    try:
        data = read_regular(path, SOURCE_LIMIT, folder)
    except FileNotFoundError:
        raise SourceError(entry.id, f"file {path} not found (listed in the manifest)") from None
    except FileRefused as e:
        raise SourceError(entry.id, str(e)) from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry.sha256:
        raise SourceError(
            entry.id,
            f"{path.name} has sha256 {digest}, the manifest says {entry.sha256}: the file changed; "
            "review the change, then update its sha256 in the manifest",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise SourceError(
            entry.id,
            f"{path.name} is not valid UTF-8 (byte {e.start}, 0x{data[e.start]:02x}); "
            "convert it to UTF-8 before adding it",
            line=line,
        ) from None
    if text.startswith("\ufeff"):
        raise SourceError(entry.id, f"{path.name} starts with a byte-order mark; save it as UTF-8 without BOM", line=1)
    bad = control_character(text)
    if bad:
        raise SourceError(entry.id, f"{path.name} has {describe_character(bad[2])} at line {bad[0]}, column {bad[1]}; "
                          "a source holds text only: remove it (or convert the document again)", line=bad[0])
    return text


def describe_character(ch: str) -> str:
    """'the control character U+0000 (NUL)'."""
    names = {"\x00": "NUL", "\x0b": "vertical tab", "\x0c": "form feed", "\x1b": "escape", "\x7f": "DEL"}
    return f"the control character U+{ord(ch):04X}" + (f" ({names[ch]})" if ch in names else "")
