"""One loader for every YAML file msakb reads (JSON and JSON Lines: msakb/knowledge/jsonfile.py),
and the one way their errors read: `<file>, line <n>: <field>: <what is wrong>`.

Each file is hostile input until its model accepts it. The loader is safe (only YAML's core
tags: no Python objects, no sets or binary), refuses duplicate keys (YAML keeps the last one
silently), refuses aliases and merge keys unless the file's kind needs them (web/metadata.yaml
shares column descriptions with `<<: *provenance`), and bounds what they can expand to (an
alias bomb is a few lines that stand for billions of nodes) and how deep a file nests. Then a
pydantic model (`extra="forbid"`) says what the file may hold; its first complaint names the
file, the line and the field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from msakb.errors import MsakbError
from msakb.knowledge import parsed_store
from msakb.knowledge.files import DATA_LIMIT, FileRefused, read_regular

M = TypeVar("M", bound=BaseModel)

_Y = "tag:yaml.org,2002:"
_CORE_TAGS = {_Y + t for t in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")}
_MERGE = _Y + "merge"
MAX_DEPTH = 64
"""Deepest nesting a data file may have (the deepest shipped file nests 9 levels)."""
MAX_NODES = 1_000_000
"""Most values a file may stand for once its aliases are expanded."""
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser where present: 10x faster


class DataFileError(MsakbError):
    """A YAML, JSON or JSON Lines file is malformed; the message names file, line and field."""


@dataclass
class YamlDocument:
    """A parsed YAML file: its data, and its node tree (which knows each value's line)."""

    name: str
    data: Any
    node: yaml.Node | None

    def line_of(self, loc: tuple) -> int:
        """The line of the value at `loc` (a path of keys and indexes), or of the nearest
        value above it that exists."""
        node, line = self.node, 1
        if node is not None:
            line = node.start_mark.line + 1
        for k in loc:
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(k):
                        line, node = key_node.start_mark.line + 1, value_node
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(k, int) and 0 <= k < len(node.value):
                node = node.value[k]
                line = node.start_mark.line + 1
            else:
                return line
        return line

    def validate(self, model: type[M], error: type[MsakbError] = DataFileError) -> M:
        """The data as `model`, or `error` naming the file, the line and the field."""
        try:
            return model.model_validate(self.data)
        except ValidationError as e:
            err = e.errors()[0]
            raise error(f"{self.name}, line {self.line_of(err['loc'])}: "
                        f"{field_name(self.data, err['loc'])}: {message(err)}") from None


def message(err: dict) -> str:
    """A pydantic error's message, without its "Value error, " prefix."""
    msg = err["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    return msg


def unquoted_date(value: Any, path: str = "") -> str | None:
    """Where `value` holds a date, and what to do (YAML reads an unquoted 2025-03-31 as a date):
    for data stored as JSON, which has none. None when it holds no date."""
    if isinstance(value, dict):
        items = ((f"{path}.{k}" if path else str(k), v) for k, v in value.items())
    elif isinstance(value, list):
        items = ((f"{path}[{i}]", v) for i, v in enumerate(value))
    else:
        if isinstance(value, dt.date):
            day = value.isoformat()
            return f"{path or 'the value'} is the date {day}: write it in quotes (\"{day}\")"
        return None
    return next((p for p in (unquoted_date(v, k) for k, v in items) if p), None)


def _singular(word: str) -> str:
    if word in ("series", "species"):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "ases", "xes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def field_name(data: Any, loc: tuple) -> str:
    """How an error names the place `loc` in `data`: "source 'sce-list', field url" for an
    item of a list of mappings with ids, "record 3, field values" without, else "field a.b[2].c".
    Steps of `loc` that index no data (pydantic's names of union members) are left out."""
    steps, cur = [], data
    for i, k in enumerate(loc):
        if isinstance(cur, dict) and k in cur:
            steps.append(k)
            cur = cur[k]
        elif isinstance(cur, list) and isinstance(k, int) and 0 <= k < len(cur):
            steps.append(k)
            cur = cur[k]
        elif i == len(loc) - 1 and isinstance(cur, dict) and isinstance(k, str):
            steps.append(k)  # a missing key
    label, rest = None, steps
    if steps and isinstance(steps[0], int):
        label, rest = f"item {steps[0] + 1}", steps[1:]
    elif len(steps) >= 2 and isinstance(steps[0], str) and isinstance(steps[1], int):
        item = data[steps[0]][steps[1]]
        ident = item.get("id") if isinstance(item, dict) else None
        what = _singular(steps[0])
        label = f"{what} {ident!r}" if isinstance(ident, str) else f"{what} {steps[1] + 1}"
        rest = steps[2:]
    path = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in rest).lstrip(".")
    if label and path:
        return f"{label}, field {path}"
    return label or (f"field {path}" if path else "the whole file")


def _where(name: str, mark) -> str:
    return f"{name}, line {mark.line + 1}, column {mark.column + 1}"


def _yaml_problem(name: str, text: str, e: yaml.YAMLError) -> str:
    if isinstance(e, yaml.MarkedYAMLError) and e.problem_mark is not None:
        what = e.problem or "not valid YAML"
        if e.context:
            what = f"{e.context}, {what}"
        return f"{_where(name, e.problem_mark)}: not valid YAML: {' '.join(what.split())}"
    if isinstance(e, yaml.reader.ReaderError):
        pos = e.position
        line = text.count("\n", 0, pos) + 1
        return (f"{name}, line {line}, column {pos - (text.rfind(chr(10), 0, pos) + 1) + 1}: character "
                f"{e.character!r} is not allowed in YAML; remove it")
    return f"{name}: not valid YAML: {' '.join(str(e).split())}"


def _first_alias(text: str):
    """The mark of the first alias or merge key in `text` (the node tree no longer has it)."""
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            return event.start_mark
    return None


def _check(node: yaml.Node, name: str, text: str, aliases: bool, loader) -> None:
    """Refuse what the file's kind does not allow, before anything is constructed: other tags
    than YAML's core ones, duplicate or non-scalar keys, aliases and merge keys (unless
    `aliases`), a structure that contains itself, nesting deeper than MAX_DEPTH, or more than
    MAX_NODES values once aliases are expanded. Scalars that cannot become values (a date
    with month 13, an integer of 5,000 digits) are found here too, with their line."""
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, int, bool]] = [(node, 1, False)]
    while stack:
        n, depth, done = stack.pop()
        nid = id(n)
        if done:
            on_path.discard(nid)
            size[nid] = 1 + sum(size.get(id(c), 0) for c in _children(n))
            if size[nid] > MAX_NODES:
                raise DataFileError(f"{name}, line {n.start_mark.line + 1}: this value stands for more than "
                                    f"{MAX_NODES:,} values once its aliases are expanded; write it out plainly")
            continue
        if nid in size or nid in on_path:
            if not aliases:
                mark = _first_alias(text) or n.start_mark
                raise DataFileError(f"{name}, line {mark.line + 1}: YAML aliases (*name) and anchors (&name) are "
                                    "not allowed in this file; write the value out where it is needed")
            if nid in on_path:
                raise DataFileError(f"{name}, line {n.start_mark.line + 1}: a value that contains itself "
                                    "(an alias to its own anchor); write it out plainly")
            continue
        if depth > MAX_DEPTH:
            raise DataFileError(f"{name}, line {n.start_mark.line + 1}: nested more than {MAX_DEPTH} levels deep")
        if n.tag not in _CORE_TAGS and not (aliases and n.tag == _MERGE):
            if n.tag == _MERGE:
                raise DataFileError(f"{name}, line {n.start_mark.line + 1}: merge keys (<<) are not allowed "
                                    "in this file; write the keys out")
            raise DataFileError(f"{name}, line {n.start_mark.line + 1}: the tag {n.tag.replace(_Y, '!!')} is not "
                                "allowed; data files hold only strings, numbers, booleans, dates, lists and mappings")
        if isinstance(n, yaml.ScalarNode) and n.tag in (_Y + "int", _Y + "timestamp", _Y + "float"):
            try:
                loader.construct_object(n)
            except (ValueError, OverflowError) as e:
                raise DataFileError(f"{name}, line {n.start_mark.line + 1}: {n.value[:40]!r} is not a valid "
                                    f"{n.tag.replace(_Y, '')} ({e}); quote it if it is text") from None
        if isinstance(n, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in n.value:
                if key_node.tag == _MERGE:
                    continue
                if not isinstance(key_node, yaml.ScalarNode):
                    raise DataFileError(f"{name}, line {key_node.start_mark.line + 1}: a mapping key must be a "
                                        "plain value (a string or a number), not a list or mapping")
                try:
                    key = loader.construct_object(key_node)
                except (ValueError, OverflowError, yaml.YAMLError):
                    key = (key_node.tag, key_node.value)
                if key in seen:
                    raise DataFileError(f"{name}, line {key_node.start_mark.line + 1}: duplicate key "
                                        f"{key_node.value[:60]!r} (also on line {seen[key]}); YAML would keep only "
                                        "the last one: remove one of them")
                seen[key] = key_node.start_mark.line + 1
        on_path.add(nid)
        stack.append((n, depth, True))
        stack.extend((c, depth + 1, False) for c in _children(n))


def _children(n: yaml.Node) -> list[yaml.Node]:
    if isinstance(n, yaml.MappingNode):
        return [x for pair in n.value for x in pair]
    if isinstance(n, yaml.SequenceNode):
        return list(n.value)
    return []


def parse_yaml(text: str, name: str, aliases: bool = False) -> YamlDocument:
    """YAML text, checked (see `_check`) and constructed; errors name `name` and the line."""
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as e:
            raise DataFileError(_yaml_problem(name, text, e)) from None
        if node is None:
            return YamlDocument(name, None, None)
        _check(node, name, text, aliases, loader)
        try:
            data = loader.construct_document(node)
        except yaml.YAMLError as e:
            raise DataFileError(_yaml_problem(name, text, e)) from None
        except (ValueError, TypeError, OverflowError, RecursionError) as e:
            raise DataFileError(f"{name}: a value cannot be read ({e})") from None
        return YamlDocument(name, data, node)
    finally:
        loader.dispose()


def read_text(path: Path, name: str, folder: Path | None = None, limit: int = DATA_LIMIT) -> str:
    """A data file's text: a regular file (inside `folder` when given), UTF-8."""
    try:
        data = read_regular(path, limit, folder)
    except FileNotFoundError:
        raise DataFileError(f"{name}: file not found") from None
    except FileRefused as e:
        raise DataFileError(str(e)) from None
    except OSError as e:
        raise DataFileError(f"{name}: cannot be read ({e.strerror or e})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise DataFileError(f"{name}, line {line}: not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start}); "
                            "save the file as UTF-8") from None


