"""Datasette plugin: provenance a person can follow.

- Every `quote` cell (and `other_quote`, `char_start`) links to the passage page, which shows
  the quote highlighted in its place in the source, with the text around it.
- On row pages, in views and in canned-query results, id columns (`source_id`,
  `device_id`, `utility_id`...) link to their row, as foreign keys do in table views.
- `/<database>/passage?source_id=..&start=..&end=..` is that passage page; it also lists the
  fact rows that quote exactly this passage.

The links are made while the rows are written (web/plugins/table_rows.py's filters, from
web/templates/_table.html and query.html), not by a render_cell hook: Datasette calls
render_cell through pluggy for each of a table page's 2,000 cells, and that call alone cost
about as much as all the rest of the cell's rendering (figures: bench/RESULTS.md). cell_link
keeps render_cell's arguments and answers, so the pages are the very HTML
a render_cell hook wrote (tests/test_table_rows.py compares them).

Loaded by `msakb serve` (or `datasette --plugins-dir web/plugins`).
"""

from __future__ import annotations

import weakref
from urllib.parse import quote_plus

from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from msakb.db.store.columns import ID_LINKS  # id column of a query's result -> the table it names
from msakb.web.pages.links import web_url
from msakb.web.pages.readable import has_markup, plain_text

# cell column -> the columns of the same row that locate its passage
PASSAGES = {
    "quote": ("source_id", "char_start", "char_end"),
    "char_start": ("source_id", "char_start", "char_end"),
    "other_quote": ("other_source_id", "other_char_start", "other_char_end"),
}
QUOTE_SHOWN = 180  # characters of a quote shown in a table cell; the passage page has it all
CONTEXT = 700  # characters shown either side of a passage


# A table page renders 100 rows of about 20 cells, and every cell is offered to cell_link:
# the cell links are built with plain string operations rather than urlencode, datasette.urls
# and Markup.format, which do more per call than these links need, and the database URL is
# looked up once.
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


# Datasette instance -> [key, href] of the last passage link: a row's quote and char_start
# cells link the same passage, one after the other.
_LAST_HREF: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _passage_href(datasette, database, source_id, start, end) -> str:
    """passage_url, HTML-escaped for an href (the last one kept)."""
    last = _LAST_HREF.get(datasette)
    key = (database, source_id, start, end)
    if last is None or last[0] != key:
        last = _LAST_HREF[datasette] = [key, str(escape(passage_url(datasette, database, source_id, start, end)))]
    return last[1]


def _get(row, key):
    """row[key]; table views hand over foreign keys expanded as {"value", "label"}."""
    try:
        value = row[key]
    except (KeyError, IndexError, TypeError):
        return None
    return value["value"] if isinstance(value, dict) and "value" in value else value


def may_link(column: str) -> bool:
    """Whether cell_link can answer anything but None for this column (the filters skip the
    other columns' cells without calling it)."""
    return column in PASSAGES or column in ID_LINKS or column.endswith("_id") or column == "state"


def cell_link(row, value, column, table, database, datasette):
    """A cell's link (Markup), or None to leave the cell as Datasette renders it; may return a
    coroutine. The arguments and answers of Datasette's render_cell hook: row is the row as
    the page has it (sqlite3.Row or Datasette's CustomRow), value the cell's value (a table
    view's expanded foreign key is {"value", "label"}), table None on a query page."""
    if value is None or value == "":
        return None
    if column in PASSAGES:
        source, start, end = PASSAGES[column]
        source_id, start, end = _get(row, source), _get(row, start), _get(row, end)
        if source_id is None or not isinstance(start, int) or not isinstance(end, int):
            return None
        shown = plain_text(str(value))  # the source's markup read as text (the JSON keeps it)
        if len(shown) > QUOTE_SHOWN:
            shown = shown[:QUOTE_SHOWN].rstrip() + "…"
        url = _passage_href(datasette, database, source_id, start, end)
        return Markup(f'<a class="msakb-passage" href="{url}" title="Read this passage in its source">{escape(shown)}</a>')
    if table == "citations" and column == "row_id":
        other = _get(row, "table_name")
        if other:
            return Markup(f'<a href="{escape(datasette.urls.row(database, other, tilde_encode(value)))}">{escape(value)}</a>')
    # A plain id (table views hand expanded foreign keys over as dicts and link them
    # themselves; row pages, views and canned queries do not): link it to its row.
    if isinstance(value, str) and may_link(column):  # (a passage column has returned above)
        if table is not None and (database, table) not in _FOREIGN_KEYS:
            return _load_foreign_keys_then_link(datasette, database, table, column, value)
        link = _id_link(datasette, database, table, column, value)
        if link is not None:
            return link
    return readable(value, datasette)


