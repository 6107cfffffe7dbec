"""Datasette latency against the same SQL run directly, and serving while a rebuild runs.

The pages are requested through Datasette's in-process client (no network) from the very
instance `msakb serve` runs (msakb.web.serve.make_datasette: web/ metadata, canned queries,
plugins). The direct side runs, with sqlite3 on the same file, the SQL such a page needs: its
rows (page size + 1), its count, and one GROUP BY per facet the metadata asks for. The floor
is the same page from a stock Datasette (same file and settings; no metadata, plugins or
templates): a table page asked for the same facets in the same order (`_facet=<column>` for
each facet the metadata sets) and the same search, so that both count the same things; the
canned query's SQL through its arbitrary-SQL page.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from bench import REPO
from msakb.web.serve import load_metadata

from .measure import child_env


def _facets(meta: dict, table: str) -> list[str]:
    return meta["databases"]["msakb"].get("tables", {}).get(table, {}).get("facets", [])


def stock_table_path(path: str, facets: list[str]) -> str:
    """A table page's path for stock Datasette: the metadata's facets asked for in the URL."""
    query = urlencode([("_facet", f) for f in facets])
    if not query:
        return path
    return f"{path}{'&' if '?' in path else '?'}{query}"


def _page_sql(table: str, facets: list[str], where: str = "") -> list[str]:
    src = f"(SELECT * FROM [{table}] {where})"
    out = [f"SELECT * FROM {src} ORDER BY rowid LIMIT 101", f"SELECT count(*) FROM {src}"]
    out += [f"SELECT [{f}] AS value, count(*) AS n FROM {src} WHERE [{f}] IS NOT NULL GROUP BY [{f}] "
            "ORDER BY n DESC, value LIMIT 31" for f in facets]
    return out


def pages(db: Path) -> list[dict]:
    """The four pages: (name, path, direct SQL with parameters)."""
    meta = load_metadata()
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    device = conn.execute("SELECT device_id FROM approvals GROUP BY device_id ORDER BY count(*) DESC, device_id LIMIT 1").fetchone()[0]
    conn.close()
    canned = meta["databases"]["msakb"].get("queries", {}).get("oem_matrix")
    # matched on the column the metadata tells Datasette to match on (fts_pk), as the page is
    fts_pk = meta["databases"]["msakb"]["tables"]["restrictions"].get("fts_pk", "rowid")
    search = f"WHERE [{fts_pk}] IN (SELECT rowid FROM restrictions_fts WHERE restrictions_fts MATCH 'meter')"
    out = [
        {"name": "table page (devices)", "path": "/msakb/devices", "sql": _page_sql("devices", _facets(meta, "devices")),
         "params": {}},
        {"name": "faceted page (approvals, " + ", ".join(_facets(meta, "approvals")) + ")", "path": "/msakb/approvals",
         "sql": _page_sql("approvals", _facets(meta, "approvals")), "params": {}},
        {"name": "search (restrictions: meter)", "path": "/msakb/restrictions?_search=meter",
         "sql": _page_sql("restrictions", _facets(meta, "restrictions"), search), "params": {}},
    ]
    for spec, table in zip(out, ("devices", "approvals", "restrictions")):
        spec["stock_path"] = stock_table_path(spec["path"], _facets(meta, table))
    if canned:
        params = {**{k: "" for k in _params(canned)}, "device": device}
        out.append({"name": "OEM canned query (oem_matrix)", "path": f"/msakb/oem_matrix?device={device}",
                    "stock_path": "/msakb?" + urlencode({"sql": canned["sql"], **params}),
                    "sql": [canned["sql"]], "params": params})
    return out + task_pages(db, device)


def task_pages(db: Path, device: str) -> list[dict]:
    """The pages people start from (msakb.web.pages), each for the busiest key of the corpus:
    the state with most utilities (then approvals), the utility with most approvals, the
    device with most approvals. The direct side runs every statement the page runs; the stock floor is what the
    same facts cost from stock Datasette: each statement through its SQL page (HTML) or API
    (JSON), one request after the other (its index page for the home page)."""
    from msakb.web.pages import device as device_page, matrix, state as state_page, utility as utility_page

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        state = conn.execute("SELECT code FROM state_summary ORDER BY utilities DESC, approvals DESC, code "
                             "LIMIT 1").fetchone()[0]
        utility = conn.execute("SELECT utility_id FROM approvals GROUP BY utility_id "
                               "ORDER BY count(*) DESC, utility_id LIMIT 1").fetchone()[0]
        utility_state = conn.execute("SELECT state FROM utilities WHERE id = ?", (utility,)).fetchone()[0]
    finally:
        conn.close()

    def stock(sqls: list[str], params: dict) -> list[str]:
        """The statements through stock Datasette's arbitrary-SQL page, one request each."""
        return ["/msakb?" + urlencode({"sql": q, **{k: v for k, v in params.items() if f":{k}" in q}}) for q in sqls]

    home_sql = ["SELECT st.code, st.framework_status, s.publisher, ss.utilities, ss.utilities_stating, ss.directives "
                "FROM states st JOIN sources s ON s.id = st.source_id LEFT JOIN state_summary ss ON ss.code = st.code"]
    out = [
        # the home page has no JSON twin (/.json is Datasette's list of databases)
        {"name": "home page (US map)", "path": "/", "stock_path": "/", "sql": home_sql, "params": {}, "json": False},
        {"name": f"state page (/state/{state})", "path": f"/state/{state}",
         "sql": list(state_page.QUERIES + matrix.QUERIES_IN_STATE),
         "params": {"code": state, "state": state, "n": state_page.APPROVED_SHOWN,
                    "devices": matrix.IN_STATE_PAGE[0], "utilities": matrix.IN_STATE_PAGE[1]}},
        {"name": f"utility page (/utility/{utility})", "path": f"/utility/{utility}",
         "sql": list(utility_page.QUERIES), "params": {"id": utility, "state": utility_state}},
        {"name": f"device page (/device/{device})", "path": f"/device/{device}",
         "sql": list(device_page.QUERIES), "params": {"id": device}},
    ]
    for spec in out[1:]:
        spec["stock_paths"] = stock(spec["sql"], spec["params"])
    return out


