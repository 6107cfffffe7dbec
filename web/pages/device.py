"""`/device/<id>`: where one MSA model (or family) stands: its status with every utility that
says anything of it (its family's approvals and its member models' too), by state on a map,
with as-of, who says it, technology, notes and the companion devices each approval requires;
its specs and standards; where it is not listed; what changed between editions. Every query is
an index lookup on the device's id, its family's or its members'."""

from __future__ import annotations

from msakb.db.query.statuses import status_rank
from msakb.web.pages.facts import LIST_LIMIT, cite, fetch, source_join, who, with_required

DEVICE = f"""
SELECT d.id, d.name, d.manufacturer, m.id AS manufacturer_id, m.url AS manufacturer_url, d.product, d.model,
       d.family_id, f.name AS family, d.is_family, d.isolating, d.technology, d.use, d.rated_amps, d.meter_form,
       d.volts, d.volts_low, d.phase, d.hertz, {who('d')}, d.source_id, d.quote, d.char_start, d.char_end
FROM devices d LEFT JOIN devices f ON f.id = d.family_id
LEFT JOIN manufacturers m ON m.name = d.manufacturer
WHERE d.id = :id"""

MEMBERS = "SELECT id, name FROM devices WHERE family_id = :id ORDER BY name"

# the device's approvals, its family's (they apply to it) and its members' (a family's page)
APPROVALS = f"""
WITH said(device_id, via) AS (
  SELECT :id, 'this model'
  UNION ALL SELECT family_id, 'via family' FROM devices WHERE id = :id AND family_id IS NOT NULL
  UNION ALL SELECT id, 'member model' FROM devices WHERE family_id = :id)
SELECT a.id, a.device_id, dd.name AS device, said.via, a.utility_id, u.name AS utility, u.state, a.status,
       a.status_text, a.as_of, a.technology, a.limitation, a.notes, {who('a')},
       src_a.title AS source_title, a.source_id, a.quote, a.char_start, a.char_end
FROM said JOIN approvals a ON a.device_id = said.device_id {source_join('a')}
JOIN current_editions ce ON ce.source_id = a.source_id
JOIN utilities u ON u.id = a.utility_id JOIN devices dd ON dd.id = a.device_id
ORDER BY u.state, u.name, a.as_of DESC, a.id"""

REQUIRED = """
SELECT r.approval_id, r.option, r.name, r.model FROM approvals a JOIN required_devices r ON r.approval_id = a.id
WHERE a.device_id IN (:id, coalesce((SELECT family_id FROM devices WHERE id = :id), ''))
ORDER BY r.approval_id, r.option, r.id"""

SPECS = f"""
SELECT s.id, s.quantity, s.value, s.value_max, s.unit, s.qualifier, s.text, {who('s')},
       s.source_id, s.quote, s.char_start, s.char_end
FROM specs s WHERE s.device_id = :id ORDER BY s.quantity, s.source_id, s.char_start LIMIT {LIST_LIMIT}"""

LIFESPANS = f"""
SELECT l.id, l.manufacturer, l.min_years, l.max_years, l.text, {who('l')}, l.source_id, l.quote, l.char_start, l.char_end
FROM lifespans l WHERE l.device_id = :id ORDER BY l.id"""

CHANGES = """
SELECT ch.id, ch.change, ch.utility_id, u.name AS utility, ch.technology, ch.old_as_of, ch.new_as_of,
       ch.old_status, ch.new_status, ch.source_id, ch.quote, ch.char_start, ch.char_end,
       ch.other_source_id, ch.other_quote, ch.other_char_start, ch.other_char_end
FROM approval_changes ch JOIN utilities u ON u.id = ch.utility_id
WHERE ch.device_id = :id ORDER BY ch.new_as_of DESC, u.name LIMIT {limit}""".format(limit=LIST_LIMIT)

# states whose utilities publish statements about devices, and how many of them do
STATES_STATING = "SELECT code, utilities, utilities_stating FROM state_summary WHERE utilities > 0"


def _by_state(approvals: list[dict], states: list[dict]) -> tuple[dict[str, str], dict[str, str]]:
    """(code -> map status, code -> the tile's words): a state's most favourable status among
    its utilities' current approvals, with whose word it is (a utility's, or a third party's
    report of it); 'not_listed' where its utilities are in the knowledge
    base but none says anything of the device."""
    best: dict[str, str] = {}
    said_by: dict[str, set] = {}
    for a in approvals:
        if a["state"]:
            # a third party's listing of a utility's approval is its report, never the utility's word
            said_by.setdefault(a["state"], set()).add(
                f"{a['utility']} as reported by {a['speaker']}" if a["attribution"] == "report" else a["utility"])
            if a["state"] not in best or status_rank(a["status"]) < status_rank(best[a["state"]]):
                best[a["state"]] = a["status"]
    status, notes = {}, {}
    for s in states:
        code = s["code"]
        if code in best:
            status[code] = best[code] if best[code] in ("approved", "pilot", "under_review") else "not_approved"
            notes[code] = (f"{best[code].replace('_', ' ')} (according to {', '.join(sorted(said_by[code]))}; "
                           f"{s['utilities']} utilities of the state in the knowledge base)")
        elif s["utilities_stating"]:
            status[code] = "not_listed"
            notes[code] = (f"not listed: {s['utilities_stating']} of its utilities state device statuses, "
                           "none of this device")
    return status, notes


QUERIES = (DEVICE, MEMBERS, APPROVALS, REQUIRED, SPECS, LIFESPANS, CHANGES, STATES_STATING)
"""Every statement the page runs (named parameters), for the benchmark's direct-SQL side."""

def _distinct(specs: list[dict]) -> list[dict]:
    """Specs stated alike in several places (a list gives a device's ratings once per
    approval): the first, with how many times it is stated."""
    out: dict[tuple, dict] = {}
    for s in specs:
        key = (s["quantity"], s.get("text_text"), s.get("speaker"))
        if key in out:
            out[key]["times"] += 1
        else:
            out[key] = {**s, "times": 1}
    return list(out.values())


async def device_page(db, database_path: str, device_id: str) -> dict | None:
    """The page's facts, or None when no device has this id."""
    p = {"id": device_id}
    got = await fetch(db, {name: (sql, p) for name, sql in (
        ("device", DEVICE), ("members", MEMBERS), ("approvals", APPROVALS), ("required", REQUIRED), ("specs", SPECS),
        ("lifespans", LIFESPANS), ("changes", CHANGES), ("states", STATES_STATING))})
    if not got["device"]:
        return None
    approvals = with_required(got["approvals"], got["required"], database_path)
    states = got["states"]
    map_status, map_notes = _by_state(approvals, states)
    silent = [s for s in states if s["code"] not in {a["state"] for a in approvals} and s["utilities_stating"]]
    return {
        "device": cite(got["device"][0], database_path),
        "members": got["members"],
        "approvals": approvals,
        "map_status": map_status,
        "map_notes": map_notes,
        "not_listed_states": silent,
        "specs": _distinct([cite(s, database_path) for s in got["specs"]]),
        "lifespans": [cite(s, database_path) for s in got["lifespans"]],
        "changes": [cite(c, database_path) for c in got["changes"]],
        "list_limit": LIST_LIMIT,
    }
