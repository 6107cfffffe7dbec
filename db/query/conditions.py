"""The small condition language of eligibility rules (kb/rules/*.yaml), checked and evaluated.

A condition is one of:

- a test: `{field: service_amps, op: "<=", value: 200}`; `op` is one of `<`, `<=`, `>`,
  `>=`, `equals`, `not_equals`, `in`, `not_in`, `between` (value `[low, high]`, inclusive).
  Instead of `value`, `value_field: device.rated_amps` compares with another field, and
  `values_from: {table: panel_models, column: model}` (with `in`/`not_in`) compares with a
  column of the knowledge base, limited to the rule's utility when the table has
  `utility_id`; then a site value matches when it, or any word of it, is a listed value.
- `{all: [conditions]}`, `{any: [conditions]}`, `{not: condition}`.

A field is a site field (db/query/site_fields.yaml) or `device.<column>` of the devices table.
Evaluation is three-valued: a test whose field is not known is neither true nor false, and
the fields it lacks are reported, so that `msakb check` asks for them by name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator

from msakb.knowledge.yamlfile import load_model

SITE_FIELDS_FILE = Path(__file__).with_name("site_fields.yaml")
OPS = {"<", "<=", ">", ">=", "equals", "not_equals", "in", "not_in", "between"}
ORDER_OPS = {"<", "<=", ">", ">=", "between"}  # they compare numbers
_LEAF_KEYS = {"field", "op", "value", "value_field", "values_from"}


class SiteField(BaseModel):
    """A fact about a site that rules may read, and how `msakb check` asks for it."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["number", "integer", "text", "choice", "yes_no"] = Field(
        description="number and integer: finite and above zero; choice: one of `choices`")
    option: str = Field(pattern=r"^--[a-z][a-z-]*( [a-z]+=[A-Z]+)?$",
                        description="the option of `msakb check` that gives it (`--conduit power=TYPE`: shared)")
    help: str = Field(min_length=1, description="what the field is, for --help and for a rule that needs it")
    choices: Optional[list[str]] = Field(None, description="the values a choice field takes")

    @model_validator(mode="after")
    def _choices_go_with_choice(self):
        if (self.type == "choice") != bool(self.choices):
            raise ValueError("a choice field lists its `choices`, and only a choice field does")
        return self


class SiteFields(RootModel[dict[str, SiteField]]):
    """db/query/site_fields.yaml: field name -> its spec."""


@lru_cache(maxsize=None)
def site_fields() -> dict[str, dict]:
    """The site fields rules may read (db/query/site_fields.yaml)."""
    fields = load_model(SITE_FIELDS_FILE, SiteFields, name="db/query/site_fields.yaml").root
    return {name: spec.model_dump(exclude_none=True) for name, spec in fields.items()}


def validate(cond: Any, where: str, device_columns: set[str], tables: dict[str, set[str]]) -> list[str]:
    """Problems with a condition, each naming its place (`where`); empty when it is sound."""
    if not isinstance(cond, dict):
        return [f"{where}: a condition is a mapping, got {cond!r}"]
    for key in ("all", "any"):
        if key not in cond:
            continue
        if len(cond) != 1 or not isinstance(cond[key], list) or not cond[key]:
            return [f"{where}: `{key}` takes a non-empty list and nothing beside it"]
        return [p for i, c in enumerate(cond[key]) for p in validate(c, f"{where}.{key}[{i}]", device_columns, tables)]
    if "not" in cond:
        if len(cond) != 1:
            return [f"{where}: `not` takes one condition and nothing beside it"]
        return validate(cond["not"], f"{where}.not", device_columns, tables)
    problems = []
    extra = set(cond) - _LEAF_KEYS
    if extra:
        problems.append(f"{where}: unknown keys {sorted(extra)}; a test has field, op and one of value, value_field, values_from")
    for name in (cond.get("field"), cond.get("value_field")):
        if name is not None and not known_field(name, device_columns):
            problems.append(f"{where}: unknown field {name!r}; site fields: {', '.join(site_fields())}, or device.<column>")
    if "field" not in cond:
        problems.append(f"{where}: a test needs `field`")
    op = cond.get("op")
    if op not in OPS:
        problems.append(f"{where}: unknown op {op!r}; ops: {', '.join(sorted(OPS))}")
    given = [k for k in ("value", "value_field", "values_from") if k in cond]
    if len(given) != 1:
        problems.append(f"{where}: give exactly one of value, value_field, values_from (got {given or 'none'})")
    if op == "between" and not (isinstance(cond.get("value"), list) and len(cond["value"]) == 2):
        problems.append(f"{where}: `between` takes value: [low, high]")
    if op in ("in", "not_in") and "value" in cond and not isinstance(cond["value"], list):
        problems.append(f"{where}: `{op}` takes a list value")
    if "value" in cond:
        problems += _value_problems(where, op, cond["value"])
    if "values_from" in cond:
        vf = cond["values_from"]
        if op not in ("in", "not_in"):
            problems.append(f"{where}: values_from goes with in/not_in")
        if not (isinstance(vf, dict) and set(vf) == {"table", "column"}):
            problems.append(f"{where}: values_from is {{table: ..., column: ...}}")
        elif vf["column"] not in tables.get(vf["table"], set()):
            problems.append(f"{where}: values_from names {vf['table']}.{vf['column']}, which is not a table column")
    return problems


