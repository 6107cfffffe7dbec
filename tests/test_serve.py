"""`msakb serve`: the real server on a free loopback port, asserted through its JSON API:
tables with labels, facets, full-text search, each canned query, the passage page, refused
writes and runaway queries; the port-taken message; rebuilding only when something changed;
and a description in web/metadata.yaml for every table and column of the built database."""

from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
import urllib.parse

import pytest
from click.testing import CliRunner
from datasette.utils import tilde_encode

from msakb.cli import cli
from msakb.db.pipeline.builder import build
from msakb.web.serve import METADATA, load_metadata, stale_reason
from tests.site_server import MSAKB, Server, free_port

SCE_LIST = "sce-approved-products-2026-04-12"
TESLA = "tesla-backup-switch-1624171-xx-y"
ENPHASE_SCE = f"{SCE_LIST}/approvals/4-enphase-mc-200-011-v01"


@pytest.fixture(scope="module")
def served_db(built_db, tmp_path_factory):
    copy = tmp_path_factory.mktemp("served") / "kb-copy.db"
    shutil.copy(built_db, copy)
    return copy


@pytest.fixture(scope="module")
def server(served_db):
    srv = Server(served_db, served_db.with_name("serve.log")).wait_ready()
    yield srv
    srv.stop()


def rows(server, path: str, **params) -> list[dict]:
    query = urllib.parse.urlencode({**params, "_shape": "array", "_size": "max"})
    return server.json(f"{path}?{query}")


def test_published_as_msakb_whatever_the_file_name(server):
    databases = server.json("/-/databases.json")
    assert [(d["name"], d["is_mutable"]) for d in databases] == [("msakb", False)]
    assert server.json("/-/settings.json")["sql_time_limit_ms"] == 1000
    meta = server.json("/-/metadata.json")
    assert meta["title"] == "Meter Socket Adapter Knowledge Base"
    assert meta["license"] == "Apache-2.0"


def test_table_json_with_labels(server):
    devices = rows(server, "/msakb/devices.json", manufacturer="Tesla")
    assert [(d["id"], d["name"], d["model"]) for d in devices] == [
        (TESLA, "Tesla Backup Switch 1624171-xx-y", "1624171-xx-y")
    ]
    approvals = rows(server, "/msakb/approvals.json", source_id=SCE_LIST, device_id=TESLA, _labels="on")
    assert sorted(a["status_text"] for a in approvals) == [
        "Approved for MSA application", "Approved for Vehicle to Home backup application only"]
    for a in approvals:
        assert a["utility_id"] == {"value": "sce", "label": "Southern California Edison"}
        assert a["device_id"] == {"value": TESLA, "label": "Tesla Backup Switch 1624171-xx-y"}
        assert a["source_id"] == {"value": SCE_LIST, "label": "Meter Socket Adapter Approved Product List"}
    utilities = rows(server, "/msakb/utilities.json", id="sce", _labels="on")
    assert utilities[0]["state"] == {"value": "CA", "label": "California"}


def test_default_facets(server):
    data = server.json(f"/msakb/approvals.json?source_id={SCE_LIST}")
    facets = data["facet_results"]
    assert set(facets) == {"utility_id", "status", "technology", "attribution", "voice"}
    assert {r["value"]: r["count"] for r in facets["status"]["results"]} == {"pilot": 5, "approved": 3}
    assert {r["value"]: r["count"] for r in facets["attribution"]["results"]} == {"own": 8}
    every = server.json("/msakb/approvals.json")["facet_results"]  # SCE's own list, the TESCO deck's reports
    assert {r["value"]: r["count"] for r in every["attribution"]["results"]} == {"own": 8, "report": 8}
    assert {r["value"]: r["count"] for r in every["voice"]["results"]} == {"utility": 8, "industry": 8}
    assert [(r["value"], r["label"], r["count"]) for r in facets["utility_id"]["results"]] == [
        ("sce", "Southern California Edison", 8)]
    devices = server.json("/msakb/devices.json?manufacturer=Tesla")["facet_results"]
    assert set(devices) == {"manufacturer", "technology", "isolating", "is_family"}
    restrictions = server.json("/msakb/restrictions.json?utility_id=sce")["facet_results"]
    assert set(restrictions) == {"category", "utility_id", "state", "attribution", "voice"}


