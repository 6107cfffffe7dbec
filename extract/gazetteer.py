"""Reference data in kb/gazetteer/: state names, utilities and their spellings, device
families and aliases. Used to resolve names a source uses to ids; never a source of facts
by itself (a row exists only where a source names the thing)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from msakb.errors import MsakbError

from .text import Span


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

    def find_utilities(self, span: Span) -> list[tuple[str, Span]]:
        """Utilities named in a span, longest spelling first, as (id, span of the name)."""
        out, taken = [], []
        for alias in sorted(self.utility_alias, key=len, reverse=True):
            for m in re.finditer(rf"(?<![\w&]){re.escape(alias)}(?![\w&])", span.raw):
                a, b = span.start + m.start(), span.start + m.end()
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
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
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
