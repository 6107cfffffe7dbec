"""A scope's restrictions as a list a reader can file: a list's introduction and its items
one entry (not an orphan "such as:" and items repeating it), and a condition the source states
twice (an eligibility rule and the disqualifier that negates it) one entry with both citations.
"""

from __future__ import annotations

import re

from msakb.filings import context as c
from msakb.filings.kb import Kb

_GAP = re.compile(r"(?:\s|<[^>]+>|[-•*]|&nbsp;)*")
_WORD = re.compile(r"[a-z0-9]+")
# Words that carry no condition of their own, or only its polarity ("is not", "exceeds"):
# a rule and its negation keep the same content words.
_FILLER = {"no", "not", "isnt", "isn", "t", "doesnt", "does", "do", "is", "are", "be", "will", "must", "has",
           "have", "any", "none", "the", "a", "an", "and", "or", "with", "that", "for", "to", "of", "use",
           "used", "exceed", "exceeds", "ing", "such", "as"}
SAME_CONDITION = 0.75  # share of content words two wordings must have in common


def joined(kb: Kb, rows: list[dict]) -> list[dict]:
    """Rows introducing a list (their text ends with ':') take the rows that follow as their
    `_children` when those items follow in the source (only list markup between them, on the
    same line or indented deeper) or repeat the introduction."""
    texts: dict[str, str] = {}
    out: list[dict] = []
    parent = prev = None
    for r in rows:
        if parent is not None and _continues(kb, texts, parent, prev, r):
            child_text = r["text"][len(parent["text"]):].strip() if r["text"].startswith(parent["text"]) else r["text"]
            parent["_children"].append({**r, "_child_text": child_text})
            prev = r
            continue
        parent = None
        item = dict(r)
        if (r.get("text") or "").rstrip().endswith(":"):
            item["_children"] = []
            parent = prev = item
        out.append(item)
    return out


def _continues(kb: Kb, texts: dict, parent: dict, prev: dict, r: dict) -> bool:
    same = all(r.get(k) == parent.get(k) for k in ("source_id", "category", "device_id", "utility_id"))
    if not same or r["char_start"] < prev["char_end"]:
        return False
    if r["text"].startswith(parent["text"]):
        return True
    if r["source_id"] not in texts:
        texts[r["source_id"]] = kb.source(r["source_id"])["text"]
    text = texts[r["source_id"]]
    gap = text[prev["char_end"]:r["char_start"]]
    if not _GAP.fullmatch(gap):
        return False
    return "\n" not in gap or _indent(text, r["char_start"]) > _indent(text, parent["char_start"])


def _indent(text: str, pos: int) -> int:
    line = text[text.rfind("\n", 0, pos) + 1:pos]
    return len(line) - len(line.lstrip())


def merged(rows: list[dict]) -> list[dict]:
    """A condition stated twice by one source for one party (in two categories, one wording
    the negation of the other) becomes one entry: the first in category order keeps the
    other under `_also` (both cited). Their list items pair up the same way."""
    rank = c.category_rank()
    ordered = sorted(rows, key=lambda r: (rank.get(r["category"], len(rank)), r["source_id"], r["char_start"]))
    out: list[dict] = []
    for r in ordered:
        twin = next((k for k in out if _same_condition(k, r)), None)
        if twin is None:
            out.append({**r, "_also": []})
            continue
        twin["_also"].append(r)
        for child in r.get("_children", []):
            match = next((k for k in twin.get("_children", []) if _same_condition(k, child, children=True)), None)
            if match is not None:
                match.setdefault("_also", []).append(child)
    return sorted(out, key=lambda r: (r["source_id"], r["char_start"]))


def _same_condition(a: dict, b: dict, children: bool = False) -> bool:
    if not children and (a["category"] == b["category"] or a["source_id"] != b["source_id"]):
        return False
    if any(a.get(k) != b.get(k) for k in ("utility_id", "state", "device_id")):
        return False
    ka, kb_ = _content(a.get("_child_text") or a["text"]), _content(b.get("_child_text") or b["text"])
    return bool(ka and kb_) and len(ka & kb_) / len(ka | kb_) >= SAME_CONDITION


def _content(text: str) -> set[str]:
    words = _WORD.findall(text.lower().replace("-", " ").replace("'", "").replace("’", ""))
    return {re.sub(r"(?<=[a-z]{3})(ing|ed|es|s)$", "", w) for w in words} - _FILLER


def restrictions(kb: Kb, rows: list[dict]) -> list[dict]:
    """Rows of the restrictions table, fragments joined and restatements merged."""
    return merged(joined(kb, rows))