def test_every_table_and_row_page_renders(server, served_db):
    tables = load_metadata()["databases"]["msakb"]["tables"]
    conn = sqlite3.connect(served_db)
    for name, meta in tables.items():
        status, body = server.get(f"/msakb/{name}")
        assert status == 200, (name, body[:300])
        assert meta["description"].split()[0].encode() in body
        pk = [r[1] for r in sorted(conn.execute(f"PRAGMA table_info([{name}])"), key=lambda r: r[5]) if r[5]]
        first = conn.execute(f"SELECT {', '.join(f'[{c}]' for c in pk)} FROM [{name}] LIMIT 1").fetchone() if pk else None
        if first:  # a compound key is its values comma-separated, each tilde-encoded
            path = ",".join(tilde_encode(str(v)) for v in first)
            status, body = server.get(f"/msakb/{name}/{path}")
            assert status == 200, (name, first, body[:300])
    conn.close()


def test_sort_by_primary_key_from_the_search_form(server):
    """Datasette 0.65's search form sends _sort=<pk>: every searchable table must allow it."""
    status, body = server.get("/msakb/restrictions?_search=FranklinWH&_sort=id")
    assert status == 200, body[:300]
    status, body = server.get("/msakb/sources?_search=Cybertruck&_sort=id")
    assert status == 200, body[:300]


def test_full_text_search(server):
    found = rows(server, "/msakb/restrictions.json", _search="FranklinWH", source_id=SCE_LIST)
    assert sorted(r["id"] for r in found) == [
        f"{SCE_LIST}/restrictions/2-connectder-islandder-v-1-a-1",
        f"{SCE_LIST}/restrictions/2-connectder-islandder-v-1-d-1",
        f"{SCE_LIST}/restrictions/3-neworld-eqb-mim-200-plus-pe-1",
    ]
    sources = rows(server, "/msakb/sources.json", _search="Cybertruck", _col="title")
    assert [s["id"] for s in sources] == [SCE_LIST]
    # the porter stemmer: "pairing" finds "paired"
    stemmed = rows(server, "/msakb/restrictions.json", _search="pairing", source_id=SCE_LIST)
    assert f"{SCE_LIST}/restrictions/3-neworld-eqb-mim-200-plus-pe-1" in {r["id"] for r in stemmed}
    directives = rows(server, "/msakb/directives.json", _search="liability waiver")
    assert {d["item"] for d in directives} == {0, 1}
    assert all("liability waiver" in d["text"] for d in directives)