def _value_problems(where: str, op: Any, value: Any) -> list[str]:
    """A test's value (each item of a list one): a number, text or yes/no; a number for an
    order test (any other never holds)."""
    items = value if isinstance(value, list) and op in ("in", "not_in", "between") else [value]
    for v in items:
        if isinstance(v, dt.date):
            return [f"{where}: value {v.isoformat()} is a date: write it in quotes (\"{v.isoformat()}\")"]
        if not isinstance(v, (str, int, float)):
            return [f"{where}: value {v!r} is not a number, text or yes/no"]
        if op in ORDER_OPS and not isinstance(_norm(v), float):
            return [f"{where}: `{op}` compares numbers; {v!r} is not one"]
    return []


def known_field(name: str, device_columns: set[str]) -> bool:
    if name.startswith("device."):
        return name[len("device."):] in device_columns
    return name in site_fields()


def fields_of(cond: dict | None) -> set[str]:
    """Every field a condition reads."""
    if not cond:
        return set()
    for key in ("all", "any"):
        if key in cond:
            return set().union(*(fields_of(c) for c in cond[key]))
    if "not" in cond:
        return fields_of(cond["not"])
    return {f for f in (cond.get("field"), cond.get("value_field")) if f}


@dataclass
class Outcome:
    """True (holds), False (fails) or None (unknown: `missing` names the fields it lacks).
    `evidence` holds knowledge-base rows a values_from test matched."""

    value: bool | None
    missing: set[str] = field(default_factory=set)
    evidence: list[dict] = field(default_factory=list)


def evaluate(cond: dict, get: Callable[[str], Any], lookup: Callable[[str, str], list[dict]]) -> Outcome:
    """Evaluate `cond`. `get(field)` gives a field's value or None when unknown;
    `lookup(table, column)` gives the rows a values_from test compares with (each with a
    `value` key)."""
    for key in ("all", "any"):
        if key in cond:
            parts = [evaluate(c, get, lookup) for c in cond[key]]
            decisive = False if key == "all" else True
            hits = [p for p in parts if p.value is decisive]
            if hits:
                return Outcome(decisive, evidence=[e for p in hits for e in p.evidence])
            unknown = [p for p in parts if p.value is None]
            if unknown:
                return Outcome(None, set().union(*(p.missing for p in unknown)))
            return Outcome(not decisive, evidence=[e for p in parts for e in p.evidence])
    if "not" in cond:
        inner = evaluate(cond["not"], get, lookup)
        return Outcome(None if inner.value is None else not inner.value, inner.missing, inner.evidence)
    return _test(cond, get, lookup)


def _norm(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        s = v.strip().lower()
        try:
            return float(s)
        except ValueError:
            return " ".join(s.split())
    return v


def _test(cond: dict, get, lookup) -> Outcome:
    missing = set()
    left = get(cond["field"])
    if left is None:
        missing.add(cond["field"])
    evidence: list[dict] = []
    if "value_field" in cond:
        right = get(cond["value_field"])
        if right is None:
            missing.add(cond["value_field"])
    elif "values_from" in cond:
        right = lookup(cond["values_from"]["table"], cond["values_from"]["column"])
    else:
        right = cond["value"]
    if missing:
        return Outcome(None, missing)
    op = cond["op"]
    a = _norm(left)
    if op in ("in", "not_in"):
        if "values_from" in cond:
            words = {a, *(_norm(w) for w in str(left).replace(",", " ").split())}
            evidence = [r for r in right if _norm(r["value"]) in words]
            found = bool(evidence)
        else:
            found = a in {_norm(x) for x in right}
        return Outcome(found if op == "in" else not found, evidence=evidence)
    if op == "between":
        lo, hi = (_norm(x) for x in right)
        return Outcome(_cmp(lo, "<=", a) and _cmp(a, "<=", hi))
    return Outcome(_cmp(a, op, _norm(right)))


def _cmp(a, op: str, b) -> bool:
    if op == "equals":
        return a == b
    if op == "not_equals":
        return a != b
    if not (isinstance(a, float) and isinstance(b, float)):
        return False  # an order test on a non-number never holds (the site value is checked first)
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
