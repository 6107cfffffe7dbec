"""Extension points of the build, so that features add steps without editing build.py.

- DERIVERS: functions `(rows: dict[str, list[dict]], docs: list[SourceDoc], kb: Path) ->
  dict[str, list[dict]]` run after records are resolved into rows; what they return is added
  (e.g. cross-source conflicts, approval changes between editions). Rows they add are fact
  rows and are checked like any other (quote == source slice).
- POST_WRITE: functions `(conn: sqlite3.Connection) -> None` run on the temporary database
  after all rows are written and checked, before it is renamed into place (e.g. full-text
  indexes, views).

Modules register themselves by appending here; db/steps.py imports them all.
"""

DERIVERS: list = []
POST_WRITE: list = []