def test_every_searchable_table_answers_a_search(server, served_db):
    """?_search= on each table with searchable columns (matched on search_rowid, the metadata's
    fts_pk) finds the rows its full-text index matches: a word of its first row."""
    import re

    from msakb.db.store.columns import SEARCHABLE, fts_table

    tables = load_metadata()["databases"]["msakb"]["tables"]
    conn = sqlite3.connect(served_db)
    searched = []
    for table, columns in SEARCHABLE.items():
        first = conn.execute(f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM [{table}] ORDER BY rowid LIMIT 1").fetchone()
        if first is None:
            continue  # no row in the seeds
        word = max(re.findall(r"[A-Za-z]{4,}", " ".join(str(v) for v in first if v)), key=len)
        fts = tables[table].get("fts_table", fts_table(table))
        key = "id"
        expected = sorted(k for (k,) in conn.execute(
            f"SELECT [{key}] FROM [{table}] WHERE rowid IN (SELECT rowid FROM [{fts}] WHERE [{fts}] MATCH ?)", (f'"{word}"',)))
        found = sorted(r[key] for r in rows(server, f"/msakb/{table}.json", _search=word))
        assert found == expected and found, (table, word)
        searched.append(table)
    conn.close()
    assert len(searched) >= 8, searched


def test_oem_matrix_for_tesla(server):
    found = rows(server, "/msakb/oem_matrix.json", device="Tesla")
    got = sorted((r["utility"], r["status"], r["status_text"], r["as_of"], r["source_id"], r["via"]) for r in found)
    assert ("Southern California Edison", "approved", "Approved for MSA application", "2026-04-12", SCE_LIST,
            "this model") in got
    assert ("Southern California Edison", "approved", "Approved for Vehicle to Home backup application only",
            "2026-04-12", SCE_LIST, "this model") in got
    assert {r["device"] for r in found} == {"Tesla Backup Switch 1624171-xx-y"}
    assert "Pacific Gas and Electric" in {r["utility"] for r in found}


def test_oem_matrix_across_every_utility(server):
    found = rows(server, "/msakb/oem_matrix.json", device=TESLA, every_utility="yes")
    utilities = rows(server, "/msakb/utilities.json")
    assert {r["utility_id"] for r in found} == {u["id"] for u in utilities}
    silent = [r for r in found if r["via"] == "no statement in the knowledge base"]
    assert silent and all(r["status"] is None and r["source_id"] is None for r in silent)
    spoken = {r["utility_id"] for r in found if r["status"]}
    assert spoken >= {"sce", "pge"} and not spoken & {r["utility_id"] for r in silent}
    # a utility's own list first, reports apart after it, then the utilities that say nothing; each by state
    group = lambda r: 2 if r["attribution"] is None else int(r["attribution"] == "report")  # noqa: E731
    assert [group(r) for r in found] == sorted(group(r) for r in found)
    assert {(group(r), r["attribution"], r["speaker"]) for r in found if r["status"]} == {
        (0, "own", "Southern California Edison"), (1, "report", "TESCO Metering")}
    key = lambda r: (group(r), r["state"] is None, r["state"] or "", r["utility"])  # noqa: E731  (no state: last)
    assert [key(r) for r in found] == sorted(key(r) for r in found)


def test_oem_matrix_applies_a_family_approval_to_its_models(server):
    found = rows(server, "/msakb/oem_matrix.json", device="connectder-islandder-v-1-a")
    got = {(r["utility"], r["status"], r["via"]) for r in found}
    assert ("Southern California Edison", "pilot", "this model") in got
    assert ("Pacific Gas and Electric", "pilot", "via family: ConnectDER IslandDER") in got


def test_utility_allows(server):
    found = rows(server, "/msakb/utility_allows.json", utility="sce")
    assert {r["utility"] for r in found} == {"Southern California Edison"}
    parts = [r["part"] for r in found]
    assert parts[0] == "installation model"
    devices = [(r["subject"], r["status"]) for r in found if r["part"] == "device"]
    assert ("Tesla Backup Switch 1624171-xx-y", "approved") in devices
    assert ("ConnectDER IslandDER V-1-A", "pilot") in devices
    assert [s for _, s in devices] == sorted((s for _, s in devices), key=lambda s: s != "approved")
    assert sum(r["part"] == "restriction" for r in found) == len(rows(
        server, "/msakb/current_restrictions.json", utility_id="sce"))
    assert sum(r["part"] == "incompatible panel" for r in found) == 10


def test_restrictions_by_category(server):
    found = rows(server, "/msakb/restrictions_by_category.json", category="eligibility", utility="")
    assert found and {r["category"] for r in found} == {"eligibility"}
    everything = rows(server, "/msakb/restrictions_by_category.json", category="", utility="")
    assert len(everything) == len(rows(server, "/msakb/current_restrictions.json"))
    assert [r["category"] for r in everything] == sorted(r["category"] for r in everything)
    sce = rows(server, "/msakb/restrictions_by_category.json", category="", utility="sce")
    assert {r["applies_to"] for r in sce} == {"Southern California Edison"}


def test_states_by_framework(server):
    found = rows(server, "/msakb/states_by_framework.json", framework_status="")
    order = ["existing", "pending", "lobbying", "not stated"]
    assert [order.index(r["framework_status"]) for r in found] == sorted(order.index(r["framework_status"]) for r in found)
    by_code = {r["code"]: r for r in found}
    assert by_code["CA"]["framework_status"] == "existing"
    assert by_code["CA"]["utilities"] >= 2 and by_code["CA"]["approvals"] >= 8
    pending = rows(server, "/msakb/states_by_framework.json", framework_status="pending")
    assert {r["code"] for r in pending} >= {"NY", "DE"} and {r["framework_status"] for r in pending} == {"pending"}


def test_regulatory_deadlines(server):
    found = rows(server, "/msakb/regulatory_deadlines.json")
    dates = [r["due_date"] for r in found]
    assert dates and None not in dates and dates == sorted(dates)
    assert ("2025-03-31", "26", 1) in {(r["due_date"], r["order_number"], r["item"]) for r in found}


def test_incompatible_panels(server):
    found = rows(server, "/msakb/incompatible_panels.json", model="")
    assert len(found) == 10 and {r["utility"] for r in found} == {"Southern California Edison"}
    one = rows(server, "/msakb/incompatible_panels.json", model="MBED3042B200PV")
    assert [r["model"] for r in one] == ["MBED3042B200PV"]


def test_every_canned_query_is_titled_and_answers(server):
    queries = load_metadata()["databases"]["msakb"]["queries"]
    assert set(queries) >= {"oem_matrix", "utility_allows", "restrictions_by_category",
                            "states_by_framework", "regulatory_deadlines", "incompatible_panels"}
    for name, q in queries.items():
        assert q["title"] and q.get("description_html"), name
        assert not q.get("write"), f"{name}: canned queries must not write"
        data = server.json(f"/msakb/{name}.json?" + urllib.parse.urlencode({p: "" for p in q.get("params", [])}))
        assert data["ok"], name


def test_passage_page_shows_the_quote_in_its_source(server, served_db):
    conn = sqlite3.connect(served_db)
    sid, quote, start, end, text = conn.execute(
        "SELECT a.source_id, a.quote, a.char_start, a.char_end, s.text FROM approvals a "
        "JOIN sources s ON s.id = a.source_id WHERE a.id = ?", (ENPHASE_SCE,)
    ).fetchone()
    status, body = server.get(f"/msakb/passage?source_id={sid}&start={start}&end={end}")
    html = body.decode()
    assert status == 200
    from markupsafe import escape
    assert f'<mark id="passage">{escape(quote)}</mark>' in html
    assert f"line {text.count(chr(10), 0, start) + 1}, characters {start}–{end}" in html
    assert "sce-approved-products-2026-04-12/approvals/4-enphase-mc-200-011-v01" in html
    # the quote cell of the fact's row, in the table view and on the row page, links there
    href = f'href="/msakb/passage?source_id={sid}&amp;start={start}&amp;end={end}"'.encode()
    assert href in server.get(f"/msakb/approvals?source_id={sid}")[1]
    assert href in server.get(f"/msakb/approvals/{tilde_encode(ENPHASE_SCE)}")[1]
    conflict = conn.execute("SELECT id, other_source_id, other_char_start, other_char_end FROM conflicts LIMIT 1").fetchone()
    other = f'href="/msakb/passage?source_id={conflict[1]}&amp;start={conflict[2]}&amp;end={conflict[3]}"'.encode()
    assert other in server.get(f"/msakb/conflicts?id={urllib.parse.quote(conflict[0])}")[1]
    assert server.get(f"/msakb/passage?source_id={sid}&start=0&end=999999")[0] == 400
    assert server.get("/msakb/passage?source_id=nope&start=0&end=1")[0] == 404


def test_writes_are_refused(server):
    before = server.json("/msakb.json?sql=select+count(*)+as+n+from+sources&_shape=array")
    for sql in ("DELETE FROM sources", "UPDATE states SET name = 'x'", "DROP TABLE sources",
                "select 1; delete from sources", "PRAGMA writable_schema = 1"):
        status, body = server.get("/msakb.json?" + urllib.parse.urlencode({"sql": sql}))
        assert status == 400 or b'"ok": false' in body, (sql, body[:300])
    assert b"Statement must be a SELECT" in server.get("/msakb.json?sql=DELETE+FROM+sources")[1]
    assert server.json("/msakb.json?sql=select+count(*)+as+n+from+sources&_shape=array") == before


def test_runaway_query_is_stopped(server):
    sql = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
    status, body = server.get("/msakb.json?" + urllib.parse.urlencode({"sql": sql}))
    assert status == 400 and b"SQL query took too long" in body


def test_port_taken_is_one_clear_line(served_db):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([MSAKB, "serve", "--db", str(served_db), "--port", str(port)],
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Error: port {port} on 127.0.0.1 is already in use (another `msakb serve` or program is "
        f"listening there); stop it, or choose another port with --port, e.g. --port {port + 1}"
    )


def test_host_that_cannot_be_listened_on(served_db):
    port = free_port()
    result = CliRunner().invoke(cli, ["serve", "--db", str(served_db), "--host", "203.0.113.7", "--port", str(port)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: cannot listen on 203.0.113.7:{port}: Cannot assign requested address; check --host and --port")


def test_readme_api_calls(server):
    """The three calls the README shows scripts."""
    tesla = server.json("/msakb/oem_matrix.json?device=Tesla&_shape=array")
    assert {r["device"] for r in tesla} == {"Tesla Backup Switch 1624171-xx-y"} and len(tesla) >= 3
    sce = server.json("/msakb/restrictions.json?utility_id=sce&_shape=array&_size=max")
    assert len(sce) == len(rows(server, "/msakb/restrictions.json", utility_id="sce")) >= 50
    assert {r["utility_id"] for r in sce} == {"sce"} and all(r["quote"] and r["source_id"] for r in sce)
    found = server.json("/msakb/restrictions.json?_search=FranklinWH&_shape=array")
    assert found and all("FranklinWH" in r["text"] for r in found)


def test_not_a_knowledge_base(tmp_path):
    bogus = tmp_path / "other.db"
    sqlite3.connect(bogus).execute("CREATE TABLE t (x)").connection.close()
    result = CliRunner().invoke(cli, ["serve", "--db", str(bogus), "--port", str(free_port())])
    assert result.exit_code == 1
    assert f"{bogus} is not a knowledge base built by msakb" in result.output
    missing = tmp_path / "missing.db"
    result = CliRunner().invoke(cli, ["serve", "--db", str(missing), "--no-build", "--port", str(free_port())])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: there is no database at {missing}; run `msakb build --db {missing}` first"


def current_copy(built_db, kb, dest):
    """A copy of the session's database, rebuilt if the code changed since the session
    built it (others edit extract/ while the suite runs in a shared checkout)."""
    shutil.copy(built_db, dest)
    if stale_reason(dest, kb) is not None:
        build(dest, kb)
    return dest


def test_stale_only_when_something_changed(built_db, kb_copy, tmp_path):
    db = tmp_path / "kb.db"
    assert stale_reason(db, kb_copy) == f"there is no database at {db}"
    current_copy(built_db, kb_copy, db)
    assert stale_reason(db, kb_copy) is None  # same kb/ content, same code
    for changed in ("sources/manifest.yaml", "sources/000_2cdca2325650259a.txt", "gazetteer/devices.yaml"):
        path = kb_copy / changed
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert "changed since the last build" in stale_reason(db, kb_copy), changed
        path.write_bytes(original)
        assert stale_reason(db, kb_copy) is None
    (kb_copy / "annotations" / "new.yaml").write_text("# a new annotation file\n")
    assert stale_reason(db, kb_copy).startswith(f"the knowledge folder {kb_copy}")
    (kb_copy / "annotations" / "new.yaml").unlink()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE build_info SET value = 'older' WHERE key = 'code_fingerprint'")
    conn.close()
    assert stale_reason(db, kb_copy) == "the code (extract/ or db/) changed since the last build"


def test_serve_rebuilds_only_when_changed(built_db, kb_copy, tmp_path):
    db = current_copy(built_db, kb_copy, tmp_path / "kb.db")
    first = Server(db, tmp_path / "first.log", "--kb", str(kb_copy)).wait_ready()
    first.stop()
    assert "is up to date" in first.log_text() and "building" not in first.log_text()
    manifest = kb_copy / "sources" / "manifest.yaml"
    manifest.write_text(manifest.read_text() + "\n# edited\n")
    as_is = Server(db, tmp_path / "as-is.log", "--kb", str(kb_copy), "--no-build").wait_ready()
    as_is.stop()
    assert "building" not in as_is.log_text() and stale_reason(db, kb_copy) is not None
    second = Server(db, tmp_path / "second.log", "--kb", str(kb_copy), "--sql-time-limit-ms", "250").wait_ready()
    try:
        assert f"building {db}: the knowledge folder {kb_copy}" in second.log_text()
        assert second.json("/-/settings.json")["sql_time_limit_ms"] == 250
        assert second.json("/msakb/sources.json?_shape=array&_col=title&id=" + SCE_LIST)[0]["id"] == SCE_LIST
    finally:
        second.stop()
    assert stale_reason(db, kb_copy) is None


def test_every_table_and_column_is_described(built_db):
    """A table or column without a description in web/metadata.yaml fails here: whoever adds
    one to db/store/models.py (or a view) adds its lines there too."""
    tables = load_metadata()["databases"]["msakb"]["tables"]
    conn = sqlite3.connect(built_db)
    virtual = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'")]
    missing = []
    for name, in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                              "AND name NOT LIKE 'sqlite_%' ORDER BY name"):
        if any(name == v or name.startswith(v + "_") for v in virtual):
            continue  # full-text indexes: Datasette hides them
        meta = tables.get(name) or {}
        if not meta.get("description"):
            missing.append(f"table {name}")
        described = meta.get("columns") or {}
        missing += [f"{name}.{c}" for _, c, *_ in conn.execute(f"PRAGMA table_info([{name}])")
                    if not described.get(c)]
    conn.close()
    assert not missing, f"describe these in {METADATA}: {', '.join(missing)}"


def test_metadata_tables_exist_and_search_indexes_match(built_db):
    from msakb.db.derive.summaries import SEARCH
    from msakb.db.store.columns import SEARCHABLE

    SPELLINGS_SEARCHED = {table: index for index, (table, _, _) in SEARCH.items()}
    tables = load_metadata()["databases"]["msakb"]["tables"]
    conn = sqlite3.connect(built_db)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    for name, meta in tables.items():
        assert name in names, f"{METADATA}: table {name} is not in the database"
        cols = {r[1] for r in conn.execute(f"PRAGMA table_info([{name}])")}
        for key in ("sortable_columns", "facets"):
            assert set(meta.get(key, [])) <= cols, f"{name}.{key}: {set(meta.get(key, [])) - cols}"
        # a table with searchable columns is matched on its search_rowid (db/derive/fts.py)
        pk = "search_rowid" if name in SEARCHABLE else "rowid"
        if name in SPELLINGS_SEARCHED:  # searched by every spelling of a row: the summaries step's index
            assert (meta["fts_table"], meta["fts_pk"]) == (SPELLINGS_SEARCHED[name], pk), name
            assert SPELLINGS_SEARCHED[name] in names
        else:
            assert "fts_table" not in meta, f"{name}: the models say what is searched"
            assert meta.get("fts_pk") == ("search_rowid" if name in SEARCHABLE else None), name
        if "label_column" in meta:
            assert meta["label_column"] in cols
        pk = [r[1] for r in conn.execute(f"PRAGMA table_info([{name}])") if r[5]]
        if "sortable_columns" in meta:
            assert set(pk) <= set(meta["sortable_columns"]), f"{name}: sortable_columns must include {pk}"
    conn.close()


def test_conflicts_side_by_side_shows_both_quotes(server):
    found = rows(server, "/msakb/conflicts_side_by_side.json", kind="within_source")
    by_subject = {r["subject"]: r for r in found}
    decision = by_subject["PURA decision in Docket 24-08-02: date"]
    assert decision["quote"] == "PURA's [October 16, 2025 Decision](#) in Docket 24-08-02"
    assert "October 16, 2024" in decision["other_quote"]
    assert decision["source"] == decision["other_source"] == "MSA Subgroup Meeting Summary"
    assert {r["kind"] for r in found} == {"within_source"}
    across = rows(server, "/msakb/conflicts_side_by_side.json", kind="across_sources")
    assert across and {r["kind"] for r in across} == {"across_sources"}
    # each list is here in one edition: nothing to compare, and the query says so
    assert [(r["utility_id"], r["change"]) for r in rows(server, "/msakb/approval_history.json", utility="")] == [
        ("sce", "only one edition in the knowledge base: nothing to compare")]
