"""Every canned query reads the corpus through indexes: on a generated corpus, the plan of each
canned query (EXPLAIN QUERY PLAN, with the parameters a person gives it and with none) scans
no table that grows with the corpus without an index (bench/plans.py), so that its page does
not grow with the corpus. The one scan allowed is a listing whose answer is the whole table.
A table page's facets are counted from indexes, and a search page's count and facets from the
one index that starts with search_rowid (db/derive/fts.py), not by a lookup of each matching
row in the table."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from bench.generate import generate
from bench.plans import full_scans, parameters
from datasette.utils import escape_fts
from msakb.cli import cli
from msakb.db.derive.fts import search_index
from msakb.db.store.columns import PAGE_FACETS, SEARCHABLE, fts_table
from msakb.db.store.models import ALL_TABLES
from msakb.web.serve import load_metadata

# (query, table) -> why scanning the table whole is the query's answer
WHOLE = {("oem_matrix", "utilities"): "every_utility=yes asks for a row for every utility, stated or not"}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    corpus = generate(tmp_path_factory.mktemp("plans") / "kb", 30, seed=4)
    path = corpus.kb.parent / "kb.db"
    result = CliRunner().invoke(cli, ["build", "--db", str(path), "--kb", str(corpus.kb), "-q"])
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(path)
    conn.create_function("escape_fts", 1, escape_fts)  # as Datasette registers it
    yield conn
    conn.close()


def realistic(conn: sqlite3.Connection) -> dict[str, str]:
    """A value for each parameter as a person would give it, from the corpus."""
    device, utility = conn.execute("SELECT device_id, utility_id FROM approvals GROUP BY 1, 2 "
                                   "ORDER BY count(*) DESC, 1, 2 LIMIT 1").fetchone()
    state = conn.execute("SELECT state FROM utilities WHERE id = ?", (utility,)).fetchone()[0]
    category = conn.execute("SELECT category FROM restrictions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    return {"device": device, "utility": utility, "state": state, "category": category, "kind": "across_sources",
            "framework_status": "existing", "model": "MP-", "every_utility": "", "approval": "", "edition": ""}


def test_the_plans_are_read_for_scans_of_whole_tables(db):
    assert full_scans(db, "SELECT * FROM specs WHERE qualifier = 'continuous'") == ["specs"]
    assert full_scans(db, "SELECT * FROM specs WHERE source_id = ?", ("x",)) == []  # its index
    assert full_scans(db, "SELECT * FROM states s JOIN specs t ON t.id = s.code") == []  # states: bounded
    with_cte = "WITH picked AS (SELECT id FROM devices WHERE id = :d) SELECT * FROM picked p JOIN approvals a ON a.device_id = p.id"
    assert full_scans(db, with_cte, {"d": "x"}) == []
    assert parameters("SELECT :a, ':b', t || 'T00:00:00' FROM x WHERE y = :c_2") == {"a", "b", "c_2"}


def test_every_canned_query_reads_the_corpus_through_indexes(db):
    queries = load_metadata()["databases"]["msakb"]["queries"]
    given = realistic(db)
    assert len(queries) >= 10
    for name, query in queries.items():
        names = set(query.get("params", [])) | parameters(query["sql"])
        for params in ({k: "" for k in names}, {k: given[k] for k in names}):
            scans = [t for t in full_scans(db, query["sql"], params) if (name, t) not in WHOLE]
            assert scans == [], f"{name} with {params} scans {scans} whole: add an index its plan can use"


def facet_sql(table: str, column: str, where: str = "") -> str:
    """The query Datasette 0.65.5 counts a column facet's values with (datasette/facets.py,
    ColumnFacet.facet_results), on the table's page (unfiltered, or `where`)."""
    return (f"select [{column}] as value, count(*) as count from (select * from [{table}] {where}) "
            f"where [{column}] is not null group by [{column}] order by count desc, value limit 31")


def search_where(table: str, meta: dict) -> str:
    """The condition of Datasette 0.65.5's `?_search=` (datasette/filters.py search_filters),
    with the table's metadata fts_table and fts_pk."""
    fts = meta.get("fts_table", fts_table(table))
    return f"where [{meta.get('fts_pk', 'rowid')}] in (select rowid from [{fts}] where [{fts}] match escape_fts(:search))"


def facet_columns(meta: dict) -> list[str]:
    return [f if isinstance(f, str) else next(iter(f.values())) for f in meta.get("facets", [])]


def test_the_build_knows_the_facets_of_every_page():
    """db/store/columns.py PAGE_FACETS is web/metadata.yaml's `facets` of every table of the models."""
    tables = load_metadata()["databases"]["msakb"]["tables"]
    in_metadata = {t: tuple(facet_columns(meta)) for t, meta in tables.items() if t in ALL_TABLES and facet_columns(meta)}
    assert PAGE_FACETS == in_metadata


def test_every_facet_of_a_table_is_counted_from_an_index(db):
    tables = load_metadata()["databases"]["msakb"]["tables"]
    real = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    checked = 0
    for table, meta in tables.items():
        if table not in real:  # a view (current_*): its page is the view's query
            continue
        for column in facet_columns(meta):
            scans = full_scans(db, facet_sql(table, column), bounded=frozenset())
            assert scans == [], f"{table}'s facet {column} counts every row: is it in db/store/columns.py PAGE_FACETS?"
            checked += 1
    assert checked > 60


def plan(db, sql: str) -> list[str]:
    return [detail for *_, detail in db.execute("EXPLAIN QUERY PLAN " + sql, {"search": "meter"})]


def test_a_search_counts_its_rows_and_facets_from_one_index(db):
    tables = load_metadata()["databases"]["msakb"]["tables"]
    for table in SEARCHABLE:
        meta = tables[table]
        where = search_where(table, meta)
        for sql in (f"select count(*) from [{table}] {where}", *(facet_sql(table, c, where) for c in facet_columns(meta))):
            steps = plan(db, sql)
            used = f"SEARCH {table} USING COVERING INDEX {search_index(table)} (search_rowid=?"  # (and x>? for a facet)
            assert any(step.startswith(used) for step in steps), (table, steps)
            assert not any(step.startswith(f"SEARCH {table} USING INTEGER PRIMARY KEY") for step in steps), (table, steps)


def test_the_plan_is_read_for_a_lookup_of_each_matching_row(db):
    """What the check above fails on: Datasette's default, the search matched on the rowid."""
    where = search_where("restrictions", {})
    assert "SEARCH restrictions USING INTEGER PRIMARY KEY (rowid=?)" in plan(db, f"select count(*) from restrictions {where}")


def test_a_utility_pages_citations_are_found_by_its_id(db):
    """Of the citations of a row, its id picks a handful; its table name picks every citation
    of that table (a facet's index, which SQLite chose when both were in the WHERE)."""
    from msakb.web.pages.utility import CITED_BY

    utility = realistic(db)["utility"]
    plan = [r[3] for r in db.execute(f"EXPLAIN QUERY PLAN {CITED_BY}", {"id": utility})]
    assert "SEARCH c USING INDEX ix_citations_row_id (row_id=?)" in plan, plan
