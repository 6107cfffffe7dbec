"""Standards as sources name them: one id per standard however it is written.

"UL-414", "UL 414" and a bare "414" in a list of UL standards are all `UL 414`;
"NEC Article 230" keeps its word;
"ANSI/NEMA C12.7" and "ANSI C12.7" are `ANSI C12.7`, and so is a bare "C12.7" (the C12
series is ANSI's). The spellings are data: extract/patterns/standards.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from msakb.errors import SourceError
from msakb.extract.shared.patterns import pattern_file

_WRITTEN = re.compile(r"^\s*(?:(?P<body>[A-Z]{2,5}(?:/[A-Z]{2,5})?)[\s-]+)?(?P<article>Article\s+)?"
                      r"(?P<number>[A-Z]?\d[\w.:]*)\s*$")
_CLAUSE = re.compile(r"^(?P<standard>.+?)\s*\((?P<clause>[^()]+)\)\s*$")


@dataclass(frozen=True)
class StandardRef:
    id: str  # "UL 414"
    body: str  # "UL"
    number: str  # "414"
    written_body: str | None  # the body as written ("ANSI/NEMA"), None if not written


@lru_cache(maxsize=None)
def _data() -> dict:
    return pattern_file("standards.yaml")


def standard_ref(text: str, default_body: str | None = None, line: int | None = None) -> StandardRef:
    """The id of a standard as written ('UL-414', 'ANSI/NEMA C12.7', 'C12.10', or '489'
    with default_body 'UL'). Text that is no standard is an error naming it."""
    m = _WRITTEN.match(text.replace("\u00a0", " "))
    if not m:
        raise SourceError(None, f"{text!r} is not a standard number (extract/kinds/slide_deck/standard_names.py)", line=line)
    data = _data()
    written, number = m.group("body"), m.group("number")
    if written:
        body = data["bodies"].get(written)
        if body is None:
            raise SourceError(None, f"unknown standards body {written!r} in {text!r}; add it to "
                                    "extract/patterns/standards.yaml (bodies)", line=line)
    else:
        body = next((s["body"] for s in data.get("series", []) if re.search(s["number"], number)), default_body)
        if body is None:
            raise SourceError(None, f"standard {text!r} names no body and no series rule gives one "
                                    "(extract/patterns/standards.yaml)", line=line)
    if m.group("article"):
        number = f"Article {number}"  # "NEC Article 230"
    return StandardRef(f"{body} {number}", body, number, written)


def clause_ref(text: str, line: int | None = None) -> tuple[StandardRef, str]:
    """'UL 414B (SB5-SB7)' -> (UL 414B, 'SB5-SB7')."""
    m = _CLAUSE.match(" ".join(text.split()))
    if not m:
        raise SourceError(None, f"{text!r} is not a standard with a clause in parentheses", line=line)
    return standard_ref(m.group("standard"), line=line), m.group("clause").strip()


def recorded(ref: StandardRef) -> bool:
    """Whether the knowledge base records standards of this body (patterns/standards.yaml)."""
    return ref.body in _data().get("recorded_bodies", [])


def values(ref: StandardRef, title: str | None = None, edition: str | None = None) -> dict:
    """The values of a `standards` row."""
    return {"id": ref.id, "body": ref.written_body or ref.body, "number": ref.number,
            "title": title, "edition": edition}
