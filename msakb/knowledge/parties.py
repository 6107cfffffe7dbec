"""kb/gazetteer/parties.yaml: the commissions filings go to and the legal names of the
utilities that file, each fact with where it was read. Validated here; read by filings for
captions, letters, signature blocks and certificates of service."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field

from msakb.knowledge.yamlfile import load_model

FILE = Path("gazetteer") / "parties.yaml"


class Commission(BaseModel):
    """A state's utility regulator."""

    model_config = ConfigDict(extra="forbid")
    state: str = Field(pattern=r"^[A-Z]{2}$", description="two-letter state code")
    name: str = Field(description="full name, as its own documents give it")
    short: str = Field(description="the short name its documents use (PURA)")
    government: str = Field(description="the government it belongs to (State of Connecticut)")
    address: list[str] = Field(min_length=1, description="postal address, one line per item")
    docket_label: str = Field("Docket No.", description="how its captions introduce a docket number")
    source: str = Field(min_length=10, description="where these facts were read")


class LegalEntity(BaseModel):
    """A utility's legal name (the party that files) and the name it does business under."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="the utility's id in kb/gazetteer/utilities.yaml")
    legal_name: str
    dba: Optional[str] = Field(None, description="the name it does business as, if any")
    short: str = Field(description="the short name a filing uses after the first mention")
    source: str = Field(min_length=10, description="where the legal name was read")


class Group(BaseModel):
    """Utilities a regulator's orders address together (CT's 'EDCs')."""

    model_config = ConfigDict(extra="forbid")
    state: str = Field(pattern=r"^[A-Z]{2}$")
    name: str
    short: str
    members: list[str] = Field(min_length=1)
    source: str = Field(min_length=10)


class Parties(BaseModel):
    """kb/gazetteer/parties.yaml."""

    model_config = ConfigDict(extra="forbid")
    commissions: list[Commission] = Field(default_factory=list)
    utilities: list[LegalEntity] = Field(default_factory=list)
    groups: list[Group] = Field(default_factory=list)

    def commission(self, state: str | None) -> Commission | None:
        return next((c for c in self.commissions if c.state == state), None)

    def entity(self, utility_id: str | None) -> LegalEntity | None:
        return next((u for u in self.utilities if u.id == utility_id), None)

    def groups_of(self, utility_id: str) -> list[Group]:
        return [g for g in self.groups if utility_id in g.members]


def load_parties(folder: Path) -> Parties:
    """The knowledge folder's parties file, validated; an empty set where it has none."""
    path = Path(folder) / FILE
    return _load(str(path), path.stat().st_mtime if path.is_file() else None)


@lru_cache(maxsize=4)
def _load(path: str, mtime: float | None) -> Parties:
    p = Path(path)
    if mtime is None:
        return Parties()
    return load_model(p, Parties, folder=p.parent.parent, empty={})
