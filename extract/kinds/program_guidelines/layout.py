"""The layout of a utility's program guidelines (kind `program_guidelines`): its rules (data,
patterns/program_guidelines.yaml), its anchors (headings, step captions, FAQ questions: what
a passage's `section` is), its dash lists with their lead-ins, and its prose lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from msakb.extract.shared.tables import Table, tables
from msakb.extract.shared.text import Span, lines, sections
from msakb.extract.shared.patterns import pattern_file

_DASH_ITEM = re.compile(r"^(?P<indent>[ \t]*)-[ \t]+(?P<body>\S.*?)\s*$")


@lru_cache(maxsize=None)
def rules() -> dict:
    """The parser's rules, with every regex compiled (case-insensitive)."""
    data = pattern_file("program_guidelines.yaml")
    rx = lambda p: re.compile(p, re.I)  # noqa: E731
    return {
        "lists": [(rx(r["lead_in"]), r["category"]) for r in data["lists"]],
        "sentences": [(rx(r["pattern"]), r["category"]) for r in data["sentences"]],
        "step_fields": [(rx(p), f) for p, f in data["step_fields"].items()],
        "step_caption": rx(data["step_caption"]),
        "phase_heading": re.compile(data["phase_heading"]),
        "faq_heading": rx(data["faq_heading"]),
        "faq_question": rx(data["faq_question"]),
        "timeline_activities": list(data["timeline_activities"]),
        "fee_per": rx(data["fee_per"]),
        "regulators": list(data["regulators"]),
        "decision_context_chars": int(data["decision_context_chars"]),
    }


@dataclass
class DashItem:
    body: Span
    level: int
    children: list["DashItem"] = field(default_factory=list)


@dataclass
class DashList:
    lead_in: Span | None  # the nearest line of text above the list
    items: list[DashItem]  # top-level items; nested ones are their children
    span: Span


@dataclass
class Layout:
    """Where things are in one guidelines text."""

    text: str
    tables: list[Table]
    anchors: list[tuple[int, str]]  # (offset, heading / step caption / FAQ question), in order
    lists: list[DashList]
    prose: list[Span]  # lines of text outside tables and lists
    faq_start: int | None  # offset of the FAQ heading line

    def section_at(self, pos: int) -> str | None:
        """The heading, step caption or FAQ question a passage at `pos` comes under."""
        found = None
        for start, title in self.anchors:
            if start > pos:
                break
            found = title
        return found


def read_layout(span: Span) -> Layout:
    r = rules()
    tbls = tables(span)
    in_table = [(t.span.start, t.span.end) for t in tbls]
    anchors = [(s.heading.start, s.heading.clean()) for s in sections(span)]
    for t in tbls:
        if t.captions:
            anchors.append((t.captions[0].start, t.captions[0].clean()))
    faq_start = None
    all_lines = lines(span)
    for ln in all_lines:
        if faq_start is None and r["faq_heading"].search(ln.raw.strip()):
            faq_start = ln.start
        elif faq_start is not None and r["faq_question"].match(ln.raw):
            anchors.append((ln.start, ln.strip().clean()))
    anchors.sort()
    dash_lists, prose, cur, prev_text = [], [], [], None
    for ln in all_lines:
        if any(a <= ln.start < b for a, b in in_table):
            continue
        m = _DASH_ITEM.match(ln.raw)
        if m:
            cur.append(DashItem(Span(ln.text, ln.start + m.start("body"), ln.start + m.end("body")),
                                len(m.group("indent").expandtabs(4))))
            continue
        if cur:
            dash_lists.append(_nest(cur, prev_text))
            cur = []
        if ln.raw.strip():
            prev_text = ln.strip()
            prose.append(prev_text)
    if cur:
        dash_lists.append(_nest(cur, prev_text))
    return Layout(span.text, tbls, anchors, dash_lists, prose, faq_start)


def _nest(items: list[DashItem], lead_in: Span | None) -> DashList:
    """Items indented deeper than the list's first become children of the item above them."""
    top: list[DashItem] = []
    base = items[0].level
    for it in items:
        if it.level > base and top:
            top[-1].children.append(it)
        else:
            top.append(it)
    return DashList(lead_in, top, items[0].body.cover(items[-1].body))
