"""A utility's installation model as its own document states it ("An SCE meter technician must
install or remove the MSA": the utility installs). Wordings are data:
extract/patterns/installation_models.yaml.

Each statement is a `utilities` record of the source's utility with its `installation_model`,
quoting the sentence; the build makes the first the row (a utility's own statement outranks an
industry deck's listing, which becomes a citation) and finds any source that says otherwise
(db/pipeline/resolve.py: a conflict).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Iterator

from msakb.extract.shared.patterns import pattern_file
from msakb.extract.shared.records import Record, SourceDoc
from msakb.extract.shared.text import Span, sentences
from msakb.knowledge.gazetteer import Gazetteer

MODELS = ("utility", "joint_meet", "installer")


@lru_cache(maxsize=None)
def _statements() -> tuple[tuple[str, str], ...]:
    data = pattern_file("installation_models.yaml")  # models checked against MODELS by its model
    return tuple((s["model"], s["pattern"]) for s in data["statements"])


# Compiled per gazetteer and utility: the generic extractor asks of many statements, and a
# national corpus's utilities outnumber the regular expression module's own cache.
_COMPILED: dict[int, tuple[Gazetteer, dict[str, list]]] = {}


def _patterns(gaz: Gazetteer, utility_id: str) -> list[tuple[str, re.Pattern]]:
    if id(gaz) not in _COMPILED and len(_COMPILED) >= 8:
        _COMPILED.clear()  # as many gazetteers as load_gazetteer keeps
    held = _COMPILED.setdefault(id(gaz), (gaz, {}))[1]  # the gazetteer is held: its id stays its own
    if utility_id not in held:
        spellings = sorted({*gaz.aliases_of(utility_id), gaz.utilities[utility_id]["name"]},
                           key=len, reverse=True)
        name = "(?:" + "|".join(re.escape(s) for s in spellings) + ")"
        held[utility_id] = [(model, re.compile(p.replace("{utility}", name), re.I)) for model, p in _statements()]
    return held[utility_id]


@lru_cache(maxsize=None)
def _parts() -> tuple[tuple[re.Pattern, ...], ...]:
    """Each wording's parts before and after `{utility}`, compiled once: a sentence that
    states a utility's model matches both parts of its wording (the whole matches only where
    they do), so the wordings with a utility's names are compiled only for a sentence that
    matches the parts of one (a national corpus's utilities are thousands, its sentences that
    say who installs a few)."""
    return tuple(tuple(re.compile(part, re.I) for part in p.split("{utility}") if part.strip("\\b"))
                 for _, p in _statements())


def installation_models(doc: SourceDoc, gaz: Gazetteer, utility_id: str, spans: Iterable[Span],
                        rule: str) -> Iterator[Record]:
    """A `utilities` record for each sentence of `spans` stating `utility_id`'s installation model."""
    u = gaz.utilities[utility_id]
    patterns = None
    for span in spans:
        for sent in sentences(span):
            if not any(all(rx.search(sent.raw) for rx in parts) for parts in _parts()):
                continue
            patterns = patterns or _patterns(gaz, utility_id)
            model = next((m for m, rx in patterns if rx.search(sent.raw)), None)
            if model is not None:
                yield doc.record("utilities", {"id": utility_id, "name": u["name"], "state": u["state"],
                                               "kind": u["kind"], "installation_model": model},
                                 sent.strip(" \t"), rule)
