"""Helpers for tests that edit a copy of kb/ (keep some sources, rewrite one, re-pin hashes),
read rows of a database, and fetch pages from the Datasette `msakb serve` runs."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import yaml

from msakb.knowledge.yamlfile import dump_yaml

REPO = Path(__file__).resolve().parent.parent  # the checkout the tests belong to
KB = REPO / "kb"  # its knowledge folder (the seed corpus)
SOURCES = KB / "sources"


def manifest(kb: Path) -> dict:
    return yaml.safe_load((kb / "sources" / "manifest.yaml").read_text(encoding="utf-8"))


def write_manifest(kb: Path, data: dict) -> None:
    (kb / "sources" / "manifest.yaml").write_text(dump_yaml(data), encoding="utf-8")


def keep_sources(kb: Path, ids: list[str]) -> None:
    """Trim the manifest to the given source ids (and drop annotations of other sources)."""
    data = manifest(kb)
    data["sources"] = [s for s in data["sources"] if s["id"] in ids]
    write_manifest(kb, data)
    for ann in (kb / "annotations").glob("*.yaml"):
        doc = yaml.safe_load(ann.read_text(encoding="utf-8")) or {}
        records = [r for r in doc.get("records", []) if r.get("source", doc.get("source")) in ids]
        if not records:
            ann.unlink()
        else:
            doc["records"] = records
            ann.write_text(dump_yaml(doc), encoding="utf-8")
    for folder in ("rules", "conflicts"):  # rules and reviewed conflicts name sources' rows
        if (kb / folder).exists():
            for f in (kb / folder).glob("*"):
                f.unlink()


def rewrite_source(kb: Path, source_id: str, data: bytes, repin: bool = True) -> Path:
    """Replace a source's bytes; with repin, update its sha256 in the manifest too."""
    m = manifest(kb)
    entry = next(s for s in m["sources"] if s["id"] == source_id)
    path = kb / "sources" / entry["file"]
    path.write_bytes(data)
    if repin:
        entry["sha256"] = hashlib.sha256(data).hexdigest()
        write_manifest(kb, m)
    return path


def source_bytes(kb: Path, source_id: str) -> bytes:
    entry = next(s for s in manifest(kb)["sources"] if s["id"] == source_id)
    return (kb / "sources" / entry["file"]).read_bytes()


def rows(db, sql: str, *args) -> list[dict]:
    """A query's rows as dicts (on a connection whose row_factory is sqlite3.Row)."""
    return [dict(r) for r in db.execute(sql, args)]


def db_rows(path: Path, sql: str, *args) -> list[dict]:
    """A query's rows as dicts, from the database file at `path`."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, args)]
    finally:
        conn.close()


def datasette_pages(db: Path, web: Path, paths: list[str], then=None):
    """The HTML of each page (its query time left out) from the Datasette `msakb serve` makes
    of `db` with the web/ folder `web`; with `then`, also what `await then(datasette)` gives."""
    import re

    import msakb.web.serve as serve

    async def run():
        ds = serve.make_datasette(db)
        await ds.invoke_startup()
        out = {}
        for p in paths:
            r = await ds.client.get(p)
            assert r.status_code == 200, p
            out[p] = re.sub(r"Queries took [0-9.]+ms", "", r.text)
        return out if then is None else (out, await then(ds))

    return run_with_web(web, run)


def run_with_web(web: Path, run):
    """`asyncio.run(run())` with `msakb serve`'s Datasette made from the web/ folder `web`."""
    import asyncio

    import msakb.web.serve as serve

    before = serve.WEB
    serve.WEB = web
    try:
        return asyncio.run(run())
    finally:
        serve.WEB = before
