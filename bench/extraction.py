"""Extraction against spaCy's bare tokenizer, side by side: `python -m bench.extraction KB REPEAT`.

In a fresh process, REPEAT rounds of: every parser over every source (from a fresh entity
pipeline: new vocabulary, nothing memoised), then `nlp.make_doc` over the same texts (from a
fresh tokenizer pipeline). Neither side counts building its pipeline or reading the files;
the best round of each is the figure (noise on a shared machine only adds time). Prints one
JSON line: the seconds of every round of both.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from msakb.extract.parsers import PARSERS
from msakb.extract.shared import entities
from msakb.extract.shared.records import SourceDoc
from msakb.knowledge.gazetteer import load_gazetteer
from msakb.knowledge.manifest import load_manifest, read_source


def measure(kb: Path, repeat: int) -> dict[str, list[float]]:
    manifest = load_manifest(kb / "sources" / "manifest.yaml")
    gaz = load_gazetteer(str(kb / "gazetteer"))
    docs = [SourceDoc(e.id, read_source(e, kb / "sources"), e) for e in manifest.sources]
    out: dict[str, list[float]] = {"extract": [], "tokenizer": []}
    for _ in range(max(1, repeat)):
        entities.reset()
        entities.nlp_for()
        entities.digit_free_ruler()  # the pipeline's second ruler: built with it, not per text
        started = time.perf_counter()
        for d in docs:
            for _record in PARSERS[d.entry.kind](d, gaz):
                pass
        out["extract"].append(time.perf_counter() - started)
        nlp = entities.make_tokenizer_nlp()
        started = time.perf_counter()
        for d in docs:
            nlp.make_doc(d.text)
        out["tokenizer"].append(time.perf_counter() - started)
    return out


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1]), int(sys.argv[2]))))