def _params(canned: dict) -> set[str]:
    """The named parameters of a canned query (Datasette passes '' for one not given)."""
    return set(canned.get("params", [])) | set(re.findall(r"(?<!:):(\w+)", canned["sql"]))


def _stats(times: list[float]) -> dict:
    times = sorted(times)
    return {"median_ms": statistics.median(times) * 1000, "p95_ms": times[max(0, int(len(times) * 0.95) - 1)] * 1000}


def json_path(path: str) -> str:
    """The JSON API form of a page: /msakb/devices?x -> /msakb/devices.json?x."""
    base, sep, query = path.partition("?")
    return f"{base}.json{sep}{query}"


def stock_datasette(db: Path):
    """Datasette as it comes, for the floor: the same file (as /msakb) and settings, without
    web/'s metadata (labels, canned queries; the facets are asked for in the URL: pages),
    plugins or templates."""
    from datasette.app import Datasette
    from datasette.plugins import pm

    from msakb.web.serve import DATABASE_NAME, WEB, load_settings

    for plugin in (WEB / "plugins").glob("*.py"):  # Datasette registers plugins process-wide:
        if pm.get_plugin(plugin.name) is not None:  # those of an earlier msakb instance go
            pm.unregister(name=plugin.name)  # (make_datasette registers them again)
    ds = Datasette(immutables=[str(Path(db).resolve())], settings=load_settings())
    (stem, database), = ((k, v) for k, v in ds.databases.items() if k != "_internal")
    if stem != DATABASE_NAME:
        ds.remove_database(stem)
        ds.add_database(database, name=DATABASE_NAME)
    return ds


