"""Records as JSON, for the record cache: data that cannot run code when read.

A cache entry is a file anyone who can write the cache folder can change, so reading one must
do nothing but build values: JSON's own (strings, numbers, booleans, null, lists, mappings),
tagged forms of a few more (tuples, dates, mappings with other keys, non-finite floats), spans
as bare offsets, and the project's record types from a fixed list, each from exactly its
fields. A span is stored without its text and re-attached to the text the build just read and
hash-checked, with its offsets checked against it: an entry can never change what a quote says.
A value of any other type is not stored (`Unstorable`): the source is parsed again next time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from typing import Any

from msakb.extract.shared.entities import Entity
from msakb.extract.shared.records import Record
from msakb.extract.shared.text import Span

TYPES: dict[str, type] = {cls.__name__: cls for cls in (Record, Entity)}
"""The dataclasses an entry may hold (by name; nothing else is ever constructed)."""
_FIELDS = {name: tuple(f.name for f in dataclasses.fields(cls)) for name, cls in TYPES.items()}
assert _FIELDS["Record"] == ("table", "values", "span", "rule", "source_id", "mention"), "_encode's Record"


class Unstorable(Exception):
    """A value the cache does not store (its source is parsed again next time)."""


class Damaged(Exception):
    """A cache entry that is not what this module writes (it is ignored)."""


# One encoder for every entry (json.dumps with arguments makes a new one each call).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
# Values that are their own JSON, by exact type (a subclass takes the general way below).
_PLAIN = (str, int, bool, type(None))
_PLAIN_TYPES = frozenset(_PLAIN)
_PLAIN_OR_FLOAT = _PLAIN_TYPES | {float}


def dumps(value: Any, text: str) -> str:
    """`value` as JSON, its spans (which must be spans of `text`) as offsets."""
    return _ENCODER.encode(_encode(value, text))


def _plain_values(d: dict) -> bool:
    """Whether a mapping is its own JSON: keys strings with no `$`, values of _PLAIN or
    finite floats (a record's values; tested in C where it can be, as there are many)."""
    try:
        if "$" in "".join(d):  # a key not a string fails the join: then not plain either
            return False
    except TypeError:
        return False
    types = set(map(type, d.values()))
    if types <= _PLAIN_TYPES:
        return True
    return types <= _PLAIN_OR_FLOAT and all(math.isfinite(x) for x in d.values() if type(x) is float)


def _encode(v: Any, text: str) -> Any:
    t = type(v)
    if t in _PLAIN:  # the bulk of an entry, as the general way below writes it, in fewer steps
        return v
    if t is dict and _plain_values(v):
        return v  # a record's values
    if t is Record and type(v.span) is Span and (v.span.text is text or v.span.text == text):
        if (type(v.table) is str and type(v.rule) is str and type(v.source_id) is str and type(v.mention) is bool
                and type(v.values) is dict and _plain_values(v.values)):
            fields = {"table": v.table, "values": v.values, "span": {"$span": [v.span.start, v.span.end]},
                      "rule": v.rule, "source_id": v.source_id, "mention": v.mention}  # as below, in one step
        else:
            fields = {"table": _encode(v.table, text), "values": _encode(v.values, text),
                      "span": {"$span": [v.span.start, v.span.end]}, "rule": _encode(v.rule, text),
                      "source_id": _encode(v.source_id, text), "mention": _encode(v.mention, text)}
        return {"$obj": "Record", "fields": fields}
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else {"$float": repr(v)}
    if isinstance(v, Span):
        if v.text is not text and v.text != text:
            raise Unstorable("a span of another text")
        return {"$span": [v.start, v.end]}
    if isinstance(v, list):
        return [_encode(x, text) for x in v]
    if isinstance(v, tuple):
        return {"$tuple": [_encode(x, text) for x in v]}
    if isinstance(v, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in v):
            return {k: _encode(x, text) for k, x in v.items()}
        return {"$dict": [[_encode(k, text), _encode(x, text)] for k, x in v.items()]}
    if isinstance(v, dt.datetime):
        return {"$datetime": v.isoformat()}
    if isinstance(v, dt.date):
        return {"$date": v.isoformat()}
    name = type(v).__name__
    if TYPES.get(name) is type(v):
        return {"$obj": name, "fields": {f: _encode(getattr(v, f), text) for f in _FIELDS[name]}}
    raise Unstorable(f"a value of type {name}")


def loads(data: str, text: str) -> Any:
    """What `dumps` wrote, its spans re-attached to `text`; `Damaged` for anything else."""
    def tagged(d: dict) -> Any:
        if "$" not in "".join(d):  # most mappings: no key can be a tag
            return d
        tags = [k for k in d if k.startswith("$")]
        if not tags:
            return d
        tag = tags[0]
        if tag == "$span" and len(d) == 1:
            pos = d[tag]
            if (isinstance(pos, list) and len(pos) == 2 and all(type(p) is int for p in pos)
                    and 0 <= pos[0] <= pos[1] <= len(text)):
                return Span(text, pos[0], pos[1])
        elif tag == "$tuple" and len(d) == 1 and isinstance(d[tag], list):
            return tuple(d[tag])
        elif tag == "$dict" and len(d) == 1 and isinstance(d[tag], list):
            if all(isinstance(p, list) and len(p) == 2 for p in d[tag]):
                try:
                    return {k: x for k, x in d[tag]}
                except TypeError:  # an unhashable key
                    pass
        elif tag == "$float" and len(d) == 1 and d[tag] in ("nan", "inf", "-inf"):
            return float(d[tag])
        elif tag in ("$date", "$datetime") and len(d) == 1 and isinstance(d[tag], str):
            try:
                return (dt.date if tag == "$date" else dt.datetime).fromisoformat(d[tag])
            except ValueError:
                pass
        elif tag == "$obj" and set(d) == {"$obj", "fields"} and d["$obj"] in TYPES:
            fields = d["fields"]
            if isinstance(fields, dict) and tuple(fields) == _FIELDS[d["$obj"]]:
                return _construct(d["$obj"], fields)
        raise Damaged(f"unexpected {tag}")

    try:
        return json.loads(data, object_hook=tagged, parse_constant=_no_constant)
    except (ValueError, RecursionError) as e:  # JSONDecodeError is a ValueError
        raise Damaged(str(e)) from None


_SHAPES = {  # what the fields a build relies on must be
    "Record": {"table": str, "values": dict, "span": Span, "rule": str, "source_id": str, "mention": bool},
    "Entity": {"label": str, "rule": str, "span": Span},
}


def _construct(name: str, fields: dict) -> Any:
    for field, kind in _SHAPES[name].items():
        if not isinstance(fields.get(field), kind):
            raise Damaged(f"{name}.{field} is not a {kind.__name__}")
    return TYPES[name](**fields)


def _no_constant(name: str):
    raise Damaged(f"{name} in an entry")
