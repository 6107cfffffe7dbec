"""A deck's map of the country: which states have a regulatory framework for MSAs (existing,
pending, lobbied for), and which utilities install MSAs under which model (utility crews,
a joint meet, or the installer), plus what each model means.

The installation-model roster is written "CA – SCE PGE SDGE": an optional state code and a
dash, then utility names separated by spaces, each a spelling in kb/gazetteer/utilities.yaml.
A line is a roster line only if it reads wholly as names; a roster slide with a line that
does not is an error naming the line (a utility missing from the gazetteer).
"""

from __future__ import annotations

import re
from typing import Iterator

from msakb.errors import SourceError
from msakb.extract.kinds.slide_deck.slides import Slide, deck_patterns, heading_text, titled
from msakb.extract.shared.records import Record, SourceDoc, slug
from msakb.extract.shared.text import Item, Span, list_items
from msakb.knowledge.gazetteer import Gazetteer

RULE = "deck_landscape"
_PREFIX = re.compile(r"^(?P<state>[A-Z]{2})\s*[–-]\s*(?P<names>\S.*)$")
_WORD = re.compile(r"\S+")


def parse(doc: SourceDoc, gaz: Gazetteer) -> Iterator[Record]:
    # Framework facts first: a state the roster names again is then a citation of its row.
    yield from frameworks(doc, gaz)
    yield from installation_models(doc, gaz)


# --- states and their frameworks --------------------------------------------------------------


def frameworks(doc: SourceDoc, gaz: Gazetteer) -> Iterator[Record]:
    conf = deck_patterns()["frameworks"]
    for slide in titled(doc.span(), conf["slide"]):
        for part in slide.parts:
            status = conf["parts"].get(heading_text(part).lower())
            if status is None:
                continue
            for item in list_items(part.body):
                name = item.body.clean()
                code = gaz.state_code(name)
                if code is None:
                    raise SourceError(None, f"{heading_text(part)!r} lists {name!r}, which is no state or territory "
                                            "in kb/gazetteer/states.yaml", line=item.body.line)
                yield doc.record("states", {"code": code, "name": gaz.states[code], "framework_status": status},
                                 item.body, f"{RULE}:framework")


# --- installation models ----------------------------------------------------------------------


def segment(span: Span, gaz: Gazetteer) -> list[tuple[str, Span]] | None:
    """Read a span as utility names separated by spaces, each the shortest spelling that lets
    the rest be read too ('ACE PSEG NJ FE' -> ACE, PSEG, NJ FE; not PSEG NJ, FE). None if the
    span cannot be read wholly as names."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(span.raw)]

    def read(i: int) -> list[tuple[str, Span]] | None:
        if i == len(words):
            return []
        for j in range(i + 1, len(words) + 1):
            piece = span.sub(words[i][0], words[j - 1][1])
            uid = gaz.utility_id(" ".join(piece.raw.split()))
            if uid is None:
                continue
            rest = read(j)
            if rest is not None:
                return [(uid, piece)] + rest
        return None

    return read(0) if words else None


def roster_line(item: Item, gaz: Gazetteer) -> tuple[Span | None, list[tuple[str, Span]]] | None:
    """'CA – SCE PGE SDGE' -> (span of 'CA', [(sce, 'SCE'), ...]); None if not a roster line."""
    body = item.body
    m = _PREFIX.match(body.raw)
    if m and gaz.state_code(m.group("state")):
        names = segment(body.sub(m.start("names"), m.end("names")), gaz)
        if names is not None:
            return body.sub(m.start("state"), m.end("state")), names
    names = segment(body, gaz)
    return (None, names) if names is not None else None


def installation_models(doc: SourceDoc, gaz: Gazetteer) -> Iterator[Record]:
    conf = deck_patterns()["installation_models"]
    for slide in titled(doc.span(), conf["slide"]):
        parts = [(p, conf["parts"].get(heading_text(p).lower())) for p in slide.parts]
        parts = [(p, model) for p, model in parts if model]
        items = [(p, model, it) for p, model in parts for it in list_items(p.body)]
        read = [(p, model, it, roster_line(it, gaz)) for p, model, it in items]
        if items and 2 * sum(1 for r in read if r[3]) >= len(items):
            yield from roster(doc, gaz, slide, read)
        else:
            yield from model_definitions(doc, parts)


def roster(doc: SourceDoc, gaz: Gazetteer, slide: Slide, read) -> Iterator[Record]:
    named_states: set[tuple[str, int]] = set()  # (code, offset): "CA – SCE PGE SDGE" names CA once
    for part, model, item, found in read:
        if found is None:
            raise SourceError(None, f"installation-model line {item.body.clean()!r} names no utility known to "
                                    "kb/gazetteer/utilities.yaml (add its spelling as an alias)", line=item.body.line)
        state_span, names = found
        for uid, span in names:
            u = gaz.utilities[uid]
            if state_span is not None and u["state"] != state_span.raw:
                raise SourceError(None, f"{span.raw!r} is listed under {state_span.raw}, but the gazetteer puts "
                                        f"{uid!r} in {u['state']}", line=item.body.line)
            group = u["kind"] == "group"
            quote = item.body if group else span
            yield doc.record("utilities", {"id": uid, "name": u["name"], "state": u["state"], "kind": u["kind"],
                                           "installation_model": model}, quote, f"{RULE}:installation_model")
            if u["state"]:
                where = state_span or quote
                if (u["state"], where.start) in named_states:
                    continue
                named_states.add((u["state"], where.start))
                yield doc.record("states", {"code": u["state"], "name": gaz.states[u["state"]],
                                            "framework_status": None}, where, f"{RULE}:roster_state", mention=True)
            else:
                yield unresolved(doc, slide, heading_text(part), span, uid)


def unresolved(doc: SourceDoc, slide: Slide, list_name: str, span: Span, uid: str) -> Record:
    """A roster entry that names no state and no utility ('NA'): kept as its group, flagged."""
    return doc.record("conflicts", {
        "id": f"{doc.id}/conflicts/{slug(list_name)}-{uid}",
        "kind": "within_source",
        "subject": f"{list_name.lower()} list: {span.raw!r}",
        "description": f"{span.raw!r} in the {list_name.lower()} list is not a state or utility code; the source "
                       f"does not say which utilities it means, so it is kept as the unresolved group {uid!r}",
        "other_source_id": doc.id, "other_quote": slide.title.raw,
        "other_char_start": slide.title.start, "other_char_end": slide.title.end,
    }, span, f"{RULE}:unresolved")


def model_definitions(doc: SourceDoc, parts) -> Iterator[Record]:
    """Each model's bullets, joined, as the definition of the model's name."""
    for part, _model in parts:
        items = list_items(part.body)
        if not items:
            continue
        term = heading_text(part)
        yield doc.record("definitions", {
            "id": f"{doc.id}/definitions/{slug(term)}", "term": term,
            "definition": " ".join(it.body.clean() for it in items),
        }, part.heading.cover(items[-1].body), f"{RULE}:model_definition")
