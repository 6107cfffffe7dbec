"""The labelled measure of the generic extractor: `python -m bench.labelled [--out DIR]`.

tests/labelled/ holds documents written for this measure in the shapes utilities and
legislatures publish (an approved-devices page listing models by number, a later edition
of it, a utility's stance on meter collars, two statutes, a fee and timeline page, an
eligibility page), each with the facts a careful reader marks (`<name>.labels.yaml`,
format in tests/labelled/README.md). They are added to a copy of the seed corpus with
`msakb add` (as `--kind generic`: no dedicated parser reads them), the copy is built, and
each marked fact is looked for among the candidates of its document:

- recall: marked facts proposed as a whole-statement candidate (its quote is the marked
  statement) in the marked table, with every marked value;
- precision: candidates of the labelled documents that are a marked fact;
- devices: marked approvals of a device the knowledge base knows, proposed with its id.

tests/test_labelled.py holds the floors; the benchmark prints the figures (RESULTS.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sqlite3
import tempfile
from pathlib import Path

import yaml

from bench import KB, REPO

LABELLED = REPO / "tests" / "labelled"


def load_labelled(folder: Path = LABELLED) -> list[dict]:
    """[{file, source: {msakb add options}, facts: [...]}], one per labelled document."""
    out = []
    for labels in sorted(folder.glob("*.labels.yaml")):
        data = yaml.safe_load(labels.read_text(encoding="utf-8"))
        doc = labels.with_name(labels.name[: -len(".labels.yaml")] + ".txt")
        if not doc.exists():
            raise FileNotFoundError(f"{labels}: no document {doc.name} beside it")
        out.append({"file": doc, "source": data["source"], "facts": data.get("facts") or []})
    return out


def add_labelled(kb: Path, labelled: list[dict]) -> None:
    """Add each labelled document to the knowledge folder `kb` as `msakb add` does."""
    from msakb.knowledge.intake import add_source

    for item in labelled:
        s = item["source"]
        as_of = s.get("as_of")
        add_source(item["file"], kb, publisher=s["publisher"], jurisdiction=s["jurisdiction"], kind="generic",
                   as_of=as_of if isinstance(as_of, dt.date) or as_of is None else dt.date.fromisoformat(as_of),
                   url=s.get("url"), title=s.get("title"), utility=s.get("utility"), source_id=s["id"],
                   voice=s.get("voice"), speaker=s.get("speaker"))


def build_labelled(work: Path, labelled: list[dict], seed: Path = KB) -> tuple[Path, Path]:
    """A copy of the seed corpus with the labelled documents added, built: (kb, db)."""
    from msakb.db.pipeline.builder import build

    kb = work / "kb"
    shutil.copytree(seed, kb)
    add_labelled(kb, labelled)
    db = work / "labelled.db"
    build(db, kb)
    return kb, db


def _matches(fact: dict, c: dict) -> bool:
    if c["table_name"] != fact["table"] or c["quote"] != fact["quote"]:
        return False
    proposed = json.loads(c["proposed"])
    if any(proposed.get(k) != (v.isoformat() if isinstance(v, dt.date) else v) for k, v in (fact.get("values") or {}).items()):
        return False
    if "parts" in fact and len(json.loads(c["fields"] or "{}").get("parts", [])) != fact["parts"]:
        return False
    new = fact.get("new_device")
    if new:
        rows = [s["values"] for s in json.loads(c["support"] or "[]") if s["table"] == "devices"]
        if not any(all(r.get(k) == v for k, v in new.items()) for r in rows):
            return False
    return True


def score(db: Path, labelled: list[dict]) -> dict:
    """Per document and in all: marked, proposed (recall), candidates, true (precision), and
    the known devices' approvals proposed with their id; and the facts missed."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        known = {i for (i,) in conn.execute("SELECT id FROM devices WHERE rule NOT LIKE 'generic:%'")}
        docs, missed, spurious = {}, [], []
        for item in labelled:
            sid = item["source"]["id"]
            cands = [dict(r) for r in conn.execute(
                "SELECT * FROM candidates WHERE source_id = ? AND status != 'rejected' ORDER BY char_start", (sid,))]
            found = [f for f in item["facts"] if any(_matches(f, c) for c in cands)]
            true = [c for c in cands if any(_matches(f, c) for f in item["facts"])]
            dev = [f for f in item["facts"] if f["table"] == "approvals" and (f.get("values") or {}).get("device_id") in known]
            docs[sid] = {"marked": len(item["facts"]), "proposed": len(found), "candidates": len(cands), "true": len(true),
                         "known_device_approvals": len(dev), "with_device_id": sum(1 for f in dev if f in found)}
            missed += [{"source": sid, "table": f["table"], "quote": f["quote"]} for f in item["facts"] if f not in found]
            spurious += [{"source": sid, "table": c["table_name"], "quote": c["quote"]} for c in cands if c not in true]
    finally:
        conn.close()
    total = {k: sum(d[k] for d in docs.values()) for k in next(iter(docs.values()))} if docs else {}
    return {"documents": docs, "total": total, "missed": missed, "spurious": spurious,
            "recall": total["proposed"] / total["marked"] if total.get("marked") else 0.0,
            "precision": total["true"] / total["candidates"] if total.get("candidates") else 0.0,
            "devices": (total["with_device_id"] / total["known_device_approvals"]
                        if total.get("known_device_approvals") else 1.0)}


def measure(work: Path | None = None) -> dict:
    labelled = load_labelled()
    with tempfile.TemporaryDirectory() as tmp:
        _, db = build_labelled(Path(work or tmp), labelled)
        return score(db, labelled)


def report(result: dict) -> list[str]:
    """The figures as Markdown lines (RESULTS.md and the command's output)."""
    lines = ["| document | marked facts | proposed (recall) | candidates | a marked fact (precision) | known devices' approvals with their id |",
             "|---|---:|---:|---:|---:|---:|"]
    for sid, d in result["documents"].items():
        lines.append(f"| {sid} | {d['marked']} | {d['proposed']} | {d['candidates']} | {d['true']} | "
                     f"{d['with_device_id']}/{d['known_device_approvals']} |")
    t = result["total"]
    lines.append(f"| all | {t['marked']} | {t['proposed']} ({result['recall']:.0%}) | {t['candidates']} | "
                 f"{t['true']} ({result['precision']:.0%}) | {t['with_device_id']}/{t['known_device_approvals']} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.labelled", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, help="keep the built knowledge folder and database here (an empty folder)")
    ap.add_argument("--misses", action="store_true", help="also list the marked facts not proposed and the candidates that are none")
    args = ap.parse_args(argv)
    result = measure(args.out)
    print("\n".join(report(result)))
    if args.misses:
        for m in result["missed"]:
            print(f"missed    {m['source']}  {m['table']}: {m['quote']!r}")
        for m in result["spurious"]:
            print(f"spurious  {m['source']}  {m['table']}: {m['quote']!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
