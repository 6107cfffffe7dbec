"""What the models say of their columns besides the schema, read from them so it is stated
once: which columns a person searches (each such table gets a full-text index) and which
columns name a row of another table (a served page links them to that row)."""

from __future__ import annotations

import re

from msakb.db.store.models import ALL_TABLES, is_searchable


def _searchable(model) -> tuple[str, ...]:
    return tuple(name for name, f in model.model_fields.items() if is_searchable(f))


SEARCHABLE: dict[str, tuple[str, ...]] = {t: cols for t, m in ALL_TABLES.items() if (cols := _searchable(m))}
"""table -> the columns its full-text index covers (the models' `searchable()` fields)."""


def fts_table(table: str) -> str:
    """The name of `table`'s full-text index (sqlite-utils' convention, which Datasette's
    detection of a table's index follows)."""
    return f"{table}_fts"


def _id_links() -> dict[str, str]:
    """column name -> the table whose row it names: every foreign-key column of the models
    (a name that points at two tables is left out), and `<model>_id` for each model whose rows
    have an id or code (a query's `d.id AS directive_id`)."""
    targets: dict[str, set[str]] = {}
    for model in ALL_TABLES.values():
        for column in model.__table__.columns:
            for fk in column.foreign_keys:
                targets.setdefault(column.name, set()).add(fk.column.table.name)
    links = {c: t.pop() for c, t in targets.items() if len(t) == 1}
    for table, model in ALL_TABLES.items():
        if [c.name for c in model.__table__.primary_key.columns] in (["id"], ["code"]):
            name = re.sub(r"(?<!^)(?=[A-Z])", "_", model.__name__).lower()
            links.setdefault(f"{name}_id", table)
    return links


ID_LINKS: dict[str, str] = _id_links()


PAGE_FACETS: dict[str, tuple[str, ...]] = {
    "sources": ("publisher", "jurisdiction", "kind"),
    "states": ("framework_status", "attribution", "voice"),
    "utilities": ("state", "installation_model", "kind", "attribution", "voice"),
    "devices": ("manufacturer", "technology", "isolating", "is_family"),
    "approvals": ("utility_id", "status", "technology", "attribution", "voice"),
    "approval_changes": ("change", "utility_id", "series"),
    "required_devices": ("name",),
    "specs": ("quantity", "unit", "attribution", "voice"),
    "restrictions": ("category", "utility_id", "state", "attribution", "voice"),
    "rules": ("utility_id", "says"),
    "panel_models": ("utility_id",),
    "fees": ("utility_id",),
    "timelines": ("utility_id", "unit"),
    "process_steps": ("utility_id", "phase"),
    "system_statuses": ("utility_id",),
    "directives": ("regulator", "state", "docket", "attribution", "voice"),
    "decisions": ("regulator", "attribution", "voice"),
    "data_needs": ("responsible_party", "state", "attribution", "voice"),
    "lifespans": ("manufacturer", "attribution", "voice"),
    "standards": ("body",),
    "standard_tests": ("standard",),
    "test_limits": ("quantity", "unit"),
    "standard_revisions": ("standard",),
    "faqs": ("utility_id",),
    "statements": ("topic", "utility_id", "state", "attribution", "voice"),
    "citations": ("table_name", "attribution", "voice"),
    "conflicts": ("kind", "attribution", "voice"),
    "candidates": ("status", "kind", "table_name", "source_id"),
    "aliases": ("kind",),
}
"""table -> the columns its Datasette page counts facets of, in their order: the `facets` of
web/metadata.yaml, which Datasette reads, stated here for the build, which does not read the
web layer's files (tests/test_query_plans.py keeps the two the same). The build indexes each
column (db/derive/summaries.py facet_indexes), and the index a search counts from holds a
searchable table's (db/derive/fts.py)."""
