"""Reference data in kb/gazetteer/: state names, utilities and their spellings, device
families and aliases. Used to resolve names a source uses to ids; never a source of facts
by itself (a row exists only where a source names the thing)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Literal, Optional, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from msakb.errors import MsakbError
from msakb.extract.shared.text import Span
from msakb.extract.shared.words import WORD_RUN, whole_runs
from msakb.knowledge.yamlfile import load_model

@dataclass
class Gazetteer:
    states: dict[str, str]  # code -> name
    state_aliases: dict[str, str]  # lower-case name or alias -> code
    utilities: dict[str, dict]  # id -> {name, state, kind, aliases}
    utility_alias: dict[str, str]  # alias -> id
    families: list[dict]
    device_aliases: dict[str, str]  # lower-case name -> device id

    def state_code(self, name: str) -> str | None:
        n = name.strip()
        if n.upper() in self.states and len(n) == 2:
            return n.upper()
        return self.state_aliases.get(n.lower())

    def knows_jurisdiction(self, code: str) -> bool:
        """Whether a manifest's `jurisdiction` is a state of the gazetteer, or US."""
        return code == "US" or code in self.states

    def utility_id(self, name: str) -> str | None:
        return self.utility_alias.get(name.strip())

    @cached_property
    def _utility_by_name(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for uid, u in self.utilities.items():
            out.setdefault(u["name"], uid)
        return out

    def utility_named(self, name: str) -> str | None:
        """The (first) utility whose gazetteer name is exactly `name`."""
        return self._utility_by_name.get(name)

    @cached_property
    def _aliases_by_utility(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for alias, uid in self.utility_alias.items():
            out.setdefault(uid, []).append(alias)
        return out

    def aliases_of(self, utility_id: str) -> list[str]:
        """A utility's spellings (utilities.yaml `aliases`), in the order listed: asked of many
        statements, looked up rather than searched for among a national gazetteer's thousands."""
        return self._aliases_by_utility.get(utility_id, [])

    @cached_property
    def _device_alias_names(self) -> dict[str, str]:
        """Every device alias and family alias, lower case -> device or family id."""
        names = dict(self.device_aliases)
        for fam in self.families:
            for a in fam.get("aliases", []):
                names.setdefault(a.lower(), fam["id"])
        return names

    @cached_property
    def device_alias_patterns(self) -> list[tuple[re.Pattern, str]]:
        """(pattern, device or family id) of every device alias and family alias, longest
        first, each matching the alias as a whole word in any case. Compiled once per
        gazetteer: extract/candidates/devices_named.py runs them over every passage."""
        return [(re.compile(rf"(?i)(?<![\w-]){re.escape(a)}(?![\w-])"), d)
                for a, d in sorted(self._device_alias_names.items(), key=lambda t: -len(t[0]))]

    @cached_property
    def device_alias_anywhere(self) -> re.Pattern | None:
        """One pattern that matches where any of device_alias_patterns does (their union:
        the same alias, case and whole-word rule), or None when there are none: a passage
        it finds nothing in names no device by alias, and each alias's own pattern need not
        be run over it."""
        names = self._device_alias_names
        if not names:
            return None
        return re.compile(r"(?i)(?<![\w-])(?:" + "|".join(re.escape(a) for a in names) + r")(?![\w-])")

    @cached_property
    def _alias_index(self) -> tuple[dict[str, list[tuple[int, str]]], list[tuple[int, str]]]:
        """Aliases by rank (longest first) and by their first word run: a whole-word alias
        can only start where the text's word run is exactly that run."""
        by_run: dict[str, list[tuple[int, str]]] = {}
        other = []
        for rank, alias in enumerate(sorted(self.utility_alias, key=len, reverse=True)):
            m = WORD_RUN.match(alias)
            (by_run.setdefault(m.group(), []) if m else other).append((rank, alias))
        return by_run, other

    def find_utilities(self, span: Span) -> list[tuple[str, Span]]:
        """Utilities named in a span, longest spelling first, as (id, span of the name).
        One pass over the span's word runs, whatever the number of aliases."""
        by_run, other = self._alias_index
        raw = span.raw
        found = []  # (rank, start, end, alias), whole-word occurrences
        # Only the word runs that begin an alias are looked at: found among all the runs in C
        # (findall, a set), each then placed where it stands as a whole run.
        for run in by_run.keys() & set(WORD_RUN.findall(raw)):
            for start in whole_runs(raw, run):
                for rank, alias in by_run[run]:
                    end = start + len(alias)
                    if raw.startswith(alias, start) and not (end < len(raw) and WORD_RUN.match(raw[end])):
                        found.append((rank, start, end, alias))
        for rank, alias in other:
            for m in re.finditer(rf"(?<![\w&]){re.escape(alias)}(?![\w&])", raw):
                found.append((rank, m.start(), m.end(), alias))
        out, taken, last_end = [], [], {}
        for _, a, b, alias in sorted(found):
            if a < last_end.get(alias, 0):
                continue  # overlaps the previous occurrence of the same alias
            last_end[alias] = b
            a, b = span.start + a, span.start + b
            if any(a < y and x < b for x, y in taken):
                continue
            taken.append((a, b))
            out.append((self.utility_alias[alias], Span(span.text, a, b)))
        return sorted(out, key=lambda t: t[1].start)

    def family_of(self, model: str) -> dict | None:
        for fam in self.families:
            if re.search(fam["member_pattern"], model):
                return fam
        return None

    def resolve_device(self, name: str) -> str | None:
        """A device or family id for a name a source uses ('Tesla Backup Switch')."""
        n = " ".join(name.split()).lower()
        if n in self.device_aliases:
            return self.device_aliases[n]
        for fam in self.families:
            if n in (a.lower() for a in fam.get("aliases", [])):
                return fam["id"]
        return None


class GazetteerError(MsakbError):
    """A gazetteer file is missing or malformed."""


_ID = r"^[a-z0-9][a-z0-9-]*$"


def _not_blank(v: str) -> str:
    if not v.strip():  # an empty name or spelling would match nothing, or everywhere
        raise ValueError("is empty: write it out, or remove it")
    return v


StateCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
Name = Annotated[str, AfterValidator(_not_blank)]


class StatesFile(BaseModel):
    """kb/gazetteer/states.yaml: each state's code and its names, the first the proper one."""

    model_config = ConfigDict(extra="forbid")
    states: dict[StateCode, Union[Name, Annotated[list[Name], Field(min_length=1)]]] = Field(
        description="two-letter code: its name, or a list of names")


class UtilityEntry(BaseModel):
    """One utility, or a group a source names as one."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=_ID, description="slug, the utilities table's id")
    name: Name = Field(description="its proper name")
    state: Optional[str] = Field(None, description="the two-letter code of its state (none when unknown)")
    kind: Literal["utility", "group"] = Field("utility", description="a utility, or a group of them")
    aliases: list[Name] = Field(default_factory=list, description="spellings sources use, matched whole-word, case-sensitively")


class UtilitiesFile(BaseModel):
    """kb/gazetteer/utilities.yaml."""

    model_config = ConfigDict(extra="forbid")
    utilities: list[UtilityEntry]


class DeviceFamily(BaseModel):
    """A family of device models a source may name as one."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=_ID, description="the family's devices id")
    manufacturer: Name
    product: Name = Field(description="the family's product name")
    member_pattern: Name = Field(description="regular expression a member's model number matches")
    aliases: list[Name] = Field(default_factory=list, description="names sources use for the family")

    @field_validator("member_pattern")
    @classmethod
    def _regex(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as e:
            raise ValueError(f"not a valid regular expression ({e})") from None
        return v


class DeviceAlias(BaseModel):
    """A name one source uses for a device another lists by model number: a reviewed judgement."""

    model_config = ConfigDict(extra="forbid")
    name: Name
    device: Name = Field(description="the device (or family) id it names")
    why: Name = Field(description="what supports the judgement")


class DevicesFile(BaseModel):
    """kb/gazetteer/devices.yaml."""

    model_config = ConfigDict(extra="forbid")
    families: list[DeviceFamily] = Field(default_factory=list)
    aliases: list[DeviceAlias] = Field(default_factory=list)


def _read(folder: Path, name: str, model, empty=None):
    path = folder / name
    if not path.is_file():
        raise GazetteerError(f"{path}: gazetteer file not found")
    return load_model(path, model, folder=folder.parent, empty=empty, error=GazetteerError)


@lru_cache(maxsize=8)
def load_gazetteer(folder: str) -> Gazetteer:
    folder = Path(folder)
    st = _read(folder, "states.yaml", StatesFile).states
    states, state_aliases = {}, {}
    for code, names in st.items():
        names = [names] if isinstance(names, str) else names
        states[code] = names[0]
        for n in names:
            state_aliases[n.lower()] = code
    utilities, utility_alias = {}, {}
    for u in _read(folder, "utilities.yaml", UtilitiesFile).utilities:
        if u.state and u.state not in states:
            raise GazetteerError(f"{folder / 'utilities.yaml'}: utility {u.id!r} has unknown state {u.state!r}")
        if u.id in utilities:
            raise GazetteerError(f"{folder / 'utilities.yaml'}: utility {u.id!r} is listed twice")
        utilities[u.id] = {"name": u.name, "state": u.state, "kind": u.kind}
        for a in u.aliases:
            if a in utility_alias and utility_alias[a] != u.id:
                raise GazetteerError(f"{folder / 'utilities.yaml'}: alias {a!r} names both {utility_alias[a]!r} and {u.id!r}")
            utility_alias[a] = u.id
    dev = _read(folder, "devices.yaml", DevicesFile, empty={})
    seen: set[str] = set()
    for f in dev.families:
        if f.id in seen:
            raise GazetteerError(f"{folder / 'devices.yaml'}: family {f.id!r} is listed twice")
        seen.add(f.id)
    aliases: dict[str, str] = {}
    for a in dev.aliases:
        if aliases.get(a.name.lower(), a.device) != a.device:
            raise GazetteerError(f"{folder / 'devices.yaml'}: alias {a.name!r} names both "
                                 f"{aliases[a.name.lower()]!r} and {a.device!r}")
        aliases[a.name.lower()] = a.device
    families = [f.model_dump() for f in dev.families]
    return Gazetteer(states, state_aliases, utilities, utility_alias, families, aliases)
