"""The history of approved lists: editions, what changed between them, and "current" views.

Editions are sources with the same `series` (publisher, kind, utility) and different
`as_of`. Between consecutive editions the step derives `approval_changes` rows: a device
added, removed, or whose status changed, with the quotes of both editions. After the rows are written it
creates views over the newest edition of every series (`current_sources`,
`current_approvals`, ...) and checks the older side's quotes of every change.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from pathlib import Path

from msakb.db.pipeline.patch_writes import Patch, marks
from msakb.db.pipeline.step import Step
from msakb.errors import ProvenanceError
from msakb.extract.shared.records import slug

PROV = ("source_id", "quote", "char_start", "char_end", "rule")
ATTRIBUTION = ("voice", "speaker", "attribution")  # a change is stated by the edition it quotes
CURRENT_TABLES = ("approvals", "restrictions", "specs", "required_devices", "panel_models", "fees", "faqs")


def _key(a: dict) -> tuple:
    return a["utility_id"], a["device_id"], a.get("technology")


def _listings(rows: list[dict]) -> dict[tuple, dict]:
    """An edition's approvals by key, in the order of its text: where it lists a device twice,
    its first listing. Whatever order the rows come in (an incremental build writes the rows
    it resolves again after the others), the same row stands for the key."""
    out: dict[tuple, dict] = {}
    for a in sorted(rows, key=lambda a: (a["char_start"], a["char_end"], a["id"])):
        out.setdefault(_key(a), a)
    return out


def _pair(old: list[dict], new: list[dict]) -> tuple[list[tuple[dict, dict]], list[dict], list[dict]]:
    """Match approvals of two editions: by (utility, device, technology), then by (utility,
    device) where each side has exactly one left. Returns (pairs, only_old, only_new)."""
    old_by, new_by = _listings(old), _listings(new)
    pairs = [(old_by.pop(k), new_by.pop(k)) for k in list(old_by) if k in new_by]
    by_dev_old, by_dev_new = defaultdict(list), defaultdict(list)
    for k, a in old_by.items():
        by_dev_old[k[:2]].append(k)
    for k, a in new_by.items():
        by_dev_new[k[:2]].append(k)
    for dev, ks in by_dev_old.items():
        if len(ks) == 1 and len(by_dev_new.get(dev, [])) == 1:
            pairs.append((old_by.pop(ks[0]), new_by.pop(by_dev_new[dev][0])))
    return pairs, list(old_by.values()), list(new_by.values())


def compare(old: list[dict], new: list[dict], old_src: dict, new_src: dict, series: str) -> list[dict]:
    """The approval_changes rows between two editions (`old`/`new`: their approval rows;
    `*_src`: {id, as_of})."""
    pairs, removed, added = _pair(old, new)
    out = []

    def row(change: str, a: dict, mine: dict, other: dict | None, old_a: dict | None, new_a: dict | None) -> dict:
        return {
            "id": f"approval_changes/{new_src['id']}/{change}/{slug(a['device_id'], a.get('technology') or '')}",
            "series": series, "change": change, "device_id": a["device_id"], "utility_id": a["utility_id"],
            "state": a.get("state"), "technology": a.get("technology"), "old_source_id": old_src["id"], "new_source_id": new_src["id"],
            "old_as_of": old_src["as_of"], "new_as_of": new_src["as_of"],
            "old_status": old_a and old_a["status"], "new_status": new_a and new_a["status"],
            "old_status_text": old_a and old_a["status_text"], "new_status_text": new_a and new_a["status_text"],
            **{k: mine[k] for k in ATTRIBUTION}, **{k: mine[k] for k in PROV},
            "other_source_id": other and other["source_id"], "other_quote": other and other["quote"],
            "other_char_start": other and other["char_start"], "other_char_end": other and other["char_end"],
        }

    for a in added:
        out.append(row("added", a, a, None, None, a))
    for a in removed:
        out.append(row("removed", a, a, None, a, None))
    for o, n in pairs:
        if o["status"] != n["status"]:
            out.append(row("status_changed", n, n, o, o, n))
    order = {"added": 0, "removed": 1, "status_changed": 2}
    return sorted(out, key=lambda r: (order[r["change"]], r["device_id"], r["technology"] or ""))


def editions(docs) -> dict[str, list]:
    """Series with two or more dated editions -> their docs, oldest first. Undated sources
    cannot be ordered and take no part in a history."""
    by_series = defaultdict(list)
    for d in docs:
        if d.entry.as_of is not None:
            by_series[d.entry.series].append(d)
    return {s: sorted(ds, key=lambda d: d.entry.as_of) for s, ds in by_series.items() if len(ds) > 1}


def derive_changes(rows: dict[str, list[dict]], docs, kb: Path) -> dict[str, list[dict]]:
    """approval_changes between consecutive editions of every series."""
    by_source = defaultdict(list)
    for a in rows.get("approvals", []):
        by_source[a["source_id"]].append(a)
    out = []
    for series, ds in editions(docs).items():
        for old, new in zip(ds, ds[1:]):
            src = lambda d: {"id": d.id, "as_of": d.entry.as_of.isoformat()}  # noqa: E731
            out += compare(by_source[old.id], by_source[new.id], src(old), src(new), series)
    return {"approval_changes": out} if out else {}


_CURRENT_SOURCES = """
CREATE VIEW current_sources AS
SELECT s.id, s.title, s.publisher, s.kind, s.utility_id, s.series, s.as_of, s.url
FROM sources s
WHERE NOT EXISTS (
  SELECT 1 FROM sources n
  WHERE n.series = s.series AND n.id != s.id AND n.as_of IS NOT NULL
    AND (s.as_of IS NULL OR n.as_of > s.as_of)
)"""


def current_views(conn: sqlite3.Connection) -> None:
    """Post-write: views over the newest edition of each series; the older side of every
    approval change checked against its source."""
    conn.execute(_CURRENT_SOURCES)
    have = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table in CURRENT_TABLES:
        if table in have:
            conn.execute(
                f"CREATE VIEW current_{table} AS SELECT t.* FROM [{table}] t "
                f"WHERE t.source_id IN (SELECT id FROM current_sources)"
            )
    texts = dict(conn.execute("SELECT id, text FROM sources"))
    for rid, sid, quote, a, b in conn.execute(
        "SELECT id, other_source_id, other_quote, other_char_start, other_char_end FROM approval_changes "
        "WHERE other_source_id IS NOT NULL"
    ):
        if texts.get(sid, "")[a:b] != quote:
            raise ProvenanceError(f"approval_changes row {rid!r}: other_quote is not source {sid!r}[{a}:{b}]")


def patch_history(p: Patch) -> None:
    """The changes within every series a changed source, or a source whose approvals were
    resolved again, belongs (or belonged) to. The views stand in the copy as they are; the
    older side of a change is checked as it is written (db/pipeline/patch_writes.py)."""
    srcs = p.changed | p.removed | {r["source_id"] for out in (p.old_out, p.new_out) for r in out.get("approvals", [])}
    series = ({p.index["series"][s] for s in srcs if s in p.index["series"]}
              | {p.docs[s].entry.series for s in srcs if s in p.docs})
    if not series:
        return
    p.writer.delete("approval_changes", f"series IN ({marks(series)})", sorted(series))
    editions = [d for d in p.all_docs if d.entry.series in series]
    rows = {"approvals": p.of_sources("approvals", [d.id for d in editions])} if editions else {}
    p.writer.insert("approval_changes", derive_changes(rows, editions, p.kb).get("approval_changes", []))


STEP = Step("history", reads=("sources", "approvals", *CURRENT_TABLES), derives=("approval_changes",),
            derive=derive_changes, writes_after=("current_sources", *(f"current_{t}" for t in CURRENT_TABLES)),
            post_write=current_views, patch=patch_history)
