"""The options of `msakb file`, stated once: this dataclass is what `draft()` takes, and
msakb/commands/file.py makes one command-line option of each field (its help is the field's
`help`, its flag the field's name with dashes)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path


def _opt(help: str, flag: bool = False, path: bool = False):
    return field(default=False if flag else None, metadata={"help": help, "flag": flag, "path": path})


@dataclass(frozen=True)
class Options:
    utility: str | None = _opt("Utility id (e.g. sce, eversource-ct): the filer, or the EDC an OEM application goes to.")
    state: str | None = _opt("Two-letter state code (e.g. CT), for a state-wide list.")
    device: str | None = _opt("Device id (see the devices table).")
    oem: str | None = _opt("Manufacturer id or name (see the manufacturers table): the applicant.")
    docket: str | None = _opt("Docket number (order-26: which docket's Order 26).")
    old: str | None = _opt("program-redline: the old version, a source id or a .docx file.")
    new: str | None = _opt("program-redline: the new version, a source id or a .docx file.")
    templates: Path | None = _opt("A folder of house-style Word templates (<kind>.docx); a kind it lacks uses the "
                                  "shipped one.", path=True)
    force: bool = _opt("Replace --out (and a redline's -clean copy) if it exists; program-redline: also compare "
                       "versions that look like different documents.", flag=True)

    def but(self, **changes) -> "Options":
        """A copy with some fields changed."""
        return Options(**{**{f.name: getattr(self, f.name) for f in fields(self)}, **changes})


OPTION_FIELDS = fields(Options)
