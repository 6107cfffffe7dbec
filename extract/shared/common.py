"""Pieces every extractor shares: table shapes, status lookups, device names, companion
device lists, specs from entities, utilities named near a table."""

from __future__ import annotations

import re
from functools import lru_cache

import yaml

from msakb.errors import SourceError
from msakb.extract.shared import quantities as q
from msakb.extract.shared.entities import find_entities
from msakb.extract.shared.records import Record, SourceDoc, slug
from msakb.extract.shared.tables import Table
from msakb.extract.shared.text import Span, clean_text, lines, trim
from msakb.extract.shared.patterns import PATTERNS
from msakb.knowledge.gazetteer import Gazetteer


@lru_cache(maxsize=None)
def table_shapes() -> dict[str, dict[str, str]]:
    return yaml.safe_load((PATTERNS / "table_shapes.yaml").read_text(encoding="utf-8"))


def classify(table: Table) -> tuple[str, dict[str, int]] | None:
    """The shape of a table and its column map, or None if no shape knows two headers.
    A table of a known shape with an unknown header is an error naming the header."""
    if table.header is None:
        return None
    heads = [c.clean().lower() for c in table.header.cells]
    best, best_known = None, 0
    for name, known in table_shapes().items():
        n = sum(1 for h in heads if h in known)
        if n > best_known:
            best, best_known = name, n
    if best is None or best_known < 2:
        return None
    known = table_shapes()[best]
    cols = {}
    for i, h in enumerate(heads):
        if not h:
            continue
        if h not in known:
            raise SourceError(
                None,
                f"unknown column header {table.header.cells[i].clean()!r} in a {best} table; "
                f"known headers: {', '.join(sorted(known))} (extract/patterns/table_shapes.yaml)",
                line=table.header.span.line,
            )
        cols[known[h]] = i
    return best, cols


@lru_cache(maxsize=None)
def _statuses():
    rules = yaml.safe_load((PATTERNS / "statuses.yaml").read_text(encoding="utf-8"))
    return [(re.compile(r["pattern"]), r["status"]) for r in rules]


def normalise_status(text: str, line: int | None = None) -> tuple[str, str | None]:
    """Verbatim status -> (status, limitation). Unknown text is an error."""
    t = text.strip().rstrip("*").strip()
    for rx, status in _statuses():
        m = rx.search(t)
        if m:
            return status, (m.groupdict().get("limitation") or None)
    raise SourceError(None, f"unknown approval status {text!r}; add a pattern for it to extract/patterns/statuses.yaml", line=line)


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
    out = []
    cell = trim(cell)
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
            out.append(doc.record("required_devices", {
                "id": f"{approval_id}/requires/{len(out) + 1}",
                "approval_id": approval_id, "option": opt, "name": name, "model": model,
            }, piece, rule))
    return out


SPEC_LABELS = {
    "AMPS": ("current", "A"), "KILOAMPS": ("fault_current", "A"), "VOLTS": ("voltage", "V"),
    "HERTZ": ("frequency", "Hz"), "METER_FORM": ("meter_form", None), "PHASE": ("phase", None),
    "STANDARD": ("standard", None), "POWER": ("power", "kW"), "JAWS": ("jaws", None),
}


def spec_values(label: str, text: str) -> dict:
    """The typed value of a spec entity."""
    if label in ("AMPS", "KILOAMPS"):
        ns = q.numbers(text)
        v = q.amps(text)
        vmax = ns[1] if len(ns) > 1 and "–" in text or (len(ns) > 1 and "-" in text.split()[0]) else None
        return {"value": v, "value_max": vmax}
    if label == "VOLTS":
        low, high = q.volts(text)
        return {"value": high, "value_max": None, "qualifier": f"{low}/{high}" if low else None}
    if label in ("HERTZ", "JAWS", "POWER"):
        return {"value": q.number(text)}
    return {}


def specs(doc: SourceDoc, span: Span, rule: str, device_ids: list[str | None], approval_id: str | None = None,
          labels: set[str] | None = None) -> list[Record]:
    """A spec row per entity in `span`, for each device in `device_ids`."""
    out = []
    for e in find_entities(span, labels or set(SPEC_LABELS)):
        quantity, unit = SPEC_LABELS[e.label]
        vals = spec_values(e.label, e.text)
        for dev in device_ids:
            out.append(doc.record("specs", {
                "id": doc.next_id("specs"), "device_id": dev, "approval_id": approval_id,
                "quantity": quantity, "unit": unit, "text": clean_text(e.text), **vals,
            }, e.span, f"{rule}:{e.rule}"))
    return out


def utility_before(doc: SourceDoc, gaz: Gazetteer, table: Table, max_lines: int = 12) -> tuple[str, Span] | None:
    """The utility named on the nearest non-blank line above a table (its caption)."""
    before = lines(Span(doc.text, max(0, table.span.start - 3000), table.span.start))
    seen = 0
    for ln in reversed(before):
        if not ln.raw.strip():
            continue
        seen += 1
        found = gaz.find_utilities(ln)
        if found:
            return found[0]
        if seen >= max_lines:
            break
    return None


def utility_mention(doc: SourceDoc, gaz: Gazetteer, uid: str, span: Span, rule: str) -> Record:
    u = gaz.utilities[uid]
    return doc.record("utilities", {"id": uid, "name": u["name"], "state": u["state"], "kind": u["kind"]},
                      span, rule, mention=True)


def manifest_utility(doc: SourceDoc, gaz: Gazetteer, rule: str) -> tuple[str | None, list[Record]]:
    """The source's own utility (manifest `utility`), as a mention at its first naming."""
    uid = doc.entry.utility
    if not uid:
        return None, []
    if uid not in gaz.utilities:
        raise SourceError(doc.id, f"manifest names utility {uid!r}, which kb/gazetteer/utilities.yaml does not list")
    for found, span in gaz.find_utilities(doc.span()):
        if found == uid:
            return uid, [utility_mention(doc, gaz, uid, span, rule)]
    raise SourceError(doc.id, f"the manifest says the source is {uid!r}'s, but the text never names it")


@lru_cache(maxsize=None)
def _justification_markers() -> tuple[list[tuple[str, bool]], list[str]]:
    data = yaml.safe_load((PATTERNS / "justifications.yaml").read_text(encoding="utf-8")) or {}
    markers = [(m["marker"], bool(m.get("keep"))) for m in data.get("markers", [])]
    return markers, list(data.get("not_reasons", []))


def split_justification(span: Span) -> tuple[Span, Span | None]:
    """'No conduit is used, as cables have low voltage' -> (span of 'No conduit is used',
    span of 'cables have low voltage'). The markers are data (patterns/justifications.yaml);
    a passage without one gives (span, None): a justification is never invented."""
    raw = span.raw
    markers, not_reasons = _justification_markers()
    best = None
    for marker, keep in markers:
        pos = raw.find(marker)
        while pos >= 0 and any(raw.startswith(nr, pos) for nr in not_reasons):
            pos = raw.find(marker, pos + 1)
        if pos > 0 and (best is None or pos < best[0]):
            best = (pos, marker, keep)
    if best is None:
        return span, None
    pos, marker, keep = best
    head = trim(span.sub(0, pos)).strip(" \t,;:.")
    reason = trim(span.sub(pos if keep else pos + len(marker))).strip(" \t.;")
    if not head or not reason:
        return span, None
    return head, reason
