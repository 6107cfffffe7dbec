"""The parser of each kind of source, looked up by the manifest's `kind`.

A parser is a pure function `parse(doc: SourceDoc, gazetteer: Gazetteer) -> Iterator[Record]`:
no I/O. A new kind is one module in extract/kinds/<kind>/ and one entry here.
"""

from msakb.extract.kinds.approved_product_list import parser as approved_list
from msakb.extract.kinds.generic import parser as generic
from msakb.extract.kinds.installer_article import parser as installer_article
from msakb.extract.kinds.meeting_summary import parser as meeting_summary
from msakb.extract.kinds.program_guidelines import parser as program_guidelines
from msakb.extract.kinds.slide_deck import parser as slide_deck

PARSERS = {
    "approved_product_list": approved_list.parse,
    "generic": generic.parse,
    "installer_article": installer_article.parse,
    "meeting_summary": meeting_summary.parse,
    "program_guidelines": program_guidelines.parse,
    "slide_deck": slide_deck.parse,
}