def readable(value, datasette):
    """A text cell with the source's markup (`<b>`, `<sup>`, `**`...) as the text it reads, cut
    where Datasette cuts long cells; None for any other cell (Datasette renders it)."""
    if not isinstance(value, str) or not has_markup(value):
        return None
    text = plain_text(value)
    limit = datasette.setting("truncate_cells_html")
    if limit and len(text) > limit:
        text = text[:limit] + "\u2026"
    return Markup(escape(text))


_FOREIGN_KEYS: dict[tuple[str, str], dict[str, str]] = {}  # the database is immutable: cache


async def _load_foreign_keys_then_link(datasette, database, table, column, value):
    fks = await datasette.get_database(database).foreign_keys_for_table(table)
    _FOREIGN_KEYS[database, table] = {fk["column"]: fk["other_table"] for fk in fks}
    return _id_link(datasette, database, table, column, value)


def _id_link(datasette, database, table, column, value):
    """The link of a plain id to its row (the table's foreign keys, loaded before, name it)."""
    other = _FOREIGN_KEYS[database, table].get(column) if table is not None else None
    other = other or ID_LINKS.get(column)
    if other is None:
        return None
    if len(value) > ID_LINK_LONGEST:  # any visitor's SQL can make ids of any length: not kept
        return _make_id_link(datasette, database, other, value)
    links = _ID_LINKS.setdefault(datasette, {})
    key = (database, other, value)
    link = links.get(key)
    if link is None:
        if len(links) >= ID_LINKS_KEPT:
            links.clear()
        link = links[key] = _make_id_link(datasette, database, other, value)
    return link


def _make_id_link(datasette, database, other, value) -> Markup:
    url = datasette.urls.row(database, other, tilde_encode(value))
    return Markup(f'<a href="{escape(url)}">{escape(value)}</a>')


# A page links the same few hundred ids again and again (a utility's, a device's), and a row's
# URL takes Datasette some microseconds to make: the links made, per instance, a bounded number.
_ID_LINKS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
ID_LINKS_KEPT = 20_000
# Longest id whose link is kept: the ids of the knowledge base are far shorter, and a custom
# query's made-up ones (select printf('%0*d', 12000, ...) AS device_id) would otherwise hold
# ID_LINKS_KEPT times their length (and three times over: key, URL, text) for as long as the
# server runs.
ID_LINK_LONGEST = 200


class CellLinks:
    """cell_link and may_link for one Datasette instance: what table_rows.py's filters use."""

    may_link = staticmethod(may_link)
    has_markup = staticmethod(has_markup)

    def __init__(self, datasette):
        self.datasette = datasette

    def __call__(self, row, value, column, table, database):
        return cell_link(row, value, column, table, database, self.datasette)


@hookimpl
def prepare_jinja2_environment(env, datasette):
    # table_rows.py's filters find the links here (Datasette loads each plugin file as its own
    # module, so the filters cannot import this one).
    env.globals["msakb_cell_links"] = CellLinks(datasette)


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
    quoting = await _rows_quoting(datasette, db, database, source_id, start, end)
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
        "rows": [r for r in quoting if r["table"] != "candidates"],
        "candidates": [r for r in quoting if r["table"] == "candidates"],
        "published_url": web_url(source["url"]),  # a link only when http(s)
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
        for (row_id,) in result.rows:  # (a candidate's status comes with it: pending ones are no fact yet)
            found.append({"table": table, "id": row_id,
                          "url": datasette.urls.row(database, table, tilde_encode(str(row_id)))})
    return found


async def _error(datasette, request, message, status):
    html = await datasette.render_template("passage.html", {"error": message}, request=request)
    return Response.html(html, status=status)
