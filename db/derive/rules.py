"""Eligibility rules as data: kb/rules/*.yaml -> the `rules` table, checked at build time.

A rules file is for one utility:

    utility: sce
    rules:
      - id: sce-service-200a                 # unique across all files
        restriction: <restrictions.id>       # the restriction row this rule encodes
        says: the service panel is rated 200 A or less
        devices: [connectder-solar]          # optional: device or family ids it applies to
        fields: [service_amps]               # every field the conditions read
        when: <condition>                    # optional: the rule applies only when this holds
        require: <condition>                 # the site is eligible under this rule when it holds

Conditions are db/query/conditions.py's language. The build fails, naming the file and rule, when
a rule points at no restriction (or at another utility's), names an unknown device, field or
op, or when `fields` is not exactly what its conditions read. A rule row carries the
provenance of its restriction, so the `rules` table passes the quote check like any other.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field

from msakb.db.pipeline.patch_writes import Patch, marks
from msakb.db.pipeline.step import Step
from msakb.db.query import conditions
from msakb.db.store import models
from msakb.errors import BuildError
from msakb.knowledge.yamlfile import load_model

PROV = ("voice", "speaker", "attribution", "source_id", "quote", "char_start", "char_end")  # the restriction's


class RuleError(BuildError):
    """A rule file in kb/rules/ is malformed or points at nothing."""


class RuleSpec(BaseModel):
    """One rule: what it checks, the restriction it encodes, the fields it reads."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    restriction: str = Field(description="id of the restrictions row this rule encodes")
    says: str = Field(min_length=1, description="what the rule checks, in plain words")
    devices: Optional[list[str]] = Field(None, description="device or family ids; none = every device")
    fields: list[str]
    when: Optional[dict[str, Any]] = None
    require: dict[str, Any]


class RuleFile(BaseModel):
    """A file of kb/rules/: one utility's rules."""

    model_config = ConfigDict(extra="forbid")
    utility: str = Field(description="the utility id the rules are for")
    rules: list[RuleSpec]


def load_rule_files(folder: Path) -> list[tuple[str, RuleFile]]:
    """Every kb/rules/*.yaml, parsed and shape-checked (not yet against the rows)."""
    out = []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        name = f"rules/{path.name}"
        out.append((name, load_model(path, RuleFile, name=f"kb/{name}", folder=folder.parent, error=RuleError)))
    return out


def check_rule(name: str, utility: str, rule: RuleSpec, rows: dict[str, list[dict]]) -> dict:
    """The restriction row `rule` encodes, after checking the rule against the rows."""
    where = f"kb/{name}: rule {rule.id!r}"
    restrictions = {r["id"]: r for r in rows.get("restrictions", [])}
    target = restrictions.get(rule.restriction)
    if target is None:
        near = difflib.get_close_matches(rule.restriction, list(restrictions), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(near)}?" if near else "; see the restrictions table for ids"
        raise RuleError(f"{where}: restriction {rule.restriction!r} is not a restriction row{hint}")
    if target.get("utility_id") not in (None, utility):
        raise RuleError(f"{where}: restriction {rule.restriction!r} is {target['utility_id']}'s, the file is for {utility}")
    devices = {d["id"] for d in rows.get("devices", [])}
    for d in rule.devices or []:
        if d not in devices:
            raise RuleError(f"{where}: unknown device {d!r} (devices table ids, or a family id)")
    tables = {t: set(m.model_fields) for t, m in models.ALL_TABLES.items()}
    device_columns = tables["devices"]
    problems = conditions.validate(rule.require, "require", device_columns, tables)
    if rule.when is not None:
        problems += conditions.validate(rule.when, "when", device_columns, tables)
    if problems:
        raise RuleError(f"{where}: {problems[0]}")
    used = conditions.fields_of(rule.require) | conditions.fields_of(rule.when)
    if set(rule.fields) != used:
        raise RuleError(f"{where}: `fields` lists {sorted(rule.fields)} but the conditions read {sorted(used)}")
    return target


def derive_rules(rows: dict[str, list[dict]], docs, kb: Path) -> dict[str, list[dict]]:
    """kb/rules/*.yaml -> `rules` rows (provenance: the restriction's)."""
    out, seen = [], {}
    utilities = {u["id"] for u in rows.get("utilities", [])}
    for name, rf in load_rule_files(kb / "rules"):
        if rf.utility not in utilities:
            raise RuleError(f"kb/{name}: utility {rf.utility!r} is not in the utilities table")
        for rule in rf.rules:
            if rule.id in seen:
                raise RuleError(f"kb/{name}: rule id {rule.id!r} is also used in kb/{seen[rule.id]}")
            seen[rule.id] = name
            target = check_rule(name, rf.utility, rule, rows)
            out.append({
                "id": rule.id, "restriction_id": rule.restriction, "utility_id": rf.utility, "state": target["state"],
                "says": rule.says, "devices": json.dumps(rule.devices) if rule.devices else None,
                "fields": ", ".join(rule.fields),
                "when_condition": json.dumps(rule.when) if rule.when else None,
                "condition": json.dumps(rule.require), "file": name,
                **{k: target[k] for k in PROV}, "rule": f"{name}#{rule.id}",
            })
    return {"rules": out} if out else {}


def patch_rules(p: Patch) -> None:
    """Every rule again, against the rows it names as they are now (restrictions, utilities,
    devices: any of them may have been resolved again)."""
    files = load_rule_files(p.kb / "rules")
    refs = sorted({r.restriction for _, rf in files for r in rf.rules})
    p.writer.delete("rules", "1")
    if files:
        rows = {"restrictions": p.writer.select("restrictions", f"id IN ({marks(refs)})", refs),
                "utilities": p.writer.select("utilities"), "devices": p.writer.select("devices")}
        p.writer.insert("rules", derive_rules(rows, [], p.kb).get("rules", []))


STEP = Step("rules", reads=("restrictions", "utilities", "devices"), derives=("rules",), derive=derive_rules,
            patch=patch_rules)
