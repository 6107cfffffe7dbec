"""Table shapes: which kind of table a tab-separated table is, and which column each header
names, from its headers (extract/patterns/table_shapes.yaml)."""

from __future__ import annotations

from functools import lru_cache

from msakb.errors import SourceError
from msakb.extract.shared.patterns import pattern_file
from msakb.extract.shared.tables import Table


@lru_cache(maxsize=None)
def table_shapes() -> dict[str, dict[str, str]]:
    return pattern_file("table_shapes.yaml")


def classify(table: Table) -> tuple[str, dict[str, int]] | None:
    """The shape of a table and its column map, or None if no shape knows two headers.
    A table of a known shape with an unknown header is an error naming the header."""
    if table.header is None:
        return None
    heads = [c.clean().lower() for c in table.header.cells]
    best, best_known = None, 0
    for name, known in table_shapes().items():
        n = sum(1 for h in heads if h in known)
        if n > best_known:
            best, best_known = name, n
    if best is None or best_known < 2:
        return None
    known = table_shapes()[best]
    cols = {}
    for i, h in enumerate(heads):
        if not h:
            continue
        if h not in known:
            raise SourceError(
                None,
                f"unknown column header {table.header.cells[i].clean()!r} in a {best} table; "
                f"known headers: {', '.join(sorted(known))} (extract/patterns/table_shapes.yaml)",
                line=table.header.span.line,
            )
        cols[known[h]] = i
    return best, cols
