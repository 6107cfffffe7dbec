"""JSON and JSON Lines files, read as the YAML ones are (msakb/knowledge/yamlfile.py): the
standard's JSON only (no duplicate keys, no NaN or Infinity), then a pydantic model; an error
names the file, the line and the field."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from msakb.errors import MsakbError
from msakb.knowledge.yamlfile import DataFileError, field_name, message, read_text

M = TypeVar("M", bound=BaseModel)


def _strict_pairs(pairs: list[tuple[str, Any]]) -> dict:
    out: dict = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def parse_json(text: str) -> Any:
    """JSON as the standard says it: no duplicate keys, no NaN or Infinity."""
    return json.loads(text, object_pairs_hook=_strict_pairs, parse_constant=_no_constant)


def _json_problem(e: Exception) -> str:
    if isinstance(e, json.JSONDecodeError):
        return f"not valid JSON ({e.msg}, column {e.colno})"
    if isinstance(e, RecursionError):
        return "nested too deeply"
    return f"not valid JSON ({e})"


def load_jsonl(path: Path, model: type[M], name: str | None = None, error: type[MsakbError] = DataFileError) -> list[tuple[int, M]]:
    """(line number, `model`) of each non-blank line of a JSON Lines file."""
    name = name or str(path)
    try:
        text = read_text(Path(path), name)
    except DataFileError as e:
        raise error(str(e)) from None
    out = []
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            data = parse_json(line)
        except (ValueError, RecursionError) as e:
            raise error(f"{name}, line {n}: {_json_problem(e)}") from None
        try:
            out.append((n, model.model_validate(data)))
        except ValidationError as e:
            err = e.errors()[0]
            raise error(f"{name}, line {n}: {field_name(data, err['loc'])}: {message(err)}") from None
    return out


def load_json(path: Path, model: type[M], name: str | None = None, error: type[MsakbError] = DataFileError) -> M:
    """A JSON file as `model`; a refused value's line is that of its top-level key."""
    name = name or str(path)
    try:
        text = read_text(Path(path), name)
    except DataFileError as e:
        raise error(str(e)) from None
    try:
        data = parse_json(text)
    except json.JSONDecodeError as e:
        raise error(f"{name}, line {e.lineno}: {_json_problem(e)}") from None
    except (ValueError, RecursionError) as e:
        raise error(f"{name}: {_json_problem(e)}") from None
    try:
        return model.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        line = 1
        if err["loc"]:
            m = re.search(rf'"{re.escape(str(err["loc"][0]))}"\s*:', text)
            line = text.count("\n", 0, m.start()) + 1 if m else 1
        raise error(f"{name}, line {line}: {field_name(data, err['loc'])}: {message(err)}") from None
