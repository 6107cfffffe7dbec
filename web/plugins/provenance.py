"""Datasette plugin: provenance a person can follow.

- Every `quote` cell (and `other_quote`, `char_start`) links to the passage page, which shows
  the quote highlighted in its place in the source, with the text around it.
- On row pages, in views and in canned-query results, id columns (`source_id`,
  `device_id`, `utility_id`...) link to their row, as foreign keys do in table views.
- `/<database>/passage?source_id=..&start=..&end=..` is that passage page; it also lists the
  fact rows that quote exactly this passage.

Loaded by `msakb serve` (or `datasette --plugins-dir web/plugins`).
"""

from __future__ import annotations

import weakref
from urllib.parse import quote_plus

from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

# cell column -> the columns of the same row that locate its passage
PASSAGES = {
    "quote": ("source_id", "char_start", "char_end"),
    "char_start": ("source_id", "char_start", "char_end"),
    "other_quote": ("other_source_id", "other_char_start", "other_char_end"),
}
# id column in a canned query's result -> the table it names
ID_LINKS = {
    "source_id": "sources", "other_source_id": "sources", "old_source_id": "sources",
    "new_source_id": "sources", "device_id": "devices", "utility_id": "utilities",
    "approval_id": "approvals", "directive_id": "directives", "restriction_id": "restrictions",
}
QUOTE_SHOWN = 180  # characters of a quote shown in a table cell; the passage page has it all
CONTEXT = 700  # characters shown either side of a passage


# A table page renders 100 rows of about 20 cells, and every cell passes through render_cell:
# the cell links are built with plain string operations (urlencode, datasette.urls and
# Markup.format cost several times more per call), and the database URL is looked up once.
_DATABASE_URLS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _database_url(datasette, database: str) -> str:
    urls = _DATABASE_URLS.setdefault(datasette, {})
    if database not in urls:
        urls[database] = datasette.urls.database(database)
    return urls[database]


def passage_url(datasette, database: str, source_id: str, start: int, end: int) -> str:
    """The passage page's URL (the query as urlencode writes it)."""
    return (f"{_database_url(datasette, database)}/passage?source_id={quote_plus(str(source_id))}"
            f"&start={quote_plus(str(start))}&end={quote_plus(str(end))}")


def _get(row, key):
    """row[key]; table views hand over foreign keys expanded as {"value", "label"}."""
    try:
        value = row[key]
    except (KeyError, IndexError, TypeError):
        return None
    return value["value"] if isinstance(value, dict) and "value" in value else value


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if value is None or value == "":
        return None
    if column in PASSAGES:
        source_id, start, end = (_get(row, k) for k in PASSAGES[column])
        if source_id is None or not isinstance(start, int) or not isinstance(end, int):
            return None
        shown = str(value)
        if len(shown) > QUOTE_SHOWN:
            shown = shown[:QUOTE_SHOWN].rstrip() + "…"
        url = escape(passage_url(datasette, database, source_id, start, end))
        return Markup(f'<a class="msakb-passage" href="{url}" title="Read this passage in its source">{escape(shown)}</a>')
    if table == "citations" and column == "row_id":
        other = _get(row, "table_name")
        if other:
            return Markup(f'<a href="{escape(datasette.urls.row(database, other, tilde_encode(value)))}">{escape(value)}</a>')
    # A plain id (table views hand expanded foreign keys over as dicts and link them
    # themselves; row pages, views and canned queries do not): link it to its row.
    if isinstance(value, str) and (column in ID_LINKS or column.endswith("_id") or column == "state"):
        return _id_link(datasette, database, table, column, value)
    return None


_FOREIGN_KEYS: dict[tuple[str, str], dict[str, str]] = {}  # the database is immutable: cache


async def _id_link(datasette, database, table, column, value):
    other = None
    if table is not None:
        key = (database, table)
        if key not in _FOREIGN_KEYS:
            fks = await datasette.get_database(database).foreign_keys_for_table(table)
            _FOREIGN_KEYS[key] = {fk["column"]: fk["other_table"] for fk in fks}
        other = _FOREIGN_KEYS[key].get(column)
    other = other or ID_LINKS.get(column)
    if other is None:
        return None
    url = datasette.urls.row(database, other, tilde_encode(value))
    return Markup(f'<a href="{escape(url)}">{escape(value)}</a>')


@hookimpl
def register_routes():
    return [(r"^/(?P<database>[^/]+)/passage$", passage)]


async def passage(datasette, request):
    """The passage page: a source's text around [start, end), the passage highlighted."""
    database = request.url_vars["database"]
    try:
        db = datasette.get_database(database)
    except KeyError:
        return Response.html(f"<h1>No database {escape(database)}</h1>", status=404)
    args = request.args
    source_id = args.get("source_id", "")
    try:
        start, end = int(args.get("start", "")), int(args.get("end", ""))
    except ValueError:
        return await _error(datasette, request, "start and end must be character offsets (whole numbers)", 400)
    source = (await db.execute(
        "SELECT id, title, publisher, jurisdiction, url, as_of, kind, text FROM sources WHERE id = ?", [source_id]
    )).first()
    if source is None:
        return await _error(datasette, request, f"There is no source {source_id!r}.", 404)
    text = source["text"]
    if not 0 <= start <= end <= len(text):
        return await _error(datasette, request, f"Offsets {start}..{end} lie outside the source (0..{len(text)}).", 400)
    context = {
        "database": database,
        "source": dict(source),
        "source_url": datasette.urls.row(database, "sources", tilde_encode(source["id"])),
        "start": start,
        "end": end,
        "line": text.count("\n", 0, start) + 1,
        "before": text[max(0, start - CONTEXT):start],
        "passage": text[start:end],
        "after": text[end:end + CONTEXT],
        "cut_before": start > CONTEXT,
        "cut_after": end + CONTEXT < len(text),
        "rows": await _rows_quoting(datasette, db, database, source_id, start, end),
    }
    return Response.html(await datasette.render_template("passage.html", context, request=request))


async def _rows_quoting(datasette, db, database, source_id, start, end) -> list[dict]:
    """The fact rows whose quote is exactly this passage, with links to them."""
    found = []
    for table in await db.table_names():
        columns = await db.table_columns(table)
        if not {"source_id", "char_start", "char_end"} <= set(columns) or table.endswith("_fts"):
            continue
        key = "code" if "code" in columns and "id" not in columns else "id"
        result = await db.execute(
            f"SELECT [{key}] FROM [{table}] WHERE source_id = ? AND char_start = ? AND char_end = ? ORDER BY 1",
            [source_id, start, end],
        )
        for (row_id,) in result.rows:
            found.append({"table": table, "id": row_id,
                          "url": datasette.urls.row(database, table, tilde_encode(str(row_id)))})
    return found


async def _error(datasette, request, message, status):
    html = await datasette.render_template("passage.html", {"error": message}, request=request)
    return Response.html(html, status=status)
