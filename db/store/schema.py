"""The schema's DDL, written straight from the models' table metadata (db/store/models.py).

SQLModel.metadata.create_all needs an engine, the import of SQLAlchemy's SQLite dialect, a
compile of each of some 70 statements and a query per table to see whether it exists, which
took longer than loading every row of the seed corpus (figures: bench/RESULTS.md). The file a
build writes is new and empty, so the statements are written here from the same metadata and
run on the build's own connection in the rows' transaction.
tests/test_schema.py checks that they make the very tables, columns, keys and indexes
create_all makes.
"""

from __future__ import annotations

import re
from functools import lru_cache

from sqlmodel import SQLModel

from msakb.db.store import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from msakb.errors import BuildError

# SQLAlchemy type -> the SQLite type create_all writes for it
SQL_TYPES = {"AutoString": "VARCHAR", "String": "VARCHAR", "Integer": "INTEGER", "Float": "FLOAT"}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _column(table, col) -> str:
    sql_type = SQL_TYPES.get(type(col.type).__name__)
    if sql_type is None:
        raise BuildError(
            f"db/store/models.py: column {table.name}.{col.name} has type {type(col.type).__name__}, "
            "which db/store/schema.py does not know; add its SQLite type to SQL_TYPES"
        )
    return f"{_q(col.name)} {sql_type}" + ("" if col.nullable else " NOT NULL")


@lru_cache(maxsize=None)
def create_statements() -> tuple[str, ...]:
    """CREATE TABLE and CREATE INDEX statements of every model table, parents first."""
    out = []
    for table in SQLModel.metadata.sorted_tables:
        parts = [_column(table, c) for c in table.columns]
        if table.primary_key.columns:
            parts.append(f"PRIMARY KEY ({', '.join(_q(c.name) for c in table.primary_key.columns)})")
        for fk in table.foreign_key_constraints:
            parts.append(f"FOREIGN KEY ({', '.join(_q(c) for c in fk.column_keys)}) REFERENCES "
                         f"{_q(fk.referred_table.name)} ({', '.join(_q(e.column.name) for e in fk.elements)})")
        out.append(f"CREATE TABLE {_q(table.name)} (\n\t" + ",\n\t".join(parts) + "\n)")
        for index in sorted(table.indexes, key=lambda i: i.name):
            unique = "UNIQUE " if index.unique else ""
            out.append(f"CREATE {unique}INDEX {_q(index.name)} ON {_q(table.name)} "
                       f"({', '.join(_q(c.name) for c in index.columns)})")
    return tuple(out)


_INDEX_ON = re.compile(r'^CREATE (?:UNIQUE )?INDEX "(?:[^"]|"")+" ON "((?:[^"]|"")+)" \(')


def index_table(statement: str) -> str:
    """The table a CREATE INDEX statement of create_statements() indexes."""
    return _INDEX_ON.match(statement).group(1).replace('""', '"')
