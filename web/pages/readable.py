"""Text as a person reads it: the markup sources carry (`<b>`, `<a href="#">`, `<sup>th</sup>`,
`<p>`, Markdown's `**bold**` and `[text](#)` links, HTML entities) turned into plain text.

The stored quote keeps the markup (it is the exact slice of the source, rule 1); tables, queries,
CSV downloads and the task pages show this text instead. JSON keeps the exact quote.
"""

from __future__ import annotations

import html
import re

_SUP = re.compile(r"(?i)\s*<sup>\s*([^<>]*?)\s*</sup>")  # "5 <sup>th</sup>" reads "5th"
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_BLOCK = re.compile(r"(?i)<(?:br|/p|/li|/div|/tr|/h[1-6])\s*/?>")
_MD_LINK = re.compile(r"\[([^\[\]\n]+)\]\([^()\s]*\)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
_SPACES = re.compile(r"[ \t]{2,}")
_MARKS = ("<", "*", "&", "](", "__")


def has_markup(text: str) -> bool:
    """Whether plain_text could change `text` (a cheap test: most cells have none)."""
    return any(m in text for m in _MARKS)


def plain_text(text: str) -> str:
    """`text` without its markup: tags dropped (a block end becomes a space), Markdown bold and
    links reduced to their words, entities decoded. "5<sup>th</sup>" reads "5th"."""
    if not isinstance(text, str) or not has_markup(text):
        return text
    out = _SUP.sub(r"\1", text)
    out = _BLOCK.sub(" ", out)
    out = _TAG.sub("", out)
    out = _MD_LINK.sub(r"\1", out)
    out = _BOLD.sub(lambda m: m.group(1) or m.group(2), out)
    if "&" in out:
        out = html.unescape(out)
    return _SPACES.sub(" ", out).strip() if out != text else out
