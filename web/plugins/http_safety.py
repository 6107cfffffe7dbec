"""Datasette plugin: what every response of the msakb site is allowed to do, and how a bad
request ends.

- Every response carries a Content-Security-Policy: scripts only from the site itself and the
  inline scripts of the site's own templates (Datasette's and web/templates/, by their sha256,
  worked out from the template files when this plugin loads), no plugins or frames, links and
  forms to the site only; plus `X-Content-Type-Options: nosniff` and `Referrer-Policy`. A
  script that data smuggles into a page is not among those hashes, so it does not run.
- The site is read-only: a request other than GET or HEAD is answered 405 (Datasette 0.65
  answers a POST to a table with an assertion error, HTTP 500).
- Errors are pages with their own status (404 for what does not exist, 400 for a request
  the data cannot answer), never a 500 for a bad request. Datasette's own exception handler
  is blocked: it prints each exception with rich's `show_locals=True` (a request's data in the
  log), and outside an `except` block that print itself fails, so a plain not-found became
  HTTP 500. Unexpected exceptions are logged with their traceback, without local variables.
- Templates get the test `web_link`: a URL the site may render as a link (http or https).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import traceback
from pathlib import Path

import datasette
from datasette import hookimpl
from datasette.plugins import pm
from datasette.utils.asgi import Base400, Response
from datasette.views.base import DatasetteError

pm.set_blocked("datasette.handle_exception")  # replaced by handle_exception below

log = logging.getLogger("msakb.serve")
_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S)
# The one inline script of Datasette 0.65's templates with a value in it, and the values it takes.
_TEMPLATED = {"{{ datasette_allow_facet }}": ("true", "false")}


def inline_script_hashes(folders: list[Path]) -> set[str]:
    """'sha256-…' of each inline script the templates in `folders` can write."""
    out = set()
    for folder in folders:
        for path in sorted(folder.glob("*.html")):
            for body in _SCRIPT.findall(path.read_text(encoding="utf-8")):
                variants = [body]
                for slot, values in _TEMPLATED.items():
                    if slot in body:
                        variants = [v.replace(slot, value) for v in variants for value in values]
                for v in variants:
                    if "{{" not in v and "{%" not in v:
                        out.add("sha256-" + base64.b64encode(hashlib.sha256(v.encode()).digest()).decode())
    return out


_TEMPLATES = [Path(datasette.__file__).parent / "templates", Path(__file__).resolve().parent.parent / "templates"]
POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' " + " ".join(f"'{h}'" for h in sorted(inline_script_hashes(_TEMPLATES))),
    "style-src 'self' 'unsafe-inline'",  # Datasette's templates set style attributes (a database's colour)
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
])
HEADERS = [
    (b"content-security-policy", POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
_NAMES = {name for name, _ in HEADERS}
READ = {"GET", "HEAD"}


def web_link(url) -> bool:
    """Whether `url` may be rendered as a link: http(s) with a host, nothing else."""
    return isinstance(url, str) and re.match(r"(?i)^https?://[^\s/?#]+", url) is not None and url == url.strip()


@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.tests["web_link"] = web_link


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def with_safety(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)

            async def send_with_headers(event):
                if event["type"] == "http.response.start":
                    kept = [h for h in event.get("headers", []) if h[0].lower() not in _NAMES]
                    event = {**event, "headers": kept + HEADERS}
                await send(event)

            if scope["method"] not in READ:
                response = await _error_page(datasette, scope["path"], 405,
                                             f"{scope['method']} is not allowed: this site is read-only (GET only)")
                response.headers["Allow"] = "GET, HEAD"
                return await response.asgi_send(send_with_headers)
            return await app(scope, receive, send_with_headers)

        return with_safety

    return wrap


@hookimpl
def handle_exception(datasette, request, exception):
    async def page():
        if isinstance(exception, Base400):
            status, message = exception.status, exception.args[0] if exception.args else "Not found"
        elif isinstance(exception, DatasetteError):
            # Datasette's own errors are about the request ("Cannot sort table by x"); 0.65
            # gives several of them status 500.
            status, message = (400 if exception.status >= 500 else exception.status), exception.message
        else:
            status, message = 500, "Internal error: the server could not answer this request"
            log.error("%s %s failed:\n%s", request.method, request.path,
                      "".join(traceback.format_exception(type(exception), exception, exception.__traceback__)))
        return await _error_page(datasette, request.path, status, str(message))

    return page


async def _error_page(datasette, path: str, status: int, message: str) -> Response:
    info = {"ok": False, "error": message, "status": status, "title": None}
    if path.split("?")[0].endswith(".json"):
        return Response.json(info, status=status)
    html = await datasette.render_template([f"{status}.html", "error.html"], info)
    return Response.html(html, status=status)
