"""`/state/<XX>`: the MSA situation in one state. Every query is an index lookup on the state's
code (db/derive/summaries.py makes the indexes and the per-utility counts); long sections list
STATE_LIST rows and link to the whole list in Datasette (a state may have hundreds of
utilities and orders at national scale; its page stays one read)."""

from __future__ import annotations

from msakb.web.pages.facts import cite, directives_of_state, fetch, source_join, who

STATE_LIST = 15
"""Rows per section of a state page."""

STATE = f"""
SELECT st.code, st.name, st.framework_status, {who('st')}, src_st.title AS source_title,
       st.source_id, st.quote, st.char_start, st.char_end
FROM states st {source_join('st')} WHERE st.code = :code"""

SUMMARY = "SELECT * FROM state_summary WHERE code = :code"

SHOWN = f"""
SELECT u.id FROM utilities u LEFT JOIN utility_summary us ON us.utility_id = u.id
WHERE u.state = :code ORDER BY coalesce(us.devices, 0) DESC, u.name LIMIT {STATE_LIST}"""
# the utilities listed: those that state most device statuses

UTILITIES = f"""
SELECT u.id, u.name, u.kind, u.installation_model, {who('u')},
       coalesce(us.devices, 0) AS devices, coalesce(us.approved, 0) AS approved, coalesce(us.pilot, 0) AS pilot,
       coalesce(us.other, 0) AS other, coalesce(us.restrictions, 0) AS restrictions,
       u.source_id, u.quote, u.char_start, u.char_end
FROM utilities u LEFT JOIN utility_summary us ON us.utility_id = u.id
WHERE u.id IN ({SHOWN})
ORDER BY coalesce(us.devices, 0) DESC, u.name"""

APPROVED_AT = f"""
SELECT utility_id, id, name FROM (
  SELECT s.utility_id, d.id, d.name, row_number() OVER (PARTITION BY s.utility_id ORDER BY d.name) AS n
  FROM device_utility_status s JOIN devices d ON d.id = s.device_id
  WHERE s.utility_id IN ({SHOWN}) AND s.status = 'approved')
WHERE n <= :n ORDER BY utility_id, n"""

DIRECTIVES = directives_of_state(":code", STATE_LIST)

DECISIONS = f"""
SELECT x.id, x.regulator, x.docket, x.decision_number, x.decision_date, x.text, {who('x')},
       x.source_id, x.quote, x.char_start, x.char_end
FROM sources s JOIN decisions x ON x.source_id = s.id
WHERE s.jurisdiction = :code
ORDER BY x.decision_date DESC, x.id LIMIT {STATE_LIST // 2}"""  # the latest; the directives carry the detail

STATE_RULES = f"""
SELECT r.id, r.category, r.text, r.justification, r.section, {who('r')},
       r.source_id, r.quote, r.char_start, r.char_end
FROM restrictions r
WHERE r.state = :code AND r.utility_id IS NULL
ORDER BY r.category, r.source_id, r.char_start LIMIT {STATE_LIST}"""

STATEMENTS = f"""
SELECT t.id, t.topic, t.text, t.utility_id, {who('t')}, t.source_id, t.quote, t.char_start, t.char_end
FROM statements t
WHERE t.state = :code
ORDER BY t.topic, t.id LIMIT {STATE_LIST}"""

CONFLICTS = """
SELECT c.id, c.kind, c.subject, c.description, s1.title AS source_title, s2.title AS other_source_title,
       c.voice, c.speaker, c.attribution, c.other_voice, c.other_speaker, c.other_attribution,
       c.source_id, c.quote, c.char_start, c.char_end,
       c.other_source_id, c.other_quote, c.other_char_start, c.other_char_end
FROM conflicts c JOIN sources s1 ON s1.id = c.source_id JOIN sources s2 ON s2.id = c.other_source_id
WHERE c.id IN (SELECT c1.id FROM sources s JOIN conflicts c1 ON c1.source_id = s.id WHERE s.jurisdiction = :code
               UNION SELECT c2.id FROM sources s JOIN conflicts c2 ON c2.other_source_id = s.id WHERE s.jurisdiction = :code)
ORDER BY c.kind, c.subject, c.id LIMIT {limit}""".format(limit=STATE_LIST)

COUNTS = """
SELECT (SELECT count(*) FROM restrictions WHERE state = :code AND utility_id IS NULL) AS state_rules,
       (SELECT count(*) FROM statements WHERE state = :code) AS statements,
       (SELECT count(*) FROM sources s JOIN decisions x ON x.source_id = s.id WHERE s.jurisdiction = :code) AS decisions,
       (SELECT min(due_date) FROM directives WHERE state = :code AND due_date >= date('now')) AS next_due_date"""

APPROVED_SHOWN = 4  # approved devices named per utility on the state page; its own page has all


QUERIES = (STATE, SUMMARY, COUNTS, UTILITIES, APPROVED_AT, DIRECTIVES, DECISIONS, STATE_RULES, STATEMENTS, CONFLICTS)
"""Every statement the page runs (named parameters), for the benchmark's direct-SQL side."""

async def state_page(db, database_path: str, code: str, names: dict[str, str]) -> dict | None:
    """The page's facts, or None when `code` is not a state or territory the gazetteer knows."""
    code = code.upper()
    if code not in names:
        return None
    p = {"code": code, "n": APPROVED_SHOWN}
    got = await fetch(db, {name: (sql, p) for name, sql in (
        ("state", STATE), ("summary", SUMMARY), ("counts", COUNTS), ("utilities", UTILITIES),
        ("approved", APPROVED_AT), ("directives", DIRECTIVES), ("decisions", DECISIONS),
        ("state_rules", STATE_RULES), ("statements", STATEMENTS), ("conflicts", CONFLICTS))})
    state, summary, counts = got["state"], got["summary"], got["counts"][0]
    utilities = [cite(u, database_path) for u in got["utilities"]]
    approved: dict[str, list[dict]] = {}
    for d in got["approved"]:
        approved.setdefault(d["utility_id"], []).append(d)
    for u in utilities:
        u["approved_devices"] = approved.get(u["id"], [])
    directives = [cite(d, database_path) for d in got["directives"]]
    return {
        "code": code,
        "name": names[code],
        "state": cite(state[0], database_path) if state else None,
        "summary": summary[0] if summary else {"utilities": 0, "utilities_stating": 0, "devices_approved": 0,
                                              "approvals": 0, "directives": 0},
        "counts": counts,
        "utilities": utilities,
        "directives": directives,
        "decisions": [cite(d, database_path) for d in got["decisions"]],
        "state_rules": [cite(r, database_path) for r in got["state_rules"]],
        "statements": [cite(r, database_path) for r in got["statements"]],
        "conflicts": [cite(c, database_path) for c in got["conflicts"]],
        "list_limit": STATE_LIST,
        "approved_shown": APPROVED_SHOWN,
    }
