"""Datasette plugin: the pages people start from, served beside Datasette's own.

- `/state/<XX>`, `/utility/<id>`, `/device/<id>`, each with a JSON twin (`.json` after it);
- `/matrix` (`?state=XX`): the device × utility status heat-map;
- `/find?q=`: every row a spelling names (utilities, devices, manufacturers, states).

The pages themselves are msakb.web.pages (queries, map, matrix); templates in web/templates/.
Loaded by `msakb serve` (or `datasette --plugins-dir web/plugins`).
"""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils import tilde_encode

from msakb.web.pages import html, views
from msakb.web.pages.matrix import matrix_table

KEY = r"(?P<id>[^/]+?)"
JSON = r"(?P<as_json>\.json)?"


@hookimpl
def register_routes():
    return [
        (rf"^/state/(?P<code>[A-Za-z]{{2}}){JSON}$", views.state_view),
        (rf"^/utility/{KEY}{JSON}$", views.utility_view),
        (rf"^/device/{KEY}{JSON}$", views.device_view),
        (rf"^/matrix{JSON}$", views.matrix_view),
        (rf"^/find{JSON}$", views.find_view),
    ]


@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.filters["tilde_encode"] = tilde_encode  # row URLs in web/templates/_table-*-msakb-sources.html
    env.globals["matrix_table"] = matrix_table  # the heat-map (web/templates/_matrix.html)
    for piece in (html.quote_link, html.other_quote_link, html.who_span, html.cited, html.directive_status):
        env.globals[piece.__name__] = piece  # a fact's passage link, who states it (web/pages/html.py)
