"""Where a build finds the text of a source without holding the corpus's texts: a worker
resolving reads them from the staging files (StagedTexts, holding those of the slice it works
on and, up to TEXTS_KEPT characters, of the slices before: HeldTexts); a build's steps, and an
incremental build's unchanged sources, read them from a database (StoredDoc, through DocTexts).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Iterator

from msakb.extract.shared.records import SourceDoc

# Characters of source text a worker resolving keeps from one slice to the next, beyond those
# of the slice it works on: a 10,000-document corpus's texts (34 million characters, one byte
# each when Latin-1; two or four in a text with any character beyond it).
TEXTS_KEPT = 1 << 25


class StagedTexts(Mapping):
    """source id -> its text, read from the staging files: a worker resolving holds the texts
    of the slice of records it works on (`hold`) and, up to TEXTS_KEPT characters, those of
    the slices before (a source's records are in every partition), not a national corpus's
    texts; a text asked for beyond them is read when asked for."""

    def __init__(self, conns: list[sqlite3.Connection]):
        self.conns = conns  # one per staging file (db/pipeline/stored.py Staged)
        self.where = {sid: i for i, c in enumerate(self.conns) for (sid,) in c.execute("SELECT id FROM texts")}
        self.held = HeldTexts(self)

    def hold(self, source_ids: set[str]) -> "HeldTexts":
        """Hold the texts of these sources (reading those not held yet); the texts held, as a
        dict (which reads a text it lacks when asked for it by key)."""
        held = self.held
        if sum(map(len, held.values())) > TEXTS_KEPT:
            held = HeldTexts(self)
            held.update((sid, t) for sid, t in self.held.items() if sid in source_ids)
        missing = sorted(source_ids - held.keys())
        for i, conn in enumerate(self.conns):
            ids = [sid for sid in missing if self.where.get(sid) == i]
            for start in range(0, len(ids), 500):
                part = ids[start:start + 500]
                held.update(conn.execute(f"SELECT id, text FROM texts WHERE id IN ({', '.join('?' * len(part))})", part))
        self.held = held
        return held

    def read(self, source_id: str) -> str:
        """A text, read from its staging file (KeyError: no such source)."""
        conn = self.conns[self.where[source_id]]
        return conn.execute("SELECT text FROM texts WHERE id = ?", (source_id,)).fetchone()[0]

    def __getitem__(self, source_id: str) -> str:
        return self.held[source_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self.where)

    def __len__(self) -> int:
        return len(self.where)


class HeldTexts(dict):
    """The texts a StagedTexts holds: a plain dict for the many look-ups of a slice's records
    and checks, which reads and keeps a text it lacks when asked for it by key (`[...]`)."""

    def __init__(self, staged: StagedTexts):
        super().__init__()
        self.staged = staged

    def __missing__(self, source_id: str) -> str:
        text = self[source_id] = self.staged.read(source_id)
        return text

    def get(self, source_id, default=None):
        """As `[...]` (a text not held yet is read), or `default` for no such source."""
        try:
            return self[source_id]
        except KeyError:
            return default

    def __contains__(self, source_id) -> bool:
        return self.get(source_id) is not None


class StoredDoc(SourceDoc):
    """A source whose text is read from the `sources` table of a database when asked for (the
    last one kept): a full build's steps read it from the build's file, so that the build does
    not hold the corpus's texts; an incremental build reads an unchanged source's from the
    previous database."""

    # (connection, source id, text) of the last text read: the connection is part of the key
    # (and kept alive by it), as another build in this process may have a source of the same
    # id with another text
    _last: tuple = (None, "", "")

    def __init__(self, source_id: str, entry, conn: sqlite3.Connection):
        self.id, self.entry, self.counter, self._conn = source_id, entry, {}, conn

    @property
    def text(self) -> str:
        conn, source_id, text = StoredDoc._last
        if conn is not self._conn or source_id != self.id:
            row = self._conn.execute("SELECT text FROM sources WHERE id = ?", (self.id,)).fetchone()
            StoredDoc._last = (self._conn, self.id, row[0])
        return StoredDoc._last[2]


class DocTexts(Mapping):
    """source id -> text of `docs` (StoredDoc), each read when asked for."""

    def __init__(self, docs: list[SourceDoc]):
        self.docs = {d.id: d for d in docs}

    def __getitem__(self, source_id: str) -> str:
        return self.docs[source_id].text

    def __iter__(self) -> Iterator[str]:
        return iter(self.docs)

    def __len__(self) -> int:
        return len(self.docs)
