"""What every task page does with a fact row: who states it, where (its passage page), and its
quote as readable text; and the few SQL pieces the page queries share."""

from __future__ import annotations

from msakb.db.query.statuses import status_rank  # noqa: F401  (the pages' order of statuses)
from msakb.web.pages.links import passage_path
from msakb.web.pages.readable import plain_text

LIST_LIMIT = 50
"""Rows a page lists per section before it links to the whole list (a section of a task page
stays one screen or two, whatever the size of the corpus)."""

VOICE_LABELS = {
    "legislature": "legislature", "regulator": "regulator", "utility": "utility", "working_group": "working group",
    "industry": "industry", "manufacturer": "manufacturer", "installer": "installer",
}


def who(t: str) -> str:
    """SQL: who states a row of fact table alias `t` (its attribution columns: shared
    CONTRACT.md)."""
    return f"{t}.voice AS voice, {t}.speaker AS speaker, {t}.attribution AS attribution"


def source_join(t: str) -> str:
    """SQL: the join of fact table alias `t` to its source (as `src_<t>`)."""
    return f"JOIN sources src_{t} ON src_{t}.id = {t}.source_id"


def rows(result) -> list[dict]:
    """A Datasette query result as dicts."""
    return [dict(r) for r in result.rows]


async def fetch(db, queries: dict[str, tuple[str, dict]]) -> dict[str, list[dict]]:
    """Every query of a page ({name: (sql, params)}) in one call on Datasette's SQL thread
    (Database.execute_fn): a page's dozen statements are each an index lookup of a fraction of
    a millisecond, and a hop to the thread per statement cost more than the statement."""

    def run(conn) -> dict[str, list[dict]]:
        out = {}
        for name, (sql, params) in queries.items():
            cursor = conn.execute(sql, params)
            columns = [c[0] for c in cursor.description]
            out[name] = [dict(zip(columns, row)) for row in cursor.fetchall()]
        return out

    return await db.execute_fn(run)


def cite(row: dict, database_path: str) -> dict:
    """`row` with its passage link, readable quote and who-states-it label added."""
    out = dict(row)
    if row.get("source_id") is not None and row.get("char_start") is not None:
        out["passage"] = passage_path(database_path, row["source_id"], row["char_start"], row["char_end"])
    if "quote" in row:
        out["quote_text"] = plain_text(row["quote"])
    if row.get("other_source_id") is not None and row.get("other_char_start") is not None:
        out["other_passage"] = passage_path(database_path, row["other_source_id"], row["other_char_start"],
                                            row["other_char_end"])
        out["other_quote_text"] = plain_text(row.get("other_quote"))
    out["who"] = who_label(row)
    if "other_speaker" in row:
        out["other_who"] = who_label({k[len("other_"):]: row[k] for k in ("other_voice", "other_speaker", "other_attribution")})
    for key in ("text", "status_text", "notes", "limitation", "entry", "justification", "description"):
        if isinstance(row.get(key), str):
            out[f"{key}_text"] = plain_text(row[key])
    return out


def who_label(row: dict) -> str:
    """Who states the fact, in words: "Southern California Edison (utility), its own statement",
    "CT PURA (regulator), an order", "reported by TESCO Metering (industry)"; '' when unknown."""
    speaker, voice, attribution = row.get("speaker"), row.get("voice"), row.get("attribution")
    if not speaker and not voice:
        return ""
    party = f"{speaker or 'an unnamed party'} ({VOICE_LABELS.get(voice or '', voice or 'role not stated')})"
    if attribution == "report":
        return f"reported by {party}"
    if attribution == "order":
        return f"ordered by {party}"
    if attribution == "own":
        return f"{party}, its own statement"
    return f"stated by {party}"


def split_by_attribution(items: list[dict]) -> tuple[list[dict], list[dict]]:
    """(own statements and orders, reports by third parties): the page shows them apart."""
    first = [r for r in items if r.get("attribution") in ("own", "order")]
    return first, [r for r in items if r.get("attribution") not in ("own", "order")]


def with_required(approvals: list[dict], required_rows: list[dict], database_path: str) -> list[dict]:
    """Each approval cited, with `required`: the companion devices it requires, as options
    (alternatives), each a list of the items required together."""
    by_approval: dict[str, dict[int, list[dict]]] = {}
    for r in required_rows:
        by_approval.setdefault(r["approval_id"], {}).setdefault(r["option"], []).append(r)
    out = []
    for a in approvals:
        options = by_approval.get(a["id"], {})
        out.append({**cite(a, database_path), "required": [options[k] for k in sorted(options)]})
    return out


def directives_of_state(state: str = ":state", limit: int = LIST_LIMIT) -> str:
    """SQL: the directives of a state's regulators (orders to its utilities), latest due first
    (undated last): the newest `limit` read in the order of the (state, due_date) index."""
    return f"""
SELECT d.id, d.regulator, d.docket, d.order_number, d.item, d.text, d.due_date, d.compliance_docket,
       {who('d')}, d.source_id, d.quote, d.char_start, d.char_end
FROM directives d
WHERE d.rowid IN (SELECT rowid FROM directives WHERE state = {state} ORDER BY due_date DESC LIMIT {limit})
ORDER BY d.due_date IS NULL, d.due_date DESC, d.docket, d.order_number, d.item"""
