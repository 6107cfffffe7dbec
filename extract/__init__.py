"""Extractors: source text -> typed records with provenance.

One parser per kind of source, looked up by the manifest's `kind`. A parser is a pure
function `parse(doc: SourceDoc, gazetteer: Gazetteer) -> Iterator[Record]`: no I/O.
"""

from . import approved_list

PARSERS = {
    "approved_product_list": approved_list.parse,
}
