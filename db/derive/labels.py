"""Display names that Datasette shows in place of ids (web/metadata.yaml `label_column`).

A device's `name` is its manufacturer, product and model joined ("ConnectDER IslandDER V-1-A",
"Tesla Backup Switch 1624171-xx-y"), so a link to a device reads as the device, not its slug.
It is derived from the row itself, never from a source: a post-write step.
"""

from __future__ import annotations

import sqlite3

from msakb.db.pipeline.patch_writes import Patch
from msakb.db.pipeline.step import Step


def device_names(conn: sqlite3.Connection) -> None:
    """Fill devices.name from manufacturer, product and model (skipping parts already said)."""
    rows = conn.execute("SELECT id, manufacturer, product, model FROM devices").fetchall()
    conn.executemany("UPDATE devices SET name = ? WHERE id = ?", [(device_name(*r[1:]), r[0]) for r in rows])


def device_name(manufacturer: str, product: str | None, model: str | None) -> str:
    """'ConnectDER' + 'IslandDER' + 'V-1-A'; a product that already starts with the
    manufacturer ('ConnectDER EV meter socket adapter') is not prefixed twice."""
    parts = [manufacturer]
    for part in (product, model):
        if part and part.lower() not in " ".join(parts).lower():
            parts.append(part)
    if len(parts) > 1 and parts[1].lower().startswith(manufacturer.lower()):
        parts.pop(0)
    return " ".join(parts)


def patch_names(p: Patch) -> None:
    """The names of the devices an incremental build wrote (the others kept theirs)."""
    written = p.writer.inserted.get("devices")
    if written:
        rows = p.writer.select("devices", p.writer.where("id", written))
        p.writer.db.executemany("UPDATE devices SET name = ? WHERE id = ?",
                                [(device_name(r["manufacturer"], r["product"], r["model"]), r["id"]) for r in rows])


STEP = Step("labels", reads=("devices",), writes_after=("devices.name",), post_write=device_names, patch=patch_names)
