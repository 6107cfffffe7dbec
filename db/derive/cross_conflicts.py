"""Cross-source conflicts: the same fact stated differently by two sources (a build step).

Which facts are compared is data (conflict_checks.yaml, beside this module): per table, the columns naming
the fact (`key`) and the columns that must agree (`compare`). Rows of one source are never
compared here (a source disagreeing with itself is recorded by its parser, and a row key
stated twice by db/pipeline/resolve.py), nor rows of two editions of one list (that is
history: db/derive/history.py). A device approved at one utility and in pilot at another is two facts, not
a conflict: the utility is part of the key. Each conflict quotes both passages, a party's own
statement or an order first, and says who states each.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator

from msakb.db.pipeline.attribution import rank
from msakb.db.pipeline.patch_writes import Patch, Writer
from msakb.db.pipeline.step import Step
from msakb.db.store.models import FACT_TABLES
from msakb.knowledge.yamlfile import DataFileError, load_yaml

CHECKS_FILE = Path(__file__).with_name("conflict_checks.yaml")
PROV = ("source_id", "quote", "char_start", "char_end", "rule")
ATTRIBUTION = ("voice", "speaker", "attribution")


class ConflictCheck(BaseModel):
    """Which rows of a table state one fact, and which of their columns must agree."""

    model_config = ConfigDict(extra="forbid")
    key: list[str] = Field(min_length=1, description="columns naming the fact (rows agreeing on all, none null)")
    compare: list[str] = Field(min_length=1, description="columns that must agree")
    families: Optional[str] = Field(None, description="a key column whose device family stands for each member")

    @model_validator(mode="after")
    def _families_in_key(self):
        if self.families is not None and self.families not in self.key:
            raise ValueError(f"families: {self.families!r} is not one of the key columns")
        return self


class ConflictChecks(RootModel[dict[str, ConflictCheck]]):
    """db/derive/conflict_checks.yaml: table -> its check."""


@lru_cache(maxsize=None)
def checks() -> dict[str, dict]:
    """The checks of db/derive/conflict_checks.yaml, each naming a fact table and its columns."""
    doc = load_yaml(CHECKS_FILE, name="db/derive/conflict_checks.yaml")
    found = doc.validate(ConflictChecks).root
    for table, spec in found.items():
        columns = set(FACT_TABLES[table].model_fields) if table in FACT_TABLES else None
        unknown = [c for c in spec.key + spec.compare if columns is not None and c not in columns]
        if columns is None or unknown:
            what = f"{table!r} is not a fact table" if columns is None else f"{table} has no column {unknown[0]!r}"
            raise DataFileError(f"{doc.name}, line {doc.line_of((table,))}: {what}")
    return {table: spec.model_dump(exclude_none=True) for table, spec in found.items()}


def _as_of(row: dict, docs_as_of: dict[str, str | None]) -> str:
    return row.get("as_of") or docs_as_of.get(row["source_id"]) or "undated"


def family_members(devices: list[dict]) -> dict[str, list[str]]:
    """family id -> its member devices' ids."""
    members = defaultdict(list)
    for d in devices:
        if d.get("family_id"):
            members[d["family_id"]].append(d["id"])
    return members


def group_keys(row: dict, spec: dict, members: dict[str, list[str]]) -> list[tuple]:
    """The facts a row states: its key, and with `families`, the key of each member device."""
    keys = [tuple(row.get(k) for k in spec["key"])]
    fam_col = spec.get("families")
    if fam_col and members.get(row.get(fam_col)):
        i = spec["key"].index(fam_col)
        keys += [keys[0][:i] + (m,) + keys[0][i + 1:] for m in members[row[fam_col]]]
    return [k for k in keys if all(v is not None for v in k)]


def derive_conflicts(rows: dict[str, list[dict]], docs, kb: Path,
                     only: dict[str, set[tuple]] | None = None) -> dict[str, list[dict]]:
    """One conflicts row per (fact, column, pair of sources) that disagree. With
    `only` ({table: fact keys}), the conflicts of those facts alone (an incremental build's;
    `rows` must hold every row stating them)."""
    series = {d.id: d.entry.series for d in docs}
    as_of = {d.id: d.entry.as_of.isoformat() if d.entry.as_of else None for d in docs}
    members = family_members(rows.get("devices", []))
    out: list[dict] = []
    for table, spec in checks().items():
        if only is not None and not only.get(table):
            continue
        groups: dict[tuple, list[dict]] = defaultdict(list)
        for r in rows.get(table, []):
            for k in group_keys(r, spec, members):
                if only is None or k in only[table]:
                    groups[k].append(r)
        for key, group in sorted(groups.items(), key=lambda kv: str(kv[0])):
            out += _numbered(_disagreements(table, spec, key, group, series, as_of))
    return {"conflicts": out} if out else {}


