"""Kind `slide_deck`: a vendor's presentation to utilities (TESCO's MSA deck is the first),
as text: '# ' starts a slide, '## '/'#### ' its parts, tables are tab-separated.

A deck gathers many kinds of fact; each has its own module, and this one only runs them in
an order that matters to resolution (facts a later passage cites come first):

- landscape.py: states' regulatory frameworks, utilities' installation models (and what each
  model means);
- market.py: products on the market by use, utilities named by how they approve, a utility's
  device-status table (status_table.py);
- pseg.py: a utility's own requirements as the deck reproduces them (PSE&G's numbered
  requirements and its usage requirements for a device family);
- standards_slides.py: standards, UL 414 tests and their limits, revisions.

What the deck's headings mean is data: extract/patterns/slide_deck.yaml.
"""

from __future__ import annotations

from typing import Iterator

from msakb.extract.kinds.slide_deck import landscape as deck_landscape
from msakb.extract.kinds.slide_deck import market as deck_market
from msakb.extract.kinds.slide_deck import pseg as deck_pseg
from msakb.extract.kinds.slide_deck import standards_slides as deck_standards
from msakb.extract.shared.records import Record, SourceDoc
from msakb.knowledge.gazetteer import Gazetteer

PARTS = (deck_landscape.parse, deck_market.parse, deck_pseg.parse, deck_standards.parse)


def parse(doc: SourceDoc, gaz: Gazetteer) -> Iterator[Record]:
    for part in PARTS:
        yield from part(doc, gaz)
