"""Extractors: source text -> typed records with provenance.

One parser per kind of source, looked up by the manifest's `kind`. A parser is a pure
function `parse(doc: SourceDoc, gazetteer: Gazetteer) -> Iterator[Record]`: no I/O.
"""

from . import approved_list
from . import generic
from . import installer_article
from . import meeting_summary
from . import program_guidelines
from . import slide_deck

PARSERS = {
    "approved_product_list": approved_list.parse,
    "generic": generic.parse,
    "installer_article": installer_article.parse,
    "meeting_summary": meeting_summary.parse,
    "program_guidelines": program_guidelines.parse,
    "slide_deck": slide_deck.parse,
}
