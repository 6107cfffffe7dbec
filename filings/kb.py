"""Read access to a built knowledge base for the filings, and the citations a filing collects.

`Kb` opens the SQLite file read-only and answers plain queries as lists of dicts; the
context builders in filings/ are functions of a `Kb` and the options, with no other input.
`Citations` numbers the passages a filing relies on; each number leads to the source's title,
as-of date and the exact quote in the filing's citations section.
"""

from __future__ import annotations

import json

import sqlite3
from pathlib import Path

from msakb.errors import FilingError, UnknownIdError
from msakb.filings.markup import Run, quote_blocks


class Kb:
    """A built knowledge base, opened read-only."""

    def __init__(self, path: Path):
        path = Path(path)
        if not path.is_file():
            raise FilingError(f"no knowledge base at {path}; build one first: msakb build --db {path}")
        self.path = path
        self.conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
        self.conn.row_factory = sqlite3.Row
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "sources" not in tables or "build_info" not in tables:
            raise FilingError(f"{path} is not an msakb knowledge base (no sources/build_info tables); rebuild it")
        self.tables = tables
        self._conflicts: list[dict] | None = None

    def rows(self, sql: str, *params) -> list[dict]:
        """Rows of a query as dicts; a table the build did not create reads as empty."""
        try:
            return [dict(r) for r in self.conn.execute(sql, params)]
        except sqlite3.OperationalError as e:
            if "no such table" in str(e):
                return []
            raise FilingError(f"{self.path}: query failed ({e}); is the knowledge base current? rebuild it") from None

    def one(self, sql: str, *params) -> dict | None:
        found = self.rows(sql, *params)
        return found[0] if found else None

    def close(self) -> None:
        self.conn.close()

    def conflicts(self) -> list[dict]:
        """Every row of `conflicts` (read once: a filing asks for each passage it prints)."""
        if self._conflicts is None:
            self._conflicts = self.rows("SELECT * FROM conflicts ORDER BY id")
        return self._conflicts

    # -- the parties a filing names -------------------------------------------------------

    def _lookup(self, what: str, table: str, where: str, *params) -> dict:
        """The row of `table` matching `where`, or an UnknownIdError listing the valid ids."""
        row = self.one(f"SELECT * FROM {table} WHERE {where}", *params)
        if row is None:
            key = "code" if table == "states" else "id"
            raise UnknownIdError(what, params[0], [r[key] for r in self.rows(f"SELECT {key} FROM {table}")])
        return row

    def utility(self, uid: str) -> dict:
        return self._lookup("utility", "utilities", "id = ?", uid)

    def state(self, code: str) -> dict:
        row = self.one("SELECT * FROM states WHERE code = ?", code.upper())
        return row if row is not None else self._lookup("state", "states", "code = ?", code)

    def device(self, did: str) -> dict:
        return self._lookup("device", "devices", "id = ?", did)

    def manufacturer(self, name: str) -> dict:
        return self._lookup("manufacturer (--oem)", "manufacturers", "id = ? OR lower(name) = lower(?)", name, name)

    def source(self, sid: str) -> dict:
        return self._lookup("source", "sources", "id = ?", sid)

    def build_info(self, sources: set[str] | None = None) -> dict:
        """The build a filing came from: when, fingerprints, how many sources, and the sha256
        of each of `sources` (all when None; a filing lists those it cites)."""
        info = {r["key"]: r["value"] for r in self.rows("SELECT key, value FROM build_info")}
        for key in ("built_at", "kb_fingerprint"):
            if key not in info:
                raise FilingError(f"{self.path}: build_info has no {key!r}; rebuild the knowledge base")
        only = "" if sources is None else "WHERE id IN (SELECT value FROM json_each(?))"
        listed = [
            {"id": r["id"], "title": r["title"], "as_of": r["as_of"] or "undated", "sha256": r["sha256"]}
            for r in self.rows(f"SELECT id, title, as_of, sha256 FROM sources {only} ORDER BY id",
                               *([] if sources is None else [json.dumps(sorted(sources))]))
        ]
        return {
            "built_at": info["built_at"],
            "kb_fingerprint": info["kb_fingerprint"],
            "code_fingerprint": info.get("code_fingerprint", "not recorded"),
            "source_count": self.one("SELECT count(*) AS n FROM sources")["n"],
            "sources": listed,
        }


