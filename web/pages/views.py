"""The route handlers of the task pages (registered by web/plugins/pages.py): each page as HTML
(a template of web/templates/) and as JSON (the same facts, `.json` after the path).

A page's key may be any spelling the knowledge base knows (`/utility/PSE&G`, `/device/IQ
Collar`): a spelling that names one row redirects to its page; one that names several lists
them (the /find page); an unknown one is a 404 that says what to try.
"""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import unquote

from datasette.utils.asgi import Response
from markupsafe import escape

from msakb.web.pages.device import device_page
from msakb.web.pages.facts import rows
from msakb.web.pages.links import page_path
from msakb.web.pages.matrix import IN_STATE_PAGE, status_matrix
from msakb.web.pages.state import state_page
from msakb.web.pages.tilemap import DEVICE, FRAMEWORK, NAMES, legend, tile_map
from msakb.web.pages.utility import utility_page

FIND_EXACT = """
SELECT DISTINCT a.kind, a.id FROM aliases a WHERE a.kind IN ({kinds}) AND a.alias_key = :key"""
FIND_LIKE = """
SELECT DISTINCT a.kind, a.id FROM aliases a WHERE a.kind IN ({kinds}) AND a.alias_key LIKE '%' || :key || '%'
LIMIT 100"""
NAMES_OF = {
    "utility": "SELECT id, name, state AS detail FROM utilities WHERE id IN ({ids})",
    "device": "SELECT id, name, manufacturer AS detail FROM devices WHERE id IN ({ids})",
    "manufacturer": "SELECT id, name, url AS detail FROM manufacturers WHERE id IN ({ids})",
    "state": "SELECT code AS id, name, framework_status AS detail FROM states WHERE code IN ({ids})",
}
PAGE_KIND = {"utility": "utility", "device": "device", "state": "state"}


def database(datasette):
    """The knowledge base (the first database Datasette serves, `/msakb` under msakb serve)."""
    return datasette.get_database()


