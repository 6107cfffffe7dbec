"""The source manifest (kb/sources/manifest.yaml): the one list of sources, validated."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Literal, Optional, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from msakb.errors import ManifestError, SourceError


Voice = Literal["legislature", "regulator", "utility", "working_group", "industry", "manufacturer", "installer"]
VOICES = get_args(Voice)  # the roles of who states a fact (shared CONTRACT.md, Attribution)


class SourceEntry(BaseModel):
    """One source document."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$", description="stable slug, used in every row's source_id")
    file: str = Field(description="file name under kb/sources/")
    title: str
    publisher: str
    jurisdiction: str = Field(description="two-letter state code, or US")
    utility: Optional[str] = Field(None, description="id of the utility whose rules the source states, if one")
    url: Optional[str] = Field(None, description="the URL the text names for itself, if any")
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
    expect: dict[str, int] = Field(default_factory=dict, description="least rows per table the source must yield")
    options: dict = Field(default_factory=dict, description="parser options for this source")

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


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sources: list[SourceEntry]


def load_manifest(path: Path) -> Manifest:
    if not path.exists():
        raise ManifestError(f"{path}: manifest not found; it lists the sources to build from")
    try:
        # libyaml's parser where present: the same objects, and a national-size manifest is large
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as e:
        raise ManifestError(f"{path}: not valid YAML: {e}") from None
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        where = loc
        if err["loc"][:1] == ("sources",) and len(err["loc"]) > 1:
            try:
                where = f"source {data['sources'][err['loc'][1]].get('id', err['loc'][1])!r}"
                if err["loc"][2:]:
                    where += f", field {'.'.join(map(str, err['loc'][2:]))}"
            except Exception:
                pass
        raise ManifestError(f"{path}: {where}: {err['msg']}") from None
    seen: dict[str, str] = {}
    for s in manifest.sources:
        for key in (s.id, s.file):
            if key in seen:
                raise ManifestError(f"{path}: {key!r} is listed twice (sources {seen[key]!r} and {s.id!r})")
            seen[key] = s.id
    return manifest


def read_source(entry: SourceEntry, folder: Path) -> str:
    """The source's text, after checking its hash and its encoding (UTF-8, strictly)."""
    path = folder / entry.file
    if not path.exists():
        raise SourceError(entry.id, f"file {path} not found (listed in the manifest)")
    data = path.read_bytes()
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
    return text
