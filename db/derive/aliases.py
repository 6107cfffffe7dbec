"""Every spelling the knowledge base knows for a utility, device, manufacturer or state, so
that a search or a canned-query parameter finds the same rows whatever spelling a person uses
("PSE&G", "pseg", "Public Service Electric and Gas"; "IQ Collar" for Enphase's MC-200-011-V01).

A build step (db/pipeline/steps.py) deriving the `aliases` table holds, for each row of `utilities`, `devices`, `manufacturers`
and `states`, its id, its name(s) and the spellings kb/gazetteer/ gives it (a device's
marketing names, a family's aliases, a utility's abbreviations, a state's other names). A
device is also found by its manufacturer's name and model number. Reference data, like the
gazetteer it comes from: it names rows, it states no fact (no quote).
`alias_key` is the spelling lower-cased with its spaces collapsed; the pages and canned
queries compare against it (an index answers an exact spelling; part of a name is a LIKE).
"""

from __future__ import annotations

from pathlib import Path

from msakb.db.derive.labels import device_name
from msakb.db.pipeline.patch_writes import Patch
from msakb.db.pipeline.step import Step
from msakb.db.pipeline.watch import tables_written, unwatch, watch_writes
from msakb.knowledge.gazetteer import load_gazetteer


def alias_key(spelling: str) -> str:
    """How a spelling is compared: case and runs of spaces do not matter."""
    return " ".join(str(spelling).split()).lower()


def alias_rows(rows: dict[str, list[dict]], kb: Path) -> list[dict]:
    """The `aliases` rows of the rows built (their ids, names and gazetteer spellings)."""
    gaz = load_gazetteer(str(Path(kb) / "gazetteer"))
    out: dict[tuple[str, str, str], dict] = {}

    def add(kind: str, target: str, spelling) -> None:
        if spelling and str(spelling).strip():
            key = alias_key(spelling)
            out.setdefault((kind, target, key), {"kind": kind, "id": target, "alias": " ".join(str(spelling).split()),
                                                 "alias_key": key})

    utility_spellings: dict[str, list[str]] = {}
    for alias, uid in gaz.utility_alias.items():
        utility_spellings.setdefault(uid, []).append(alias)
    for u in rows.get("utilities", []):
        for spelling in (u["id"], u.get("name"), gaz.utilities.get(u["id"], {}).get("name"),
                         *utility_spellings.get(u["id"], [])):
            add("utility", u["id"], spelling)

    device_spellings: dict[str, list[str]] = {}
    for alias, did in gaz.device_aliases.items():
        device_spellings.setdefault(did, []).append(alias)
    for fam in gaz.families:
        device_spellings.setdefault(fam["id"], []).extend(fam.get("aliases", []))
    for d in rows.get("devices", []):
        for spelling in (d["id"], device_name(d["manufacturer"], d.get("product"), d.get("model")), d.get("product"),
                         d.get("model"), d["manufacturer"],
                         *device_spellings.get(d["id"], [])):
            add("device", d["id"], spelling)

    for m in rows.get("manufacturers", []):
        add("manufacturer", m["id"], m["id"])
        add("manufacturer", m["id"], m.get("name"))

    state_spellings: dict[str, list[str]] = {}
    for spelling, code in gaz.state_aliases.items():
        state_spellings.setdefault(code, []).append(spelling)
    for s in rows.get("states", []):
        for spelling in (s["code"], s.get("name"), *state_spellings.get(s["code"], [])):
            add("state", s["code"], spelling)
    return sorted(out.values(), key=lambda r: (r["kind"], r["id"], r["alias_key"]))


def derive_aliases(rows: dict[str, list[dict]], docs, kb: Path) -> dict[str, list[dict]]:
    """The aliases table, from the rows resolved."""
    return {"aliases": alias_rows(rows, kb)}


WATCH = "patch_aliases"  # the name of its watch (db/pipeline/watch.py)


def watch_named(conn) -> None:
    """Before an incremental build writes: which of the tables named are written (a row
    inserted or deleted, or a column it reads updated)."""
    watch_writes(conn, WATCH, NAMED)


def patch_aliases(p: Patch) -> None:
    """An incremental build keeps the table when no row it names was written (the gazetteer is
    the same, or the build is a full one); else it works the table out again whole, from the
    rows, and writes it again only when it differs: most changes of a source name no row anew."""
    w = p.writer
    written = tables_written(w.db, WATCH, NAMED)
    unwatch(w.db, WATCH)
    if written == set():
        return
    rows = alias_rows({t: w.select(t, columns=cols) for t, cols in NAMED.items()}, p.kb)
    stored, rewritten = _stored(w.db), _as_set(rows)
    if stored is None or rewritten is None or stored != rewritten:
        w.delete("aliases", "1")
        w.insert("aliases", rows)


COLUMNS = ("kind", "id", "alias", "alias_key")  # of an aliases row (alias_rows)
_KEYS = frozenset(COLUMNS)


def _as_set(rows: list[dict]) -> set[tuple] | None:
    """The rows, every column of each (None when a row has other columns than COLUMNS)."""
    out = set()
    for r in rows:
        if r.keys() != _KEYS:
            return None
        out.add(tuple(r[c] for c in COLUMNS))
    return out


def _stored(db) -> set[tuple] | None:
    """The aliases table's rows as _as_set gives them (None when it has other columns)."""
    if sorted(r[1] for r in db.execute("PRAGMA table_info(aliases)")) != sorted(COLUMNS):
        return None
    return set(db.execute(f"SELECT {', '.join(COLUMNS)} FROM aliases"))


# the columns alias_rows reads of each table it names the rows of
NAMED = {"utilities": ("id", "name"), "devices": ("id", "manufacturer", "product", "model"),
         "manufacturers": ("id", "name"), "states": ("code", "name")}
STEP = Step("aliases", reads=tuple(NAMED), derives=("aliases",), derive=derive_aliases, patch=patch_aliases,
            watch=watch_named)
