"""A row's values checked against its table's model (db/store/models.py) before the build
writes it: a table a hand-written row may go to, columns the table has and the build does not
fill itself, every column it requires, each value of its column's kind. Used for reviewed
annotations (kb/annotations/), whose rows otherwise reach SQLite as they are written; each
problem is one sentence saying what to change."""

from __future__ import annotations

import datetime as dt
from typing import Any, Union, get_args, get_origin

from msakb.db.store.models import ATTRIBUTION, FACT_TABLES, PROVENANCE, SEARCH_ROWID

# Tables whose rows the build alone makes: citations and conflicts found by resolving,
# candidates and list changes derived, eligibility rules from kb/rules/.
BUILD_ONLY = frozenset({"citations", "candidates", "approval_changes", "rules"})
# Columns the build fills: the provenance (from the record's source and quote), the
# search index's copy of the rowid; who states a conflict's second passage (its source's voice).
FILLED = frozenset({*PROVENANCE, SEARCH_ROWID})
_FILLED_IF_LEFT_OUT = frozenset({*ATTRIBUTION, "other_voice", "other_speaker", "other_attribution"})


def fillable_tables() -> list[str]:
    """The tables a hand-written row may go to."""
    return sorted(set(FACT_TABLES) - BUILD_ONLY)


def _kind(annotation: Any) -> type:
    """str, int or float: what a column holds (Optional[x] is x)."""
    if get_origin(annotation) is Union:
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    return annotation


_KIND_NAMES = {str: "text", int: "a whole number", float: "a number"}


def _wrong(kind: type, v: Any) -> str | None:
    """Why `v` cannot be a value of a column of `kind` (None: it can)."""
    if isinstance(v, (dt.date, dt.datetime)):
        return f"not the date {v.isoformat()}: write it in quotes (\"{v.isoformat()}\")" if kind is str else \
            f"not the date {v.isoformat()}"
    if isinstance(v, (list, dict)):
        return f"not a {'list' if isinstance(v, list) else 'mapping'} ({str(v)[:60]})"
    if kind is str:
        if isinstance(v, bool):  # YAML reads yes, no, on, off, true and false so
            return f"not the yes/no value {str(v).lower()}: write the text in quotes"
        return None  # a number is stored as its text
    if isinstance(v, str):
        return f"not the text {v[:60]!r}"
    if kind is int and isinstance(v, float) and not v.is_integer():
        return f"not {v}"
    if kind is float and isinstance(v, bool):
        return f"not the yes/no value {str(v).lower()}"
    return None


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def row_problem(table: str, values: dict) -> str | None:
    """What is wrong with `values` as a row of `table` (None: nothing); the sentence names the
    row by its id when it has one, and says what to change."""
    model = FACT_TABLES.get(table)
    if model is None or table in BUILD_ONLY:
        return f"table {table!r} takes no hand-written rows; one of: {', '.join(fillable_tables())}"
    if not isinstance(values, dict):
        return f"values must be a mapping of {table}'s columns"
    fields = model.model_fields
    key = values.get("code" if table == "states" else "id")
    row = f"{table} row {key!r}" if isinstance(key, str) and key else f"a {table} row"
    filled = sorted(k for k in values if k in FILLED)
    if filled:
        return (f"{row}: {', '.join(filled)} {'is' if len(filled) == 1 else 'are'} filled by the build "
                "(from the record's source and quote), not given: remove it from values")
    unknown = sorted(k for k in values if k not in fields)
    if unknown:
        columns = [k for k in fields if k not in FILLED]
        return f"{table} has no column {', '.join(map(repr, unknown))}; its columns: {', '.join(columns)}"
    missing = [k for k, f in fields.items()
               if f.is_required() and k not in FILLED | _FILLED_IF_LEFT_OUT and _blank(values.get(k))]
    if missing:
        them = "it" if len(missing) == 1 else "them"
        return (f"{row} has no {' and '.join(missing)}, which its table requires: add {them} to values "
                f"({', '.join(f'{k}: ...' for k in missing)})")
    for k, v in values.items():
        if v is None:
            continue
        kind = _kind(fields[k].annotation)
        why = _wrong(kind, v)
        if why is not None:
            return f"{row}: {k} must be {_KIND_NAMES.get(kind, kind.__name__)}, {why}"
    return None
