"""The pieces of HTML every task page repeats for each fact (its passage link, who states it,
a directive's status), written in Python: called once per row, as Jinja macros in Datasette's
async template mode they cost more than the rest of a row. Jinja globals (web/plugins/pages.py)."""

from __future__ import annotations

from markupsafe import Markup, escape


def _cut(text: str | None, shown: int) -> str:
    text = text or ""
    return text if len(text) <= shown else text[:shown].rstrip() + "…"


def quote_link(fact: dict, shown: int = 160) -> Markup:
    """The fact's quote, as text, linked to its passage page."""
    if not fact.get("passage"):
        return Markup("")
    return Markup(f'<a class="msakb-passage" href="{escape(fact["passage"])}" title="Read this passage in its source">'
                  f'{escape(_cut(fact.get("quote_text"), shown))}</a>')


def other_quote_link(fact: dict, shown: int = 400) -> Markup:
    """The second passage of a conflict, linked to its passage page."""
    if not fact.get("other_passage"):
        return Markup("")
    return Markup(f'<a class="msakb-passage" href="{escape(fact["other_passage"])}" title="Read this passage in its source">'
                  f'{escape(_cut(fact.get("other_quote_text"), shown))}</a>')


def who_span(fact: dict) -> Markup:
    """Who states the fact ("reported by TESCO Metering (industry)")."""
    if not fact.get("who"):
        return Markup("")
    return Markup(f'<span class="msakb-who msakb-{escape(fact.get("attribution") or "unknown")}">{escape(fact["who"])}</span>')


def cited(fact: dict, shown: int = 160) -> Markup:
    """Who states the fact, then its passage link, on a line under it."""
    return Markup(f'<div class="msakb-cited">{who_span(fact)} {quote_link(fact, shown)}</div>')


def directive_status(directive: dict, today: str) -> Markup:
    """Open while the due date is ahead; after it, unknown unless a source says."""
    due = directive.get("due_date")
    if not due:
        return Markup('<span class="msakb-status-none">no due date</span>')
    if due >= today:
        return Markup(f'<span class="msakb-status-open">open: due {escape(due)}</span>')
    return Markup(f'<span class="msakb-status-unknown">due {escape(due)}; status unknown: no source in the knowledge '
                  "base says whether it was met</span>")
