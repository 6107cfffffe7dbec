"""Kind `generic`: a source no dedicated parser reads (a utility's web page, a statute, an
order in a shape not seen before). It yields no facts by itself: the generic extractor
(extract/candidates/) proposes candidates from it, as from every source, and only those a
person accepts (`msakb review accept`) become facts, as annotations whose quotes the build
verifies."""

from __future__ import annotations

from typing import Iterator

from msakb.extract.shared.records import Record, SourceDoc
from msakb.knowledge.gazetteer import Gazetteer


def parse(doc: SourceDoc, gaz: Gazetteer) -> Iterator[Record]:
    return iter(())
