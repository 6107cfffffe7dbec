"""What SQLite's plan for a query reads whole: the tables a query scans without an index, read
from EXPLAIN QUERY PLAN. A page whose SQL scans a table that grows with the corpus grows with
it; the benchmark measures how much, tests/test_query_plans.py that none of the canned
queries does.

A plan names what it scans by the name or alias the SQL gives it, inside the views the query
reads too; the names are traced back to tables through the query's and the views' FROM and
JOIN clauses (common table expressions are the query's own results, not tables).
"""

from __future__ import annotations

import re
import sqlite3

# Tables bounded by the country rather than the corpus: a state's rows, the build's record.
BOUNDED = frozenset({"states", "state_summary", "build_info"})

_SOURCE = re.compile(r"(?i)\b(?:from|join)\s+\[?([A-Za-z_]\w*)\]?(?:\s+(?:as\s+)?([A-Za-z_]\w*))?")
_CTE = re.compile(r"(?i)(?:\bwith(?:\s+recursive)?|,)\s*([A-Za-z_]\w*)\s+as\s*(?:not\s+)?(?:materialized\s+)?\(")
_KEYWORDS = frozenset({"where", "on", "join", "left", "right", "inner", "outer", "cross", "natural", "group", "order",
                       "limit", "union", "except", "intersect", "using", "having", "window", "select", "as", "and",
                       "or", "not", "when", "then", "else", "end", "returning"})
_BARE_SCAN = re.compile(r"^SCAN (\w+)$")


def names(sql: str) -> dict[str, set[str]]:
    """Name or alias -> the tables (or views) it may stand for, in one statement."""
    out: dict[str, set[str]] = {}
    for table, alias in _SOURCE.findall(sql):
        out.setdefault(table, set()).add(table)
        if alias and alias.lower() not in _KEYWORDS:
            out.setdefault(alias, set()).add(table)
    return out


def full_scans(conn: sqlite3.Connection, sql: str, params=(), bounded=BOUNDED) -> list[str]:
    """The tables growing with the corpus that the plan of `sql` scans without an index."""
    views = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'"))
    tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    ctes = set(_CTE.findall(sql))
    own = names(sql)  # a name the query gives stands for what the query says ...
    theirs: dict[str, set[str]] = {}  # ... else for what a view it reads says
    for statement in views.values():
        for name, targets in names(statement).items():
            theirs.setdefault(name, set()).update(targets)
    out = set()
    for *_, detail in conn.execute("EXPLAIN QUERY PLAN " + sql, params):
        m = _BARE_SCAN.match(detail)
        if not m or m.group(1) in ctes:
            continue
        scanned = own.get(m.group(1)) or theirs.get(m.group(1)) or {m.group(1)}
        out |= {t for t in scanned if t in tables and t not in ctes and t not in bounded}
    return sorted(out)


def parameters(sql: str) -> set[str]:
    """The named parameters of a query (`:name`), as Datasette asks for them."""
    return set(re.findall(r"(?<![:\w]):([A-Za-z_]\w*)", sql))