class Note:
    """The footnote of one or more passages, printed where a template prints it
    (`{{ r.fn }}`). Each print is a new footnote: the first for a passage gives the source
    and quotes it; a later one refers back to it ("See note 3")."""

    def __init__(self, owner: "Citations", entries: list[dict]):
        self.owner, self.entries = owner, entries

    def __html__(self) -> str:
        return self.owner.footnote(self.entries).__html__()

    __str__ = __html__

    def __bool__(self) -> bool:
        return True


class Citations:
    """The passages a filing cites, its footnotes numbered in the order they print (which is
    the document's order: a template renders from top to bottom, parts one after another)."""

    def __init__(self, kb: Kb):
        self.kb = kb
        self.sheet = None  # the document being rendered (filings.render.Sheet)
        self.printed = 0
        self.first: dict[tuple, int] = {}  # passage -> number of the note that quotes it
        self.cited: dict[tuple, dict] = {}
        self._sources: dict[str, dict] = {}

    def entry(self, row: dict) -> dict:
        """The citation of a fact row's passage (source_id, char_start, char_end, quote)."""
        key = (row["source_id"], row["char_start"], row["char_end"])
        src = self._sources.get(row["source_id"])
        if src is None:
            src = self._sources[row["source_id"]] = self.kb.source(row["source_id"])
        return {"key": key, "source_id": src["id"], "title": src["title"], "publisher": src["publisher"],
                "speaker": row.get("speaker") or src["publisher"],
                "as_of": src["as_of"] or "undated", "url": src["url"], "quote": row["quote"],
                "sha256": src["sha256"]}

    def add(self, *rows: dict) -> Note:
        """The footnote citing these rows' passages (one note, several passages)."""
        return Note(self, [self.entry(r) for r in rows])

    def cite(self, row: dict) -> dict:
        """A copy of the row with its footnote under 'fn'."""
        return {**row, "fn": self.add(row)}

    def footnote(self, entries: list[dict]):
        if self.sheet is None:
            raise FilingError("internal error: a citation printed outside a rendered document; please report it")
        self.printed += 1
        head, quote, last_source = [], [], None
        for e in entries:
            self.cited.setdefault(e["key"], e)
            if e["key"] in self.first:
                head.append(Run((" " if head else "") + f"See note {self.first[e['key']]} ({e['publisher']}, {e['title']})."))
                continue
            self.first[e["key"]] = self.printed
            if (e["source_id"], e["speaker"]) != last_source:  # passages of one source follow its name once
                as_of = "undated" if e["as_of"] == "undated" else f"as of {e['as_of']}"
                # a party's own words inside another's document: say whose they are, and where
                who = e["publisher"] if e["speaker"] == e["publisher"] else f"{e['speaker']}, quoted in {e['publisher']}"
                head += [Run((" " if head else "") + who + ", "), Run(e["title"], italic=True),
                         Run(f" ({as_of})" + (f", {e['url']}." if e["url"] else "."))]
                last_source = (e["source_id"], e["speaker"])
            quote += [b for b in quote_blocks(e["quote"]) if not quote or b.text != quote[-1].text]
        return self.sheet.note(head, quote)

    def sources(self) -> list[dict]:
        """The sources of the passages cited so far, in id order, with their sha256."""
        seen = {}
        for e in self.cited.values():
            seen.setdefault(e["source_id"], {"id": e["source_id"], "title": e["title"], "publisher": e["publisher"],
                                             "as_of": e["as_of"], "url": e["url"] or "", "sha256": e["sha256"]})
        return [seen[k] for k in sorted(seen)]
