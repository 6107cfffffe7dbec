"""Datasette plugin: the home page's content (web/templates/index.html): the US map of
framework statuses (msakb.web.pages), the canned queries with their titles and descriptions,
then every table and view with its description and row count, in the order web/metadata.yaml
lists them.

`/` is served by this plugin's route, not Datasette's index view: that view checks the
visibility of every table of every database, each check a deep copy of the whole metadata
(a quarter of a second on the seed corpus), and the page shows none of what it works out.
`/.json` (Datasette's list of databases) is Datasette's own.
"""

from __future__ import annotations

from datasette import Forbidden, hookimpl
from datasette.utils.asgi import Response

from msakb.web.pages.views import home_map


@hookimpl
def extra_template_vars(template, datasette, request):
    if template != "index.html":
        return {}

    async def home():
        sections = []
        for name, db in datasette.databases.items():
            if name == "_internal":
                continue
            described = datasette.metadata("tables", database=name, fallback=False) or {}
            queries = datasette.metadata("queries", database=name, fallback=False) or {}
            tables = await db.table_names()
            hidden = set(await db.hidden_table_names())
            present = [t for t in tables if t not in hidden] + await db.view_names()
            counts = await db.table_counts(limit=1000)
            ordered = [t for t in described if t in present] + sorted(t for t in present if t not in described)
            sections.append({
                "name": name,
                "queries": [{"name": q, "title": v.get("title", q), "description_html": v.get("description_html", "")}
                            for q, v in queries.items()],
                "tables": [{"name": t, "description": (described.get(t) or {}).get("description", ""),
                            "count": counts.get(t), "view": t not in tables}
                           for t in ordered],
            })
        first = datasette.get_database()
        return {"msakb_sections": sections, "msakb_map": await home_map(first)}

    return home


@hookimpl
def register_routes():
    return [(r"^/$", home_page)]


async def home_page(datasette, request):
    if not await datasette.permission_allowed(request.actor, "view-instance", default=True):
        raise Forbidden("view-instance")
    html = await datasette.render_template("index.html", {"metadata": datasette.metadata()}, request=request)
    return Response.html(html)
