"""Datasette plugin: the rows of table, row and query pages rendered in Python, not cell by
cell in Jinja, with the provenance links (web/plugins/provenance.py) made on the way.

A table page shows 100 rows of about 20 columns. Datasette's _table.html renders them with a
Jinja loop over every cell, in Jinja's async mode, which costs more than the page's SQL
(figures: bench/RESULTS.md). web/templates/_table.html and query.html are Datasette
0.65's templates with that loop replaced by `{{ display_rows|msakb_table_rows }}` (table and
row pages) and `{{ display_rows|msakb_query_rows(columns) }}` (canned queries, arbitrary SQL);
these filters write the very same HTML (the loop's text, the same escaping and CSS classes).

Where a provenance link belongs (a quote, an id), the filters put provenance's cell_link in
place of Datasette's rendering of the cell: what Datasette itself does with a render_cell
hook's answer, without a plugin call per cell (see provenance.py).

Loaded by `msakb serve` (or `datasette --plugins-dir web/plugins`).
"""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils import to_css_class
from jinja2 import pass_context
from markupsafe import Markup, escape

# The text around each row and cell in Datasette 0.65's _table.html loop ...
ROW_START = "\n            <tr>\n                "
CELL_START = '\n                    <td class="col-{column} type-{value_type}">'
CELL_END = "</td>\n                "
ROW_END = "\n            </tr>\n        "
# ... and in its query.html loop.
QUERY_ROW_START = "\n        <tr>\n            "
QUERY_CELL_START = '\n                <td class="col-{column}">'
QUERY_CELL_END = "</td>\n            "
QUERY_ROW_END = "\n        </tr>\n    "


def escape_text(text: str) -> str:
    """markupsafe.escape(text) as a plain str: the same five replacements in the same order as
    markupsafe's own pure-Python version, without building a Markup object per cell (a page
    has some 1,000 plain-text cells)."""
    return (text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace("'", "&#39;").replace('"', "&#34;"))


def html(value) -> str:
    """What Jinja's autoescape writes for {{ value }}: markup (links Datasette or provenance
    built) as it is, anything else as escaped text."""
    return value.__html__() if hasattr(value, "__html__") else escape_text(str(value))


@pass_context
async def table_rows(context, display_rows) -> Markup:
    """The <tr> elements of a table or row page's display_rows, as Datasette's loop writes
    them, with provenance links where its render_cell hook would have put them."""
    links = context.get("msakb_cell_links")
    rows, table, database = context.get("rows"), context.get("table"), context.get("database")
    if links is None or rows is None or len(rows) != len(display_rows):
        links = None  # not a page Datasette built from `rows`: write the cells as they are
    # (column, value_type) -> the cell's opening tag: a column has one or two value types
    # (its type, none), so the CSS class is worked out and escaped a few dozen times, not 2,000.
    starts: dict[tuple[str, str], str] = {}
    linked: dict[str, bool] = {}  # column -> may it carry a link
    out: list[str] = []
    append = out.append
    for i, cells in enumerate(display_rows):
        append(ROW_START)
        for cell in cells:
            column, value_type = cell["column"], cell["value_type"]
            start = starts.get((column, value_type))
            if start is None:
                start = starts[column, value_type] = CELL_START.format(
                    column=escape(to_css_class(column)), value_type=escape(value_type))
            append(start)
            value = cell["value"]
            # Datasette offers render_cell every cell but the row-link ("pk") one, with the
            # row's own value (an expanded foreign key still a {"value", "label"} dict).
            if links is not None and value_type != "pk":
                may = linked.get(column)
                if may is None:
                    may = linked[column] = links.may_link(column)
                # a text cell with markup is offered too: cell_link gives it as the text it reads
                if may or (type(value) is str and links.has_markup(value)):
                    row = rows[i]
                    link = links(row, row[column], column, table, database)
                    if link is not None and not isinstance(link, str):
                        link = await link  # the table's first id link loads its foreign keys
                    value = link or value
            # html(value), inlined: this line runs 2,000 times a page
            append(value.__html__() if hasattr(value, "__html__") else escape_text(str(value)))
            append(CELL_END)
        append(ROW_END)
    return Markup("".join(out))


@pass_context
async def query_rows(context, display_rows, columns) -> Markup:
    """The <tr> elements of a query page (canned query or arbitrary SQL), as Datasette's
    query.html loop writes them, with provenance links where its render_cell hook would have
    put them (Datasette passes table=None there)."""
    links = context.get("msakb_cell_links")
    rows, database = context.get("rows"), context.get("database")
    if links is None or rows is None or len(rows) != len(display_rows):
        links = None
    starts = [QUERY_CELL_START.format(column=escape(to_css_class(c))) for c in columns]
    linked = [links is not None and links.may_link(c) for c in columns]
    out: list[str] = []
    append = out.append
    for i, cells in enumerate(display_rows):
        append(QUERY_ROW_START)
        for j, (start, value) in enumerate(zip(starts, cells)):
            append(start)
            if linked[j] or (links is not None and type(value) is str and links.has_markup(value)):
                row = rows[i]
                link = links(row, row[j], columns[j], None, database)
                if link is not None and not isinstance(link, str):
                    link = await link
                if link is not None:
                    value = link
            append(html(value))
            append(QUERY_CELL_END)
        append(QUERY_ROW_END)
    return Markup("".join(out))


@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.filters["msakb_table_rows"] = table_rows
    env.filters["msakb_query_rows"] = query_rows
