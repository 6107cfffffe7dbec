"""Devices as sources name them: a name and what its parentheses add, product and model, the
device's id, and the companion devices an approval requires ('A (M1) and B or C')."""

from __future__ import annotations

import re

from msakb.extract.shared.memo import short_memo
from msakb.extract.shared.records import Record, SourceDoc, slug
from msakb.extract.shared.text import Span, trim, whole

_PAREN_TAIL = re.compile(r"^(?P<name>.*?)\s*\((?P<paren>[^()]*)\)\s*$")


def device_name(span: Span) -> tuple[str, str | None]:
    """'EV V1.0 E-B-4-22-60-100 (100 Rated Amps)' -> ('EV V1.0 E-B-4-22-60-100', '100 Rated Amps')."""
    text = span.clean()
    m = _PAREN_TAIL.match(text)
    if m and m.group("name"):
        return m.group("name"), m.group("paren")
    return text, None


def split_product_model(name: str) -> tuple[str | None, str]:
    """'Backup Switch 1624171-xx-y' -> ('Backup Switch', '1624171-xx-y'); a name with no
    model-number-like token is all model."""
    toks = name.split()
    for i, t in enumerate(toks):
        if i > 0 and re.search(r"\d", t) and re.search(r"[-]", t):
            return " ".join(toks[:i]), " ".join(toks[i:])
    return None, name


def device_id(manufacturer: str, name: str) -> str:
    return slug(manufacturer, name)


def split_outside_parens(text: str, sep: re.Pattern) -> list[tuple[int, int]]:
    """(start, end) pieces of text split at `sep` matches that lie outside parentheses."""
    depth, cuts = 0, []
    pos = 0
    for m in sep.finditer(text):
        depth = text.count("(", 0, m.start()) - text.count(")", 0, m.start())
        if depth == 0:
            cuts.append((pos, m.start()))
            pos = m.end()
    cuts.append((pos, len(text)))
    return cuts


_OR = re.compile(r"\s+or\s+")
_AND = re.compile(r"\s+and\s+|,\s+")
_ITEM_MODEL = re.compile(r"^(?P<name>.*?)\s*\((?P<model>[^()]*)\)\s*$")


def required_devices(doc: SourceDoc, cell: Span, approval_id: str, rule: str) -> list[Record]:
    """'A (M1) and B (M2) or C and D' -> option 1: A, B; option 2: C, D."""
    return [doc.record("required_devices", {
        "id": f"{approval_id}/requires/{k}", "approval_id": approval_id, "option": opt, "name": name, "model": model,
    }, cell.sub(a, b), rule) for k, (opt, a, b, name, model) in enumerate(_required(cell.raw), 1)]


@short_memo
def _required(raw: str) -> tuple[tuple[int, int, int, str, str | None], ...]:
    """(option, start, end, name, model) of each device a cell requires (offsets in `raw`):
    a cell is read once however many approvals of its row require the devices."""
    out = []
    cell = trim(whole(raw))
    raw = cell.raw
    for opt, (a, b) in enumerate(split_outside_parens(raw, _OR), 1):
        for c, d in split_outside_parens(raw[a:b], _AND):
            piece = trim(cell.sub(a + c, a + d))
            if not piece:
                continue
            text = piece.clean()
            m = _ITEM_MODEL.match(text)
            name, model = (m.group("name"), m.group("model")) if m else (text, None)
            if model and not re.search(r"\d", model):
                name, model = text, None  # "(EVSE)" is an abbreviation, not a model number
            out.append((opt, piece.start, piece.end, name, model))
    return tuple(out)