def derive_shared(rows, docs, kb: Path) -> dict[str, list[dict]]:
    """derive_conflicts, reading of each compared table only the rows of the facts that
    sources of two series or more state (only those can disagree here). In a full build the
    rows are in its file (`rows.conn`, db/pipeline/stored.py): which facts those are is
    worked out by SQLite over the key columns (shared_facts) instead of reading every row of
    a national corpus's specs into Python, which would take more memory and time than the
    rest of the step."""
    conn = getattr(rows, "conn", None)
    if conn is None:
        return derive_conflicts(rows, docs, kb)
    shared, only = {"devices": rows.get("devices", [])}, {}
    series_table(conn, {d.id: d.entry.series for d in docs})
    for table, spec in checks().items():
        only[table], rowids = shared_facts(conn, table, spec)
        if only[table]:
            shared[table] = rows.by_rowid(table, rowids)
    return derive_conflicts(shared, docs, kb, only)


def series_table(conn, series: dict[str, str | None]) -> None:
    """Each source's series, in the temporary table shared_facts reads."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS conflict_series (source_id TEXT PRIMARY KEY, series TEXT)")
    conn.execute("DELETE FROM conflict_series")
    # "s:" + the series, so that no series can be mistaken for the mark of a missing one
    conn.executemany("INSERT INTO conflict_series VALUES (?, ?)",
                     ((s, None if v is None else f"s:{v}") for s, v in series.items()))


def shared_facts(conn, table: str, spec: dict) -> tuple[set[tuple], set[int]]:
    """The facts (keys, as group_keys makes them) of `table` that sources of two series or
    more state, and the rowids of the rows stating them. A source's series is the one
    series_table wrote (none for a source it does not name, as derive_conflicts counts it)."""
    key = spec["key"]
    cols = ", ".join(f"k{i}" for i in range(len(key)))
    direct = ", ".join(f"t.[{c}] AS k{i}" for i, c in enumerate(key))
    not_null = " AND ".join(f"t.[{c}] IS NOT NULL" for c in key)
    stating = f"SELECT {direct}, t.rowid AS rid, t.source_id AS source_id FROM [{table}] t WHERE {not_null}"
    fam = spec.get("families")
    if fam:  # a row about a family states the fact of each member device too (family_members)
        member = ", ".join(("m.id" if c == fam else f"t.[{c}]") + f" AS k{i}" for i, c in enumerate(key))
        others = " AND ".join([f"t.[{c}] IS NOT NULL" for c in key if c != fam] or ["1"])
        stating += (f" UNION ALL SELECT {member}, t.rowid, t.source_id FROM [{table}] t "
                    f"JOIN devices m ON m.family_id = t.[{fam}] AND m.family_id != '' WHERE {others}")
    found = conn.execute(
        f"WITH stating AS ({stating}), "
        f"shared AS (SELECT {cols} FROM stating LEFT JOIN conflict_series c USING (source_id) "
        f"GROUP BY {cols} HAVING count(DISTINCT ifnull(c.series, 'none')) > 1) "
        f"SELECT {cols}, rid FROM stating JOIN shared USING ({cols})").fetchall()
    return {r[:-1] for r in found}, {r[-1] for r in found}


def _numbered(found: list[dict]) -> list[dict]:
    """One row per pair of passages, numbered within its subject (one fact's column), so a
    conflict's id does not depend on the conflicts of other facts."""
    seen, numbers, out = set(), Counter(), []
    for c in found:
        ident = (c["subject"], c["source_id"], c["char_start"], c["other_source_id"], c["other_char_start"])
        if ident not in seen:
            seen.add(ident)
            numbers[c["subject"]] += 1
            out.append({**c, "id": f"conflict/across/{c['subject']}/{numbers[c['subject']]}"})
    return out


def subject(table: str, spec: dict, key: tuple, col: str) -> str:
    """What a conflict is about: one fact's column, e.g. "approvals (utility_id=sce, device_id=x): status"."""
    return f"{table} ({', '.join(f'{k}={v}' for k, v in zip(spec['key'], key))}): {col}"


def _disagreements(table, spec, key, group, series, as_of) -> list[dict]:
    """Pairs of rows of `group` (one fact) from different sources, not editions of one
    list, that give a compared column different non-null values."""
    out = []
    by_source: dict[str, dict] = {}
    for r in sorted(group, key=lambda r: (r["source_id"], r["char_start"])):
        by_source.setdefault(r["source_id"], r)
    if all(len({r.get(col) for r in by_source.values()} - {None}) < 2 for col in spec["compare"]):
        return out  # every source says the same, or nothing, of each compared column: no pair can disagree
    sources = sorted(by_source)
    for i, a_id in enumerate(sources):
        for b_id in sources[i + 1:]:
            if series.get(a_id) == series.get(b_id):
                continue
            a, b = by_source[a_id], by_source[b_id]
            if rank(b) > rank(a):
                a, b = b, a  # a party's own statement (or an order) is quoted first, the report second
            for col in spec["compare"]:
                va, vb = a.get(col), b.get(col)
                if va is None or vb is None or va == vb:
                    continue
                out.append({
                    "id": f"{table}/{col}",
                    "kind": "across_sources",
                    "subject": subject(table, spec, key, col),
                    "description": (f"{col} is {va!r} in {a['source_id']} (as of {_as_of(a, as_of)}; "
                                    f"{a['speaker']}, {a['attribution']}) and {vb!r} in {b['source_id']} "
                                    f"(as of {_as_of(b, as_of)}; {b['speaker']}, {b['attribution']})"),
                    **{k: a[k] for k in ATTRIBUTION}, **{k: a[k] for k in PROV},
                    "rule": f"cross_conflicts:{table}.{col}",
                    "other_source_id": b["source_id"], "other_quote": b["quote"],
                    "other_char_start": b["char_start"], "other_char_end": b["char_end"],
                    **{f"other_{k}": b[k] for k in ATTRIBUTION},
                })
    return out


def patch_conflicts(p: Patch) -> None:
    """All cross-source conflicts again when a source was removed or added, a source's date or
    series changed, or a device's family; else those of the facts whose rows were resolved
    again, if any is of a compared table."""
    w, compared = p.writer, set(checks())
    dated = any(p.previous[s] != (d.entry.series, d.entry.as_of.isoformat() if d.entry.as_of else None)
                for s, d in p.docs.items() if s in p.previous)
    family_of = lambda out: {d["id"]: d.get("family_id") for d in out.get("devices", [])}  # noqa: E731
    if p.removed or (p.changed - set(p.previous)) or dated or family_of(p.old_out) != family_of(p.new_out):
        w.delete("conflicts", "rule LIKE 'cross_conflicts:%' AND id LIKE 'conflict/across/%'")
        rows = {t: w.select(t) for t in compared}
        rows["devices"] = w.select("devices")
        w.insert("conflicts", derive_conflicts(rows, p.all_docs, p.kb).get("conflicts", []))
    elif p.resolved_tables & compared:
        _redo_facts(w, p.old_out, p.new_out, p.all_docs, p.kb)


def _redo_facts(w: Writer, old_out: dict, new_out: dict, all_docs, kb) -> None:
    """The cross-source conflicts of the facts whose rows were resolved again (before or
    after), from every row stating those facts; a conflict's id depends on its fact alone."""
    devices = w.select("devices", "family_id IS NOT NULL")
    members = family_members(devices)
    family_of = {d["id"]: d["family_id"] for d in devices}
    only = {t: {k for out in (old_out, new_out) for r in out.get(t, []) for k in group_keys(r, spec, members)}
            for t, spec in checks().items()}
    subjects, rows = [], {"devices": devices}
    for table, facts in only.items():
        if not facts:
            continue
        spec = checks()[table]
        subjects += [subject(table, spec, k, col) for k in facts for col in spec["compare"]]
        conds, params = [], []
        for i, col in enumerate(spec["key"]):  # rows agreeing with a fact on each column (a superset)
            values = {k[i] for k in facts}
            if col == spec.get("families"):
                values |= {family_of[v] for v in values if v in family_of}
            conds.append(f"[{col}] IN ({','.join('?' * len(values))})")
            params += sorted(values, key=str)
        rows[table] = w.select(table, " AND ".join(conds), params)
    w.delete("conflicts", f"rule LIKE 'cross_conflicts:%' AND {w.where('subject', subjects)}")
    w.insert("conflicts", derive_conflicts(rows, all_docs, kb, only).get("conflicts", []))


STEP = Step("cross_conflicts", reads=(*checks(), "devices"), derives=("conflicts",), derive=derive_shared,
            patch=patch_conflicts)
