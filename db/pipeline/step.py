"""What a build step is: one entry of the build's list of steps (db/pipeline/steps.py).

A step works on what the parsers and annotations gave, once it is resolved into rows. It
declares what it reads and writes, and brings the functions that do it:

- `per_source(doc, gazetteer, records)`: work that is a pure function of one source, the
  gazetteer and the source's parser's records (the candidate facts), run in a full build by
  its worker processes right after the parser; `derive` finds what it gave a source with
  `step.handed(doc)` (None in an incremental build: derive then works it out itself). Plain
  data (strings, numbers, None, lists and mappings of them): it travels between processes.
- `derive(rows, docs, kb) -> {table: [row, ...]}`: rows it adds before the file is written
  (fact rows, checked like any other: quote == source slice), a list or an iterator (a full
  build writes them a batch at a time as they come). It may return only the tables it
  declares in `derives`. `rows` maps a table to its rows so far (`rows.get(table, [])`;
  in a full build they are read from the file being written, db/pipeline/stored.py).
- `post_write(conn)`: what it writes into the written temporary file before it is renamed
  into place (a column filled from the row, full-text indexes, views), declared in
  `writes_after`.
- `patch(p)`: how an incremental build brings its output up to date on the copy of the
  previous database (p: db/pipeline/patch_writes.py Patch), so the file equals what a full
  build writes. A step without one makes every build a full one, and the build says so.
- `watch(conn)`: what an incremental build runs on that copy before anything is written to
  it (triggers, a snapshot), so that `patch` can tell whether what it reads changed.

A full build runs every step's `derive` in the list's order on the resolved rows, then every
`post_write` in the list's order on the written file; an incremental build runs every
`patch` in the list's order. So that both see the same rows, a step reads only what the
parsers or the steps before it derive, never what a step before it writes after (its patch
would see it, its derive would not), and a post-write step nothing a later one writes after
(tests/test_build_steps.py checks the declarations against the order).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

from msakb.errors import BuildError

if TYPE_CHECKING:
    from msakb.db.pipeline.patch_writes import Patch
    from msakb.extract.shared.records import SourceDoc

Rows = dict[str, list[dict]]
# Where Step.handed finds what the workers of the full build running in this process gave,
# by (step name, source id): db/pipeline/builder.py sets it while the steps derive.
_handed: Optional[Callable[[str, str], object]] = None


def hand_over(lookup: Optional[Callable[[str, str], object]]) -> None:
    """Where Step.handed looks (None: nowhere, no full build is deriving)."""
    global _handed
    _handed = lookup


@dataclass(frozen=True)
class Step:
    name: str
    reads: tuple[str, ...] = ()
    """tables whose rows it reads"""
    derives: tuple[str, ...] = ()
    """tables it adds rows to (with `derive`)"""
    derive: Optional[Callable[[Rows, "list[SourceDoc]", Path], Rows]] = None
    per_source: Optional[Callable[["SourceDoc", object, list], object]] = None
    """pure per-source work run beside the parser (in the build's workers), for `derive`"""
    writes_after: tuple[str, ...] = ()
    """what `post_write` writes: `table.column`, a full-text index or a view, by name"""
    post_write: Optional[Callable[[sqlite3.Connection], None]] = None
    patch: Optional[Callable[["Patch"], None]] = None
    """its incremental form; None: an incremental build cannot patch it (a full build runs)"""
    watch: Optional[Callable[[sqlite3.Connection], None]] = None
    """run by an incremental build on the copy before anything is written to it: how `patch`
    can tell whether what it reads changed"""

    def __post_init__(self):
        if bool(self.derive) != bool(self.derives) or bool(self.post_write) != bool(self.writes_after):
            raise BuildError(f"build step {self.name!r}: declare what derive writes (derives) and what "
                             "post_write writes (writes_after), each with its function")

    def handed(self, doc: "SourceDoc"):
        """What `per_source` gave for `doc` in the workers of the full build running, or None."""
        return None if _handed is None else _handed(self.name, doc.id)

    def run_derive(self, rows: Rows, docs: list, kb: Path) -> Rows:
        """derive's rows, refused when it adds rows to a table it does not declare."""
        out = self.derive(rows, docs, kb)
        undeclared = sorted(set(out) - set(self.derives))
        if undeclared:
            raise BuildError(f"build step {self.name!r} added rows to {', '.join(undeclared)}, which it does not "
                             f"declare in `derives` ({', '.join(self.derives)}); db/pipeline/steps.py")
        return out
