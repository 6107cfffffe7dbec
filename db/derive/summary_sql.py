"""The SQL of the summaries step (db/derive/summaries.py): the indexes the pages look rows up
by, the summary tables, and the statements that fill them, whole (FILL, a full build) or for
the keys an incremental build changed (NARROWED, after CLEAR)."""

from __future__ import annotations

from msakb.db.query.statuses import STATUS_ORDER

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

# Each summary table's rows, in the order they are made (a table counts those before it). A
# `{placeholder}` narrows a statement to the keys an incremental build changed
# (summaries.refresh, NARROWED); a full build fills them with nothing (FILL).
_FILL = {
    "current_editions": """INSERT INTO current_editions SELECT id FROM current_sources""",
    "device_utility_status": f"""INSERT INTO device_utility_status
        SELECT a.device_id, a.utility_id, u.state,
               CASE min({_RANK.format(col='a.status')}) {_BACK} ELSE min(a.status) END,
               group_concat(DISTINCT a.status), count(*), max(a.as_of)
        FROM (  -- in status order: the statuses listed alike whatever order the rows were written in
            -- (the current editions' rows found by their source, not every row's source looked up)
            SELECT x.device_id, x.utility_id, x.status, x.as_of FROM approvals x
            WHERE x.source_id IN (SELECT source_id FROM current_editions){{pairs}}
            ORDER BY x.device_id, x.utility_id, x.status) a
        JOIN utilities u ON u.id = a.utility_id
        GROUP BY a.device_id, a.utility_id""",
    "utility_summary": """INSERT INTO utility_summary
        SELECT u.id, u.state, coalesce(s.devices, 0), coalesce(s.approved, 0), coalesce(s.pilot, 0),
               coalesce(s.devices - s.approved - s.pilot, 0),
               (SELECT count(*) FROM restrictions r WHERE r.utility_id = u.id),
               (SELECT count(*) FROM sources x WHERE x.utility_id = u.id),
               (SELECT max(x.as_of) FROM sources x WHERE x.utility_id = u.id)
        FROM utilities u LEFT JOIN (
            SELECT utility_id, count(*) AS devices, count(CASE status WHEN 'approved' THEN 1 END) AS approved,
                   count(CASE status WHEN 'pilot' THEN 1 END) AS pilot
            FROM device_utility_status{where_utility_id} GROUP BY utility_id) s ON s.utility_id = u.id{where_u_id}""",
    "device_summary": """INSERT INTO device_summary
        SELECT d.id, count(s.utility_id), count(CASE s.status WHEN 'approved' THEN 1 END),
               count(CASE s.status WHEN 'pilot' THEN 1 END),
               count(CASE WHEN s.status NOT IN ('approved', 'pilot') THEN 1 END), count(DISTINCT s.state)
        FROM devices d LEFT JOIN device_utility_status s ON s.device_id = d.id{where_d_id}
        GROUP BY d.id""",
    "state_device_summary": """INSERT INTO state_device_summary
        SELECT state, device_id, count(*) FROM device_utility_status WHERE state IS NOT NULL{and_device_id}
        GROUP BY state, device_id""",
    "state_summary": """INSERT INTO state_summary
        SELECT st.code,
               (SELECT count(*) FROM utilities u WHERE u.state = st.code),
               (SELECT count(*) FROM utility_summary us WHERE us.state = st.code AND us.devices > 0),
               -- by the state's index (+: not by the status's, which would read every state's approved rows)
               (SELECT count(DISTINCT s.device_id) FROM device_utility_status s WHERE s.state = st.code AND +s.status = 'approved'),
               (SELECT coalesce(sum(s.listings), 0) FROM device_utility_status s WHERE s.state = st.code),
               (SELECT count(*) FROM directives d WHERE d.state = st.code)
        FROM states st{where_st_code}""",
}

# The keys of the rows an incremental build changed, worked out by summaries.refresh from what the
# watch's triggers recorded (temporary tables of the patch's connection).
PAIRS, UTILITIES, DEVICES, STATES = (f"patch_summaries_{n}" for n in ("pairs", "utilities", "devices", "states"))
_NARROW = {
    "pairs": f" AND (x.device_id, x.utility_id) IN (SELECT device_id, utility_id FROM temp.{PAIRS})",
    "where_utility_id": f" WHERE utility_id IN (SELECT id FROM temp.{UTILITIES})",
    "where_u_id": f" WHERE u.id IN (SELECT id FROM temp.{UTILITIES})",
    "where_d_id": f" WHERE d.id IN (SELECT id FROM temp.{DEVICES})",
    "and_device_id": f" AND device_id IN (SELECT id FROM temp.{DEVICES})",
    "where_st_code": f" WHERE st.code IN (SELECT code FROM temp.{STATES})",
}
FILL = tuple(sql.format(**{k: "" for k in _NARROW}) for sql in _FILL.values())
NARROWED = {table: sql.format(**_NARROW) for table, sql in _FILL.items() if table != "current_editions"}
"""table -> its rows of the changed keys (current_editions is worked out from `sources` alone)"""
CLEAR = {
    "device_utility_status": f"(device_id, utility_id) IN (SELECT device_id, utility_id FROM temp.{PAIRS})",
    "utility_summary": f"utility_id IN (SELECT id FROM temp.{UTILITIES})",
    "device_summary": f"device_id IN (SELECT id FROM temp.{DEVICES})",
    "state_device_summary": f"device_id IN (SELECT id FROM temp.{DEVICES})",
    "state_summary": f"code IN (SELECT code FROM temp.{STATES})",
}
"""table -> which of its rows NARROWED makes again"""
