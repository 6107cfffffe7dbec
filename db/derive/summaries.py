"""What the site's pages would otherwise count over the whole corpus on every request, counted
once per build, and the indexes their queries look rows up by (web/pages/).

A post-write build step (after the current_* views exist and devices are named); its SQL is
in db/derive/summary_sql.py. Every table here is worked out from the rows, never from a
source. An incremental build watches what it reads (`watch`): it keeps what did not change,
makes again only the rows of the devices, utilities and states whose approvals, restrictions,
directives or device rows changed (`refresh`), and makes everything again after any other
change, so that the patched file is what a full build writes.

- `current_editions`: the ids of the current edition of each series (the current_sources
  view, worked out once; the view's NOT EXISTS over every source is what a page would
  otherwise pay for each approval it shows).
- `device_utility_status`: one row per device and utility that has a current approval: the
  most favourable normalised status of its listings (approved, then pilot, under_review,
  not_approved, withdrawn), all its statuses, how many listings, the newest as-of.
- `utility_summary`, `device_summary`, `state_summary`, `state_device_summary`: counts for
  lists, maps and the heat-map.
- `devices_names_fts`, `utilities_names_fts`: full-text indexes of those tables with every spelling
  of each row (db/derive/aliases.py), so that `?_search=PSE&G` finds PSE&G's row.
- `panel_models_trigram`: a trigram index of panel model numbers, for a search by any part.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from msakb.db.derive.summary_sql import (
    CLEAR, DEVICES, FILL, INDEXES, NARROWED, PAIRS, STATES, SUMMARY_INDEXES, TABLES, UTILITIES,
)
from msakb.db.pipeline.patch_writes import Patch
from msakb.db.pipeline.step import Step
from msakb.db.pipeline.watch import keys_table, keys_written, tables_written, unwatch, watch_keys, watch_writes
from msakb.db.store.columns import PAGE_FACETS


# Full-text indexes that know every spelling of a row (contentless: a search needs only the
# rowids; web/metadata.yaml names them as the
# tables' fts_table): a row's rowid is its rowid in the table, as Datasette's search expects.
SEARCH = {
    "devices_names_fts": ("devices", "device", ("name", "manufacturer", "product", "model", "technology")),
    "utilities_names_fts": ("utilities", "utility", ("name", "state")),
}


def search_indexes(conn: sqlite3.Connection) -> None:
    """(Re)make each SEARCH index from its table and the aliases of its rows."""
    for index, (table, kind, columns) in SEARCH.items():
        conn.execute(f"DROP TABLE IF EXISTS [{index}]")
        conn.execute(f"CREATE VIRTUAL TABLE [{index}] USING fts5({', '.join(columns)}, aliases, content='', tokenize='porter')")
        cols = ", ".join(f"t.[{c}]" for c in columns)
        conn.execute(
            f"INSERT INTO [{index}] (rowid, {', '.join(columns)}, aliases) "
            f"SELECT t.rowid, {cols}, (SELECT group_concat(a.alias, ' | ') FROM aliases a "
            f"WHERE a.kind = '{kind}' AND a.id = t.id) FROM [{table}] t")


# Any part of a panel model number (incompatible_panels): a trigram index answers LIKE '%...%'
# without reading every row (its content is the table's).
TRIGRAM = {"panel_models_trigram": ("panel_models", "model")}


def trigram_indexes(conn: sqlite3.Connection) -> None:
    """(Re)make each TRIGRAM index from its table."""
    for index, (table, column) in TRIGRAM.items():
        conn.execute(f"DROP TABLE IF EXISTS [{index}]")
        conn.execute(f"CREATE VIRTUAL TABLE [{index}] USING fts5([{column}], content='{table}', "
                     "content_rowid='rowid', tokenize='trigram')")
        conn.execute(f"INSERT INTO [{index}] ([{index}]) VALUES ('rebuild')")


def summarise(conn: sqlite3.Connection) -> None:
    """The indexes the pages use; the summary tables and the search indexes that
    know every spelling (all made again from the rows)."""
    page_indexes(conn)
    make_tables(conn)
    search_indexes(conn)
    trigram_indexes(conn)


def page_indexes(conn: sqlite3.Connection) -> None:
    for statement in INDEXES:
        conn.execute(statement)
    facet_indexes(conn)


def make_tables(conn: sqlite3.Connection) -> None:
    """The summary tables, made again whole."""
    for table in TABLES:
        conn.execute(f"DROP TABLE IF EXISTS [{table}]")
    # state_summary counts the other summary tables state by state: by their indexes, made once
    # those tables are filled (each of its subqueries would otherwise read them whole)
    states = [s for s in FILL if s.startswith("INSERT INTO state_summary")]
    others = [s for s in FILL if s not in states]
    for statement in (*TABLES.values(), *others, *SUMMARY_INDEXES, *states):
        conn.execute(statement)


def facet_indexes(conn: sqlite3.Connection) -> None:
    """An index on each column a table's page is faceted by (PAGE_FACETS) that no index of the
    table (the models', or INDEXES above) starts with: Datasette counts a facet's values on
    every request, and an index on the column makes that a read of the index, not of every
    row (tests/test_query_plans.py checks every facet of every table)."""
    for table, columns in PAGE_FACETS.items():
        first = set()
        for _seq, name, _unique, _origin, partial in conn.execute(f"PRAGMA index_list([{table}])"):
            if not partial:
                first.add(conn.execute(f"PRAGMA index_info([{name}])").fetchone()[2])
        for column in columns:
            if column not in first:
                conn.execute(f"CREATE INDEX [{table}_by_{column}] ON [{table}] ([{column}])")


READS = ("sources", "approvals", "utilities", "devices", "restrictions", "directives", "states", "aliases",
         "panel_models")
# An incremental build writes the changed sources' rows again whatever changed in them: of
# `sources`, the columns the tables above are worked out from (current_sources, utility_summary)
# are compared. A row of any other table read, inserted or deleted (the search indexes hold
# rowids) or with one of the columns read updated (COLUMNS_READ: not the passage's offsets, which
# move with an edit above it), is seen by a trigger. Of the tables in KEYED, the trigger records
# the keys of the row (before and after) and refresh makes again only the summary rows of those
# keys; a write to any other table makes them all again.
SOURCE_COLUMNS = ("id", "series", "as_of", "utility_id")
COLUMNS_READ = {
    "approvals": ("device_id", "utility_id", "status", "as_of", "source_id"),
    "utilities": ("id", "name", "state"),
    "devices": ("id", "name", "manufacturer", "product", "model", "technology"),
    "restrictions": ("utility_id",),
    "directives": ("state",),
    "states": ("code",),
    "aliases": ("kind", "id", "alias", "alias_key"),
    "panel_models": ("model",),
}
KEYED = {"approvals": ("device_id", "utility_id"), "restrictions": ("utility_id",), "directives": ("state",),
         "devices": ("id",)}
# what each of the step's outputs is worked out from, beside the KEYED tables' rows and `sources`
TABLES_READ = ("utilities", "states")
SEARCH_READ = ("devices", "utilities", "aliases")  # (devices: by their recorded keys)
TRIGRAM_READ = ("panel_models",)
WATCHED = tuple(t for t in READS if t != "sources" and t not in KEYED)
NAME = "patch_summaries"  # of the watch (its temporary triggers and tables start with it)
_SOURCES = f"{NAME}_sources"


def watch(conn: sqlite3.Connection) -> None:
    """Before an incremental build writes: triggers on the tables read, and what `sources`
    holds of what is read (temporary: gone with the connection)."""
    watch_writes(conn, NAME, {t: COLUMNS_READ[t] for t in WATCHED})
    for table, keys in KEYED.items():
        watch_keys(conn, NAME, table, keys, COLUMNS_READ[table])
    conn.execute(f"CREATE TEMP TABLE {_SOURCES} AS SELECT {', '.join(SOURCE_COLUMNS)} FROM sources")


@dataclass(frozen=True)
class Changes:
    """What changed since `watch`, for each of the step's outputs."""

    tables: str
    """of what the summary tables read: "nothing", "keys" (only rows of the KEYED tables, their
    keys recorded) or "all" """
    search: bool
    """of what the search indexes read"""
    trigram: bool


EVERYTHING = Changes("all", True, True)


def changes(conn: sqlite3.Connection) -> Changes:
    """What changed since `watch` (everything when it did not run, or a trigger is gone with
    its table)."""
    written = tables_written(conn, NAME, WATCHED)
    recorded = {t: keys_written(conn, NAME, t) for t in KEYED}
    if written is None or None in recorded.values():
        return EVERYTHING
    keyed = {t for t, some in recorded.items() if some}
    cols = ", ".join(SOURCE_COLUMNS)
    try:
        sources = bool(conn.execute(
            f"SELECT 1 FROM (SELECT {cols} FROM main.sources EXCEPT SELECT {cols} FROM temp.{_SOURCES}) "
            f"UNION ALL SELECT 1 FROM (SELECT {cols} FROM temp.{_SOURCES} EXCEPT "
            f"SELECT {cols} FROM main.sources) LIMIT 1").fetchone())
    except sqlite3.OperationalError:  # no watch
        return EVERYTHING
    tables = "all" if sources or written & set(TABLES_READ) else "keys" if keyed else "nothing"
    return Changes(tables, bool((written | keyed) & set(SEARCH_READ)), bool(written & set(TRIGRAM_READ)))


def inputs_unchanged(conn: sqlite3.Connection) -> bool:
    """Whether nothing the summaries are worked out from changed since `watch` (False when it
    did not run, or a trigger is gone with its table)."""
    return changes(conn) == Changes("nothing", False, False)


def refresh(conn: sqlite3.Connection) -> None:
    """Make again the summary rows of the keys the watch recorded: the device and utility pairs
    of the approvals written, the utilities of those and of the restrictions written, their
    devices, and the states of those utilities and of the directives written. Right only
    while nothing else they read changed (changes(conn).tables is "keys"): what is read of a key is
    then the key's own rows, and a state's utilities and devices stay where they were."""
    conn.execute(f"CREATE TEMP TABLE {PAIRS} AS SELECT DISTINCT device_id, utility_id "
                 f"FROM temp.{keys_table(NAME, 'approvals')}")
    conn.execute(f"CREATE TEMP TABLE {UTILITIES} (id TEXT PRIMARY KEY)")
    conn.execute(f"INSERT OR IGNORE INTO temp.{UTILITIES} SELECT utility_id FROM temp.{PAIRS} WHERE utility_id IS NOT NULL "
                 f"UNION SELECT utility_id FROM temp.{keys_table(NAME, 'restrictions')} WHERE utility_id IS NOT NULL")
    conn.execute(f"CREATE TEMP TABLE {DEVICES} AS SELECT device_id AS id FROM temp.{PAIRS} "
                 f"WHERE device_id IS NOT NULL UNION SELECT id FROM temp.{keys_table(NAME, 'devices')} WHERE id IS NOT NULL")
    conn.execute(f"CREATE TEMP TABLE {STATES} AS SELECT state AS code FROM utilities "
                 f"WHERE id IN (SELECT id FROM temp.{UTILITIES}) AND state IS NOT NULL "
                 f"UNION SELECT state FROM temp.{keys_table(NAME, 'directives')} WHERE state IS NOT NULL")
    for table, sql in NARROWED.items():  # in _FILL's order: each counts from those before it
        conn.execute(f"DELETE FROM [{table}] WHERE {CLEAR[table]}")
        conn.execute(sql)
    for name in (PAIRS, UTILITIES, DEVICES, STATES):
        conn.execute(f"DROP TABLE temp.{name}")


def patch_summaries(p: Patch) -> None:
    """An incremental build keeps each of the previous database's outputs whose inputs did
    not change (it is then what summarise gives); of the summary tables, it makes again the
    rows of the keys that changed when only rows of KEYED tables did, else all. The indexes
    the pages use are made either way, should a step have made a table again."""
    db = p.writer.db
    changed = changes(db)
    page_indexes(db)
    if changed.tables == "all":
        make_tables(db)
    elif changed.tables == "keys":
        refresh(db)
    if changed.search:
        search_indexes(db)
    if changed.trigram:
        trigram_indexes(db)
    unwatch(db, NAME)


STEP = Step(
    "summaries", reads=READS, writes_after=(*TABLES, *SEARCH, *TRIGRAM), post_write=summarise,
    patch=patch_summaries, watch=watch,
)
