"""What the site's pages would otherwise count over the whole corpus on every request, counted
once per build, and the indexes their queries look rows up by (web/pages/).

A post-write build step (after the current_* views exist and devices are named). An
incremental build runs it again on the patched file: every table here is worked out from the rows,
never from a source, so running it again gives what a full build gives.

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

from msakb.db.pipeline.patch_writes import Patch
from msakb.db.pipeline.step import Step
from msakb.db.query.statuses import STATUS_ORDER
from msakb.db.store.columns import PAGE_FACETS


INDEXES = (
    "CREATE INDEX IF NOT EXISTS aliases_by_key ON aliases (kind, alias_key, id)",
    "CREATE INDEX IF NOT EXISTS directives_by_state ON directives (state, due_date)",
    "CREATE INDEX IF NOT EXISTS restrictions_by_state ON restrictions (state, utility_id)",
    "CREATE INDEX IF NOT EXISTS sources_by_jurisdiction ON sources (jurisdiction, as_of)",
    "CREATE INDEX IF NOT EXISTS sources_by_utility ON sources (utility_id, as_of)",
    "CREATE INDEX IF NOT EXISTS utilities_by_state ON utilities (state, name)",
    "CREATE INDEX IF NOT EXISTS devices_by_family ON devices (family_id)",
    "CREATE INDEX IF NOT EXISTS devices_by_manufacturer ON devices (manufacturer)",
    "CREATE INDEX IF NOT EXISTS conflicts_by_other_source ON conflicts (other_source_id)",
    "CREATE INDEX IF NOT EXISTS approval_changes_by_utility ON approval_changes (utility_id, new_as_of)",
    "CREATE INDEX IF NOT EXISTS approval_changes_by_new_as_of ON approval_changes (new_as_of)",
    "CREATE INDEX IF NOT EXISTS fees_by_utility ON fees (utility_id)",
    "CREATE INDEX IF NOT EXISTS timelines_by_utility ON timelines (utility_id)",
    "CREATE INDEX IF NOT EXISTS process_steps_by_utility ON process_steps (utility_id, number)",
    "CREATE INDEX IF NOT EXISTS panel_models_by_utility ON panel_models (utility_id)",
    "CREATE INDEX IF NOT EXISTS statements_by_utility ON statements (utility_id)",
    "CREATE INDEX IF NOT EXISTS statements_by_state ON statements (state)",
    "CREATE INDEX IF NOT EXISTS statements_by_device ON statements (device_id)",
    "CREATE INDEX IF NOT EXISTS lifespans_by_device ON lifespans (device_id)",
    "CREATE INDEX IF NOT EXISTS candidates_by_status ON candidates (status, source_id)",
    # the canned queries' (web/metadata.yaml): every dated directive, conflicts of a kind, the
    # newest editions and changes (the Atom feed)
    "CREATE INDEX IF NOT EXISTS directives_by_due_date ON directives (due_date)",
    "CREATE INDEX IF NOT EXISTS conflicts_by_kind ON conflicts (kind)",
    "CREATE INDEX IF NOT EXISTS approval_changes_by_new_edition ON approval_changes (new_as_of, id)",
    "CREATE INDEX IF NOT EXISTS sources_by_as_of ON sources (as_of, id)",
)

_RANK = "CASE {col} " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(STATUS_ORDER)) + \
    f" ELSE {len(STATUS_ORDER)} END"
_BACK = " ".join(f"WHEN {i} THEN '{s}'" for i, s in enumerate(STATUS_ORDER))  # a rank back to its status

TABLES = {
    "current_editions": """
        CREATE TABLE current_editions (source_id TEXT PRIMARY KEY REFERENCES sources (id)) WITHOUT ROWID""",
    "device_utility_status": """
        CREATE TABLE device_utility_status (
            device_id TEXT NOT NULL REFERENCES devices (id), utility_id TEXT NOT NULL REFERENCES utilities (id),
            state TEXT, status TEXT NOT NULL, statuses TEXT NOT NULL, listings INTEGER NOT NULL, as_of TEXT,
            PRIMARY KEY (device_id, utility_id)) WITHOUT ROWID""",
    "utility_summary": """
        CREATE TABLE utility_summary (
            utility_id TEXT PRIMARY KEY REFERENCES utilities (id), state TEXT, devices INTEGER NOT NULL,
            approved INTEGER NOT NULL, pilot INTEGER NOT NULL, other INTEGER NOT NULL,
            restrictions INTEGER NOT NULL, editions INTEGER NOT NULL, latest_as_of TEXT) WITHOUT ROWID""",
    "device_summary": """
        CREATE TABLE device_summary (
            device_id TEXT PRIMARY KEY REFERENCES devices (id), utilities INTEGER NOT NULL,
            approved INTEGER NOT NULL, pilot INTEGER NOT NULL, other INTEGER NOT NULL,
            states INTEGER NOT NULL) WITHOUT ROWID""",
    "state_device_summary": """
        CREATE TABLE state_device_summary (
            state TEXT NOT NULL, device_id TEXT NOT NULL REFERENCES devices (id), utilities INTEGER NOT NULL,
            PRIMARY KEY (state, device_id)) WITHOUT ROWID""",
    "state_summary": """
        CREATE TABLE state_summary (
            code TEXT PRIMARY KEY, utilities INTEGER NOT NULL,  -- a state's code (no key to states: "code" links nowhere)
            utilities_stating INTEGER NOT NULL, devices_approved INTEGER NOT NULL,
            approvals INTEGER NOT NULL, directives INTEGER NOT NULL) WITHOUT ROWID""",
}

SUMMARY_INDEXES = (
    "CREATE INDEX device_utility_status_by_utility ON device_utility_status (utility_id, status)",
    "CREATE INDEX device_utility_status_by_state ON device_utility_status (state, device_id)",
    "CREATE INDEX utility_summary_by_state ON utility_summary (state, devices DESC)",
    "CREATE INDEX utility_summary_by_devices ON utility_summary (devices DESC, utility_id)",
    "CREATE INDEX device_utility_status_by_status ON device_utility_status (status)",  # its page's facet
    "CREATE INDEX device_summary_by_utilities ON device_summary (utilities DESC, device_id)",
    "CREATE INDEX state_device_summary_by_utilities ON state_device_summary (state, utilities DESC, device_id)",
)

FILL = (
    """INSERT INTO current_editions SELECT id FROM current_sources""",
    f"""INSERT INTO device_utility_status
        SELECT a.device_id, a.utility_id, u.state,
               CASE min({_RANK.format(col='a.status')}) {_BACK} ELSE min(a.status) END,
               group_concat(DISTINCT a.status), count(*), max(a.as_of)
        FROM (  -- in status order: the statuses listed alike whatever order the rows were written in
            -- (the current editions' rows found by their source, not every row's source looked up)
            SELECT x.device_id, x.utility_id, x.status, x.as_of FROM approvals x
            WHERE x.source_id IN (SELECT source_id FROM current_editions)
            ORDER BY x.device_id, x.utility_id, x.status) a
        JOIN utilities u ON u.id = a.utility_id
        GROUP BY a.device_id, a.utility_id""",
    """INSERT INTO utility_summary
        SELECT u.id, u.state, coalesce(s.devices, 0), coalesce(s.approved, 0), coalesce(s.pilot, 0),
               coalesce(s.devices - s.approved - s.pilot, 0),
               (SELECT count(*) FROM restrictions r WHERE r.utility_id = u.id),
               (SELECT count(*) FROM sources x WHERE x.utility_id = u.id),
               (SELECT max(x.as_of) FROM sources x WHERE x.utility_id = u.id)
        FROM utilities u LEFT JOIN (
            SELECT utility_id, count(*) AS devices, count(CASE status WHEN 'approved' THEN 1 END) AS approved,
                   count(CASE status WHEN 'pilot' THEN 1 END) AS pilot
            FROM device_utility_status GROUP BY utility_id) s ON s.utility_id = u.id""",
    """INSERT INTO device_summary
        SELECT d.id, count(s.utility_id), count(CASE s.status WHEN 'approved' THEN 1 END),
               count(CASE s.status WHEN 'pilot' THEN 1 END),
               count(CASE WHEN s.status NOT IN ('approved', 'pilot') THEN 1 END), count(DISTINCT s.state)
        FROM devices d LEFT JOIN device_utility_status s ON s.device_id = d.id
        GROUP BY d.id""",
    """INSERT INTO state_device_summary
        SELECT state, device_id, count(*) FROM device_utility_status WHERE state IS NOT NULL
        GROUP BY state, device_id""",
    """INSERT INTO state_summary
        SELECT st.code,
               (SELECT count(*) FROM utilities u WHERE u.state = st.code),
               (SELECT count(*) FROM utility_summary us WHERE us.state = st.code AND us.devices > 0),
               -- by the state's index (+: not by the status's, which would read every state's approved rows)
               (SELECT count(DISTINCT s.device_id) FROM device_utility_status s WHERE s.state = st.code AND +s.status = 'approved'),
               (SELECT coalesce(sum(s.listings), 0) FROM device_utility_status s WHERE s.state = st.code),
               (SELECT count(*) FROM directives d WHERE d.state = st.code)
        FROM states st""",
)


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
    for statement in INDEXES:
        conn.execute(statement)
    facet_indexes(conn)
    for table in TABLES:
        conn.execute(f"DROP TABLE IF EXISTS [{table}]")
    # state_summary counts the other summary tables state by state: by their indexes, made once
    # those tables are filled (each of its subqueries would otherwise read them whole)
    states = [s for s in FILL if s.startswith("INSERT INTO state_summary")]
    others = [s for s in FILL if s not in states]
    for statement in (*TABLES.values(), *others, *SUMMARY_INDEXES, *states):
        conn.execute(statement)
    search_indexes(conn)
    trigram_indexes(conn)


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
# are compared; a row written to any other table read (an insert, delete or update of any
# column: the search indexes hold rowids) is seen by a trigger.
SOURCE_COLUMNS = ("id", "series", "as_of", "utility_id")
WATCHED = tuple(t for t in READS if t != "sources")
_WRITTEN, _SOURCES = "patch_summaries_written", "patch_summaries_sources"
_EVENTS = ("INSERT", "UPDATE", "DELETE")


def watch(conn: sqlite3.Connection) -> None:
    """Before an incremental build writes: a trigger on each table read, and what `sources`
    holds of what is read (temporary: gone with the connection)."""
    conn.execute(f"CREATE TEMP TABLE {_WRITTEN} (name TEXT PRIMARY KEY)")
    for table in WATCHED:
        for event in _EVENTS:
            conn.execute(f"CREATE TEMP TRIGGER [{_WRITTEN}_{event.lower()}_{table}] AFTER {event} ON [{table}] "
                         f"BEGIN INSERT OR IGNORE INTO {_WRITTEN} VALUES ('{table}'); END")
    conn.execute(f"CREATE TEMP TABLE {_SOURCES} AS SELECT {', '.join(SOURCE_COLUMNS)} FROM sources")


def inputs_unchanged(conn: sqlite3.Connection) -> bool:
    """Whether nothing the summaries are worked out from changed since `watch` (False when it
    did not run, or a trigger is gone with its table)."""
    try:
        triggers = conn.execute("SELECT count(*) FROM sqlite_temp_master WHERE type = 'trigger' AND name LIKE ?",
                                (f"{_WRITTEN}%",)).fetchone()[0]
        if triggers != len(WATCHED) * len(_EVENTS) or conn.execute(f"SELECT 1 FROM {_WRITTEN}").fetchone():
            return False
        cols = ", ".join(SOURCE_COLUMNS)
        return not conn.execute(f"SELECT 1 FROM (SELECT {cols} FROM main.sources EXCEPT SELECT {cols} FROM {_SOURCES}) "
                                f"UNION ALL SELECT 1 FROM (SELECT {cols} FROM {_SOURCES} EXCEPT "
                                f"SELECT {cols} FROM main.sources) LIMIT 1").fetchone()
    except sqlite3.OperationalError:  # no watch
        return False


def _unwatch(conn: sqlite3.Connection) -> None:
    for table in WATCHED:
        for event in _EVENTS:
            conn.execute(f"DROP TRIGGER IF EXISTS temp.[{_WRITTEN}_{event.lower()}_{table}]")
    conn.execute(f"DROP TABLE IF EXISTS temp.{_WRITTEN}")
    conn.execute(f"DROP TABLE IF EXISTS temp.{_SOURCES}")


def patch_summaries(p: Patch) -> None:
    """An incremental build makes them again whole, from the patched rows, unless nothing
    they are worked out from changed (the previous database's are then what summarise
    gives); the indexes the pages use are made either way, should a step have made a
    table again."""
    db = p.writer.db
    if inputs_unchanged(db):
        for statement in INDEXES:
            db.execute(statement)
        facet_indexes(db)
    else:
        summarise(db)
    _unwatch(db)


STEP = Step(
    "summaries", reads=READS, writes_after=(*TABLES, *SEARCH, *TRIGRAM), post_write=summarise,
    patch=patch_summaries, watch=watch,
)