async def _datasette_times(db: Path, specs: list[dict], repeat: int, as_json: bool = False,
                           stock: bool = False) -> list[dict]:
    from msakb.web.serve import make_datasette

    ds = stock_datasette(db) if stock else make_datasette(db)
    await ds.invoke_startup()
    out = []
    for spec in specs:
        times, error = [], None
        if stock and "stock_paths" in spec:  # the same facts from stock Datasette: one request per statement
            paths = spec["stock_paths"]
        else:
            paths = [spec.get("stock_path", spec["path"]) if stock else spec["path"]]
        if as_json and spec.get("json") is False:  # a page without a JSON twin
            out.append({"error": None, "median_ms": float("nan"), "p95_ms": float("nan"), "skipped": True})
            continue
        if as_json:
            paths = [json_path(p) for p in paths]
        for i in range(repeat + 2):
            started = time.perf_counter()
            for path in paths:
                r = await ds.client.get(path)
                if r.status_code != 200:  # e.g. past the SQL time limit: a figure of its own
                    break
            took = time.perf_counter() - started
            if r.status_code != 200:
                error = f"HTTP {r.status_code} after {took * 1000:.0f} ms"
                break
            if i >= 2:  # two warm-up requests
                times.append(took)
        out.append({"error": error, "median_ms": float("nan"), "p95_ms": float("nan")} if error else _stats(times))
    return out


def _direct_times(db: Path, specs: list[dict], repeat: int) -> list[dict]:
    conn = sqlite3.connect(f"file:{db}?immutable=1", uri=True)
    out = []
    for spec in specs:
        times = []
        for i in range(repeat + 2):
            started = time.perf_counter()
            for sql in spec["sql"]:
                conn.execute(sql, spec["params"]).fetchall()
            if i >= 2:
                times.append(time.perf_counter() - started)
        out.append(_stats(times))
    conn.close()
    return out


def latency(db: Path, repeat: int) -> list[dict]:
    specs = pages(db)
    via = asyncio.run(_datasette_times(db, specs, repeat))
    via_json = asyncio.run(_datasette_times(db, specs, repeat, as_json=True))
    stock = asyncio.run(_datasette_times(db, specs, repeat, stock=True))
    stock_json = asyncio.run(_datasette_times(db, specs, repeat, as_json=True, stock=True))
    direct = _direct_times(db, specs, repeat)
    return [{"name": s["name"], "path": s["path"], "datasette": v, "json": j, "direct": d,
             "stock": {"html": st, "json": sj},
             "ratio": v["median_ms"] / max(d["median_ms"], 1e-6), "ratio_json": j["median_ms"] / max(d["median_ms"], 1e-6),
             "error": v.get("error") or j.get("error")}
            for s, v, j, d, st, sj in zip(specs, via, via_json, direct, stock, stock_json)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status == 200 and len(r.read()) > 0
    except Exception:
        return False


def _served_build(port: int) -> str | None:
    """When the build the server answers from was made (its build_info)."""
    url = f"http://127.0.0.1:{port}/msakb/build_info.json?key=built_at&_shape=array"
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return json.loads(r.read())[0]["value"]
    except Exception:
        return None


def _built_at(db: Path) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT value FROM build_info WHERE key = 'built_at'").fetchone()[0]
    finally:
        conn.close()


def serve_during_rebuild(db: Path, kb: Path, progress) -> dict:
    """Serve db with `msakb serve --no-build` on a loopback port, rebuild it from scratch in
    another process, and request a page every 50 ms until the rebuild is done."""
    port = free_port()
    server = subprocess.Popen([str(Path(sys.executable).with_name("msakb")), "serve", "--db", str(db), "--port", str(port),
                               "--no-build"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=child_env())
    url = f"http://127.0.0.1:{port}/msakb/approvals.json?_shape=array&_size=5"
    try:
        deadline = time.time() + 60
        while not _get(url):
            if time.time() > deadline or server.poll() is not None:
                raise RuntimeError("the Datasette server did not start")
            time.sleep(0.2)
        cache = db.with_name(f"{db.name}.cache")
        for p in cache.glob("*"):
            p.unlink()  # a cold full rebuild, the longest window (no records, no index to patch from)
        progress("  serving while a full rebuild runs ...")
        rebuild = subprocess.Popen([sys.executable, "-m", "bench.child", str(kb), str(db)], cwd=REPO,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=child_env())
        ok = failed = 0
        started = time.time()
        while rebuild.poll() is None:
            if _get(url):
                ok += 1
            else:
                failed += 1
            time.sleep(0.05)
        took = time.time() - started
        after = _get(url)
        return {"rebuild_exit": rebuild.returncode, "rebuild_s": took, "requests_ok": ok,
                "requests_failed": failed, "answers_after_rename": after,
                "serves_the_new_build": _served_build(port) == _built_at(db)}
    finally:
        server.terminate()
        server.wait(timeout=20)