def _json_default(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def as_json(data: dict, status: int = 200) -> Response:
    return Response(json.dumps(data, default=_json_default, ensure_ascii=False), status=status,  # (no indent: the C encoder)
                    content_type="application/json; charset=utf-8")


async def find(db, text: str, kinds=("utility", "device", "manufacturer", "state")) -> list[dict]:
    """The rows a spelling names: exactly (case and spaces aside), else as part of a name."""
    key = " ".join(text.split()).lower()
    if not key or any(not c.isprintable() for c in key):  # (SQLite's LIKE ends a pattern at a NUL: '%' alone)
        return []
    placeholders = ",".join(f"'{k}'" for k in kinds)
    hits = rows(await db.execute(FIND_EXACT.format(kinds=placeholders), {"key": key}))
    if not hits:
        hits = rows(await db.execute(FIND_LIKE.format(kinds=placeholders), {"key": key}))
    out = []
    for kind in kinds:
        ids = [h["id"] for h in hits if h["kind"] == kind]
        if ids:
            for r in rows(await db.execute(NAMES_OF[kind].format(ids=",".join("?" * len(ids))), ids)):
                out.append({"kind": kind, **r, "url": page_path(PAGE_KIND[kind], r["id"]) if kind in PAGE_KIND
                            else None})
    return out


async def _render(datasette, request, template: str, context: dict, status: int = 200) -> Response:
    html = await datasette.render_template(template, context, request=request)
    return Response.html(html, status=status)


async def _not_found(datasette, request, what: str, key: str, wants_json: bool, matches=()) -> Response:
    message = (f"No {what} {key!r} in the knowledge base. Search for a spelling at /find?q=…, or see the "
               f"{'list of ' + what + ' rows' if what != 'state' else 'map on the home page'}.")
    if wants_json:
        return as_json({"error": message, "matches": list(matches)}, status=404)
    return await _render(datasette, request, "find.html", {"q": key, "matches": list(matches), "error": message},
                         status=404)


async def _resolve(datasette, request, kind: str, key: str, exists_sql: str, wants_json: bool):
    """(the row's id, None), or (None, a redirect or a not-found response)."""
    db = database(datasette)
    if rows(await db.execute(exists_sql, {"id": key})):
        return key, None
    matches = await find(db, key, kinds=(kind,))
    if len(matches) == 1:
        suffix = ".json" if wants_json else ""
        return None, Response.redirect(page_path(kind, matches[0]["id"]) + suffix)
    if matches:  # a spelling that names several rows: the choice, not an error
        if wants_json:
            return None, as_json({"q": key, "matches": matches})
        return None, await _render(datasette, request, "find.html", {"q": key, "matches": matches, "error": None})
    return None, await _not_found(datasette, request, kind, key, wants_json)


async def state_view(datasette, request):
    code, wants_json = request.url_vars["code"].upper(), bool(request.url_vars.get("as_json"))
    db = database(datasette)
    data = await state_page(db, datasette.urls.database(db.name), code, NAMES)
    if data is None:
        return await _not_found(datasette, request, "state", code, wants_json)
    if wants_json:
        return as_json(data)
    data["matrix"] = await status_matrix(db, code, IN_STATE_PAGE)
    data["today"] = dt.date.today().isoformat()
    return await _render(datasette, request, "state.html", {**data, "database": db.name})


async def _entity_view(datasette, request, kind: str, table: str, page, template: str, finish=None):
    """A utility's or device's page (any spelling of it), as HTML or JSON."""
    key, wants_json = unquote(request.url_vars["id"]), bool(request.url_vars.get("as_json"))
    found, response = await _resolve(datasette, request, kind, key, f"SELECT 1 FROM [{table}] WHERE id = :id",
                                     wants_json)
    if response is not None:
        return response
    db = database(datasette)
    data = await page(db, datasette.urls.database(db.name), found)
    if wants_json:
        return as_json(data)
    data["today"] = dt.date.today().isoformat()
    if finish is not None:
        finish(data)
    return await _render(datasette, request, template, {**data, "database": db.name})


async def utility_view(datasette, request):
    return await _entity_view(datasette, request, "utility", "utilities", utility_page, "utility.html")


async def device_view(datasette, request):
    return await _entity_view(datasette, request, "device", "devices", device_page, "device.html", device_map)


def device_map(data: dict) -> None:
    """The device page's map and legend, from its statuses by state."""
    counts: dict[str, int] = {}
    for code in NAMES:
        key = data["map_status"].get(code, "none")
        counts[key] = counts.get(key, 0) + 1
    data["map"] = tile_map(NAMES, data["map_status"], data["map_notes"], DEVICE,
                           f"Status of {data['device']['name']} by state")
    data["legend"] = legend(DEVICE, counts)


async def matrix_view(datasette, request):
    state = (request.args.get("state") or "").upper() or None
    if state is not None and state not in NAMES:
        return Response.html(f"<h1>No state {escape(state)}</h1>", status=404)
    data = await status_matrix(database(datasette), state)
    if request.url_vars.get("as_json"):
        data["legend"] = [s.key for s in data["legend"]]
        return as_json(data)
    return await _render(datasette, request, "matrix.html", {"matrix": data, "names": NAMES})


async def find_view(datasette, request):
    q = request.args.get("q", "")
    matches = await find(database(datasette), q)
    if request.url_vars.get("as_json"):
        return as_json({"q": q, "matches": matches})
    return await _render(datasette, request, "find.html", {"q": q, "matches": matches, "error": None})


async def home_map(db) -> dict:
    """The home page's map: each state's framework status, who says it, and its counts."""
    found = rows(await db.execute(
        "SELECT st.code, st.framework_status, s.publisher, coalesce(ss.utilities, 0) AS utilities, "
        "coalesce(ss.utilities_stating, 0) AS stating, coalesce(ss.directives, 0) AS directives "
        "FROM states st JOIN sources s ON s.id = st.source_id LEFT JOIN state_summary ss ON ss.code = st.code"))
    status = {r["code"]: r["framework_status"] for r in found if r["framework_status"]}
    notes = {}
    for r in found:
        said = (f"{r['framework_status']} framework, as reported by {r['publisher']}" if r["framework_status"]
                else "no source states its framework status")
        notes[r["code"]] = (f"{said}; {r['utilities']} utilities in the knowledge base, {r['stating']} with device "
                            f"statuses; {r['directives']} directives")
    counts: dict[str, int] = {}
    for code in NAMES:
        counts[status.get(code) or "none"] = counts.get(status.get(code) or "none", 0) + 1
    return {"map": tile_map(NAMES, status, notes, FRAMEWORK, "US states by MSA framework status"),
            "legend": legend(FRAMEWORK, counts)}
