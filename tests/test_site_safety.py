"""The served site over HTTP (issue 15, case 10): a bad request is a 404 or 405 page, never a
500; every response carries the security headers; the log holds no traceback and no local
variables."""

from __future__ import annotations

import http.client
import shutil
import urllib.request

import pytest

from tests.site_server import Server

HEADERS = {"content-security-policy", "x-content-type-options", "referrer-policy"}


@pytest.fixture(scope="module")
def server(built_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("safety")
    db = folder / "msakb.db"
    shutil.copy(built_db, db)
    srv = Server(db, folder / "serve.log", "--no-build").wait_ready()
    yield srv
    srv.stop()


def request(server, method: str, path: str) -> tuple[int, dict, bytes]:
    """The raw request, path as is (no client normalises `..` away)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        conn.putheader("Content-Length", "0")
        conn.endheaders()
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/msakb/devices/-/insert", 404),
    ("POST", "/msakb/devices", 405),
    ("POST", "/msakb/devices/-/insert", 405),
    ("PUT", "/msakb", 405),
    ("DELETE", "/msakb/devices", 405),
    ("GET", "/msakb/devices/../../etc/passwd", 404),
    ("GET", "/-/static/../../../../etc/passwd", 404),
    ("GET", "/msakb/nope", 404),
    ("GET", "/msakb/devices.json?_sort=nope", 400),
    ("GET", "/msakb/devices?_sort=nope", 400),
    ("GET", "/msakb/passage?source_id=x&start=a&end=b", 400),
])
def test_bad_requests_get_their_own_status(server, method, path, status):
    got, headers, body = request(server, method, path)
    assert got == status, (method, path, got, body[:300])
    assert HEADERS <= set(headers), headers
    assert b"root:" not in body
    if status == 405:
        assert headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize("path", ["/", "/msakb", "/msakb/devices", "/msakb/devices.json", "/-/static/app.css",
                                  "/msakb-static/site.css", "/msakb/approval_history"])
def test_every_response_carries_the_security_headers(server, path):
    with urllib.request.urlopen(server.base + path, timeout=30) as r:
        headers = {k.lower(): v for k, v in r.getheaders()}
    csp = headers["content-security-policy"]
    assert csp.startswith("default-src 'self'; script-src 'self' 'sha256-") and "object-src 'none'" in csp
    assert "'unsafe-inline'" not in csp.split("; ")[1]  # scripts: the site's own, by hash
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


def test_the_log_has_no_traceback_and_no_local_variables(server):
    for method, path in [("GET", "/msakb/devices/-/insert"), ("POST", "/msakb/devices"), ("GET", "/nope")]:
        request(server, method, path)
    log = server.log_text()
    assert "Traceback" not in log and "locals" not in log and "│" not in log, log[-2000:]