def load_yaml(path: Path, name: str | None = None, folder: Path | None = None, aliases: bool = False) -> YamlDocument:
    """The YAML file at `path`; `name` is how errors call it (default: the path)."""
    name = name or str(path)
    return parse_yaml(read_text(Path(path), name, folder), name, aliases)


@lru_cache(maxsize=1)
def _parser_fingerprint() -> bytes:
    """What shapes the data a text parses to: this loader's code and the YAML library's."""
    return hashlib.sha256(Path(__file__).read_bytes() + f"\0{yaml.__version__}\0{_Loader.__name__}".encode()).digest()


def load_model(path: Path, model: type[M], name: str | None = None, folder: Path | None = None,
               aliases: bool = False, empty: Any = None, error: type[MsakbError] = DataFileError) -> M:
    """The YAML file at `path` as `model` (an empty file is `empty`); every error is `error`,
    naming the file, the line and (for a value the model refuses) the field. The text's data
    may come from a previous build's parse of the very same text (msakb/knowledge/parsed_store.py),
    validated alike; anything wrong with it, and any complaint of the model, parses the file."""
    name = name or str(path)
    try:
        text = read_text(Path(path), name, folder)
    except DataFileError as e:
        raise error(str(e)) from None
    key = hashlib.sha256(_parser_fingerprint() + f"\0{aliases}\0".encode() + text.encode("utf-8", "surrogatepass")).hexdigest()
    data = parsed_store.recall(path, aliases, key)
    if not parsed_store.missing(data):
        try:
            return model.model_validate(empty if data is None and empty is not None else data)
        except ValidationError:
            pass  # parsed again below: the error names the line
    try:
        doc = parse_yaml(text, name, aliases)
    except DataFileError as e:
        raise error(str(e)) from None
    parsed = doc.data
    if doc.data is None and empty is not None:
        doc.data = empty
    result = doc.validate(model, error)
    parsed_store.remember(path, aliases, key, parsed)
    return result


class _PlainDumper(yaml.SafeDumper):
    """Writes a value used twice out twice: the loader refuses aliases in most files."""

    def ignore_aliases(self, data) -> bool:
        return True


def dump_yaml(data: Any, width: int = 1000) -> str:
    """`data` as YAML the loader reads back: no aliases, keys in their order, UTF-8 text."""
    return yaml.dump(data, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=width)
