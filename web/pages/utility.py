"""`/utility/<id>`: one utility's MSA rules. Its own statements (and orders binding it) first,
third parties' reports apart; its approved lists edition by edition with what changed; fees,
timelines, process steps, incompatible panels; the directives that bind it (those addressed to
the utilities of its state as a group, e.g. CT's "EDCs", included); the eligibility rules
`msakb check` applies. Every query is an index lookup on the utility's id or state."""

from __future__ import annotations

from msakb.web.pages.facts import LIST_LIMIT, cite, directives_of_state, fetch, source_join, who, with_required

UTILITY = f"""
SELECT u.id, u.name, u.state, st.name AS state_name, u.kind, u.installation_model, {who('u')},
       src_u.title AS source_title, u.source_id, u.quote, u.char_start, u.char_end
FROM utilities u {source_join('u')} LEFT JOIN states st ON st.code = u.state WHERE u.id = :id"""

CITED_BY = """
SELECT c.id, s.title AS source_title, c.voice, c.speaker, c.attribution, c.source_id, c.quote, c.char_start, c.char_end
FROM citations c JOIN sources s ON s.id = c.source_id
WHERE c.row_id = :id AND +c.table_name = 'utilities' ORDER BY c.attribution = 'report', c.id LIMIT {limit}""".format(limit=LIST_LIMIT)

SUMMARY = "SELECT * FROM utility_summary WHERE utility_id = :id"

APPROVALS = f"""
SELECT a.id, a.device_id, d.name AS device, a.status, a.status_text, a.as_of, a.technology, a.limitation, a.notes,
       {who('a')}, src_a.title AS source_title, src_a.as_of AS edition_as_of,
       (ce.source_id IS NOT NULL) AS current, a.source_id, a.quote, a.char_start, a.char_end
FROM approvals a {source_join('a')} JOIN devices d ON d.id = a.device_id
LEFT JOIN current_editions ce ON ce.source_id = a.source_id
WHERE a.utility_id = :id
ORDER BY src_a.as_of IS NULL, src_a.as_of DESC, a.source_id, a.status, d.name"""

REQUIRED = """
SELECT r.approval_id, r.option, r.name, r.model FROM approvals a JOIN required_devices r ON r.approval_id = a.id
WHERE a.utility_id = :id ORDER BY r.approval_id, r.option, r.id"""

CHANGES = """
SELECT ch.id, ch.change, ch.device_id, d.name AS device, ch.technology, ch.old_as_of, ch.new_as_of,
       ch.old_status, ch.new_status, ch.source_id, ch.quote, ch.char_start, ch.char_end,
       ch.other_source_id, ch.other_quote, ch.other_char_start, ch.other_char_end
FROM approval_changes ch JOIN devices d ON d.id = ch.device_id
WHERE ch.utility_id = :id ORDER BY ch.new_as_of DESC, ch.change, d.name LIMIT {limit}""".format(limit=4 * LIST_LIMIT)

RESTRICTIONS = f"""
SELECT r.id, r.category, r.section, r.text, r.justification, r.device_id, d.name AS device, {who('r')},
       (ce.source_id IS NOT NULL) AS current, r.source_id, r.quote, r.char_start, r.char_end
FROM restrictions r LEFT JOIN devices d ON d.id = r.device_id
LEFT JOIN current_editions ce ON ce.source_id = r.source_id
WHERE r.utility_id = :id ORDER BY r.category, r.source_id, r.char_start LIMIT {4 * LIST_LIMIT}"""

STATE_RULES = f"""
SELECT r.id, r.category, r.text, r.justification, {who('r')}, r.source_id, r.quote, r.char_start, r.char_end
FROM restrictions r
WHERE r.state = (SELECT state FROM utilities WHERE id = :id) AND r.utility_id IS NULL ORDER BY r.category, r.char_start LIMIT {LIST_LIMIT}"""

DIRECTIVES = directives_of_state("(SELECT state FROM utilities WHERE id = :id)")  # addressed to the utilities of its state as a group


def _simple(table: str, columns: str, order: str, limit: int = LIST_LIMIT) -> str:
    return (f"SELECT t.id, {columns}, {who('t')}, t.source_id, t.quote, t.char_start, t.char_end "
            f"FROM [{table}] t WHERE t.utility_id = :id ORDER BY {order} LIMIT {limit}")


FEES = _simple("fees", "t.amount, t.currency, t.per, t.text", "t.amount")
TIMELINES = _simple("timelines", "t.activity, t.min_value, t.max_value, t.unit, t.text", "t.char_start")
STEPS = _simple("process_steps", "t.phase, t.number, t.title, t.description, t.customer_activities, "
                "t.documents_required, t.utility_activities", "t.number, t.char_start")
PANELS = _simple("panel_models", "t.model, t.listed_count, t.entry", "t.model", 4 * LIST_LIMIT)
STATEMENTS = _simple("statements", "t.topic, t.text", "t.topic, t.id")
RULES = """
SELECT r.id, r.restriction_id, r.says, r.fields, r.devices, r.file, r.source_id, r.quote, r.char_start, r.char_end
FROM rules r WHERE r.utility_id = :id ORDER BY r.id"""


QUERIES = (UTILITY, CITED_BY, SUMMARY, APPROVALS, REQUIRED, CHANGES, RESTRICTIONS, STATE_RULES, DIRECTIVES, FEES, TIMELINES, STEPS, PANELS, STATEMENTS, RULES)
"""Every statement the page runs (named parameters), for the benchmark's direct-SQL side."""

async def utility_page(db, database_path: str, utility_id: str) -> dict | None:
    """The page's facts, or None when no utility has this id (or a spelling of it: the caller
    resolves aliases first)."""
    p = {"id": utility_id}
    got = await fetch(db, {name: (sql, p) for name, sql in (
        ("utility", UTILITY), ("summary", SUMMARY), ("cited_by", CITED_BY), ("approvals", APPROVALS),
        ("required", REQUIRED), ("changes", CHANGES), ("restrictions", RESTRICTIONS), ("state_rules", STATE_RULES),
        ("directives", DIRECTIVES), ("fees", FEES), ("timelines", TIMELINES), ("process_steps", STEPS),
        ("panels", PANELS), ("statements", STATEMENTS), ("rules", RULES))})
    if not got["utility"]:
        return None
    editions: list[dict] = []
    for a in with_required(got["approvals"], got["required"], database_path):
        if not editions or editions[-1]["source_id"] != a["source_id"]:
            editions.append({"source_id": a["source_id"], "title": a["source_title"], "as_of": a["edition_as_of"],
                             "current": bool(a["current"]), "who": a["who"], "attribution": a["attribution"],
                             "approvals": []})
        editions[-1]["approvals"].append(a)
    out = {"utility": cite(got["utility"][0], database_path),
           "summary": got["summary"][0] if got["summary"] else None, "editions": editions}
    for name in ("cited_by", "changes", "restrictions", "state_rules", "directives", "fees", "timelines",
                 "process_steps", "panels", "statements", "rules"):
        out[name] = [cite(r, database_path) for r in got[name]]
    return {
        **out,
        "list_limit": LIST_LIMIT,
    }
