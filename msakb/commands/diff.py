"""`msakb diff`: what changed between two editions of an approved list."""

from __future__ import annotations

import json
from pathlib import Path

import click

from msakb.commands.shared import db_option, run


@click.command()
@db_option
@click.argument("source_a")
@click.argument("source_b")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
def diff(db_path: Path, source_a: str, source_b: str, as_json: bool):
    """Devices added, removed and changed status from SOURCE_A (older) to SOURCE_B (newer).

    Both are source ids (sources table); each change is quoted from both editions. Editions
    of one list (same publisher, kind and utility, different as_of) are also compared at build
    time, into the approval_changes table.

    Example (with an older edition of SCE's list added to the manifest):

    \b
        msakb diff sce-approved-products-2025-10-01 sce-approved-products-2026-04-12
    """
    from msakb.db.query.editions import diff as do_diff

    changes = run(do_diff, db_path, source_a, source_b)
    if as_json:
        click.echo(json.dumps(changes, indent=2))
        return
    click.echo(render(changes, source_a, source_b))


def render(changes: list[dict], a: str, b: str) -> str:
    if not changes:
        return f"no approval changes from {a} to {b}"
    head = ("change", "device", "technology", "old status", "new status")
    rows = [(c["change"], c["device_id"], c["technology"] or "", c["old_status"] or "", c["new_status"] or "")
            for c in changes]
    widths = [max(len(x[i]) for x in (head, *rows)) for i in range(len(head))]
    fmt = lambda x: "  ".join(s.ljust(w) for s, w in zip(x, widths)).rstrip()  # noqa: E731
    out = [fmt(head), fmt(tuple("-" * w for w in widths))] + [fmt(x) for x in rows]
    for c in changes:
        out.append("")
        out.append(f"{c['change']} {c['device_id']}:")
        old = (c["quote"], c["source_id"]) if c["change"] == "removed" else (c["other_quote"], c["other_source_id"])
        new = (c["quote"], c["source_id"]) if c["change"] != "removed" else (None, None)
        if old[0]:
            out.append(f"  old, {old[1]}: \"{old[0]}\"")
        if new[0]:
            out.append(f"  new, {new[1]}: \"{new[0]}\"")
    return "\n".join(out)
