"""Reference data in kb/gazetteer/: state names, utilities and their spellings, device
families and aliases. Used to resolve names a source uses to ids; never a source of facts
by itself (a row exists only where a source names the thing)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

from msakb.errors import MsakbError
from msakb.extract.shared.text import Span

_RUN = re.compile(r"[\w&]+")  # a word as alias matching sees it (PG&E is one)


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

    def utility_id(self, name: str) -> str | None:
        return self.utility_alias.get(name.strip())

    @cached_property
    def device_alias_patterns(self) -> list[tuple[re.Pattern, str]]:
        """(pattern, device or family id) of every device alias and family alias, longest
        first, each matching the alias as a whole word in any case. Compiled once per
        gazetteer: extract/candidates/devices_named.py runs them over every passage."""
        names = dict(self.device_aliases)
        for fam in self.families:
            for a in fam.get("aliases", []):
                names.setdefault(a.lower(), fam["id"])
        return [(re.compile(rf"(?i)(?<![\w-]){re.escape(a)}(?![\w-])"), d)
                for a, d in sorted(names.items(), key=lambda t: -len(t[0]))]

    @cached_property
    def _alias_index(self) -> tuple[dict[str, list[tuple[int, str]]], list[tuple[int, str]]]:
        """Aliases by rank (longest first) and by their first word run: a whole-word alias
        can only start where the text's word run is exactly that run."""
        by_run: dict[str, list[tuple[int, str]]] = {}
        other = []
        for rank, alias in enumerate(sorted(self.utility_alias, key=len, reverse=True)):
            m = _RUN.match(alias)
            (by_run.setdefault(m.group(), []) if m else other).append((rank, alias))
        return by_run, other

    def find_utilities(self, span: Span) -> list[tuple[str, Span]]:
        """Utilities named in a span, longest spelling first, as (id, span of the name).
        One pass over the span's word runs, whatever the number of aliases."""
        by_run, other = self._alias_index
        raw = span.raw
        found = []  # (rank, start, end, alias), whole-word occurrences
        for m in _RUN.finditer(raw):
            for rank, alias in by_run.get(m.group(), ()):
                end = m.start() + len(alias)
                if raw.startswith(alias, m.start()) and not (end < len(raw) and _RUN.match(raw[end])):
                    found.append((rank, m.start(), end, alias))
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


def _read(path: Path):
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    except FileNotFoundError:
        raise MsakbError(f"{path}: gazetteer file not found") from None
    except yaml.YAMLError as e:
        raise MsakbError(f"{path}: not valid YAML: {e}") from None


@lru_cache(maxsize=8)
def load_gazetteer(folder: str) -> Gazetteer:
    folder = Path(folder)
    st = _read(folder / "states.yaml")["states"]
    states, state_aliases = {}, {}
    for code, names in st.items():
        names = [names] if isinstance(names, str) else names
        states[code] = names[0]
        for n in names:
            state_aliases[n.lower()] = code
    utilities, utility_alias = {}, {}
    for u in _read(folder / "utilities.yaml")["utilities"]:
        if u.get("state") and u["state"] not in states:
            raise MsakbError(f"{folder / 'utilities.yaml'}: utility {u['id']!r} has unknown state {u['state']!r}")
        utilities[u["id"]] = {"name": u["name"], "state": u.get("state"), "kind": u.get("kind", "utility")}
        for a in u.get("aliases", []):
            if a in utility_alias and utility_alias[a] != u["id"]:
                raise MsakbError(f"{folder / 'utilities.yaml'}: alias {a!r} names both {utility_alias[a]!r} and {u['id']!r}")
            utility_alias[a] = u["id"]
    dev = _read(folder / "devices.yaml")
    aliases = {a["name"].lower(): a["device"] for a in dev.get("aliases", [])}
    return Gazetteer(states, state_aliases, utilities, utility_alias, dev.get("families", []), aliases)
