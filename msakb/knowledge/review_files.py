"""What an accepted candidate leaves in the knowledge folder: its fact (and the mentions of
the device or utility it names) in kb/annotations/review-<source>.yaml, with the rule that
proposed it and the candidate's id; and the disagreements with other sources that only
review found, in kb/conflicts/review-<source>.yaml (read by db/derive/reviewed_conflicts.py),
both quotes exact. Each file is written once per batch, atomically."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from msakb.knowledge.decisions import ReviewError, write_yaml
from msakb.knowledge.yamlfile import load_yaml

_ANNOTATIONS_HEADER = "# Facts accepted in review (msakb review accept); format: msakb/knowledge/annotations.py.\n"
_CONFLICTS_HEADER = ("# Disagreements with other sources found when a candidate was accepted (msakb review accept);\n"
                     "# format: db/derive/reviewed_conflicts.py.\n")


def annotation_path(kb: Path, source: str) -> Path:
    return Path(kb) / "annotations" / f"review-{source}.yaml"


def conflicts_path(kb: Path, source: str) -> Path:
    return Path(kb) / "conflicts" / f"review-{source}.yaml"


def _occurrence(text: str, quote: str, start: int) -> int | None:
    """Which occurrence of `quote` in `text` starts at `start` (None when it is the only one)."""
    n, i, found = 0, text.find(quote), None
    while i >= 0:
        n += 1
        if i == start:
            found = n
        i = text.find(quote, i + 1)
    if found is None:
        raise ReviewError(f"quote {quote[:50]!r} is not at offset {start} of its source: rebuild the database")
    return None if n == 1 else found


def _load(path: Path) -> dict:
    """An annotation or reviewed-conflicts file as written (through the one loader: plain data,
    no aliases or duplicate keys); the build validates it by its model."""
    return (load_yaml(path).data if path.exists() else None) or {}


def _record(c: dict, text: str, table: str, values: dict, start: int, end: int, mention: bool = False) -> dict:
    quote = text[start:end]
    r = {"table": table, "quote": quote}
    occ = _occurrence(text, quote, start)
    if occ is not None:
        r["occurrence"] = occ
    r.update({"rule": c["rule"], "candidate": c["id"]})
    if mention:
        r["mention"] = True
    r["values"] = values
    return r


def _conflict(c: dict, n: int, found: dict, text: str, other_text: str) -> dict:
    out = {"id": f"review-{c['id']}-{n}", "subject": found["subject"],
           "description": (f"{found['field']} is {found['proposed']} in {c['source_id']} and {found['existing']} "
                           f"in {found['other_source_id']} ({found['rule']})"),
           "source": c["source_id"], "quote": c["quote"]}
    occ = _occurrence(text, c["quote"], c["char_start"])
    if occ is not None:
        out["occurrence"] = occ
    out.update({"other_source": found["other_source_id"], "other_quote": found["other_quote"]})
    occ = _occurrence(other_text, found["other_quote"], found["other_char_start"])
    if occ is not None:
        out["other_occurrence"] = occ
    return out


def write_accepted(kb: Path, accepted: list[tuple[dict, str, dict, list[dict]]], texts: dict[str, str]) -> None:
    """(candidate, table, values, conflicts found by review) of each accepted candidate ->
    the annotation files and conflict files of their sources (`texts`: the text of every
    source named, to number a quote that occurs more than once)."""
    by_source = defaultdict(list)
    for item in accepted:
        by_source[item[0]["source_id"]].append(item)
    for source, items in by_source.items():
        text = texts[source]
        ids = {c["id"] for c, *_ in items}
        path = annotation_path(kb, source)
        data = _load(path) or {"source": source, "reviewed_by": "msakb review", "records": []}
        records = [r for r in data.get("records") or [] if r.get("candidate") not in ids]
        for c, table, values, _ in items:
            for s in c["support"]:
                records.append(_record(c, text, s["table"], s["values"], s["char_start"], s["char_end"], mention=True))
            records.append(_record(c, text, table, values, c["char_start"], c["char_end"]))
        data["records"] = records
        write_yaml(path, data, _ANNOTATIONS_HEADER)
        found = [(c, x) for c, _, _, xs in items for x in xs]
        path = conflicts_path(kb, source)
        data = _load(path) or {"reviewed_by": "msakb review", "conflicts": []}
        kept = [x for x in data.get("conflicts") or [] if not any(x["id"].startswith(f"review-{i}-") for i in ids)]
        numbers: dict[str, int] = defaultdict(int)
        for c, x in found:
            numbers[c["id"]] += 1
            kept.append(_conflict(c, numbers[c["id"]], x, text, texts[x["other_source_id"]]))
        if kept:
            write_yaml(path, {"reviewed_by": data.get("reviewed_by", "msakb review"), "conflicts": kept}, _CONFLICTS_HEADER)
        elif path.exists():
            path.unlink()


def drop_accepted(kb: Path, c: dict) -> None:
    """Take a candidate's fact (and the conflicts recorded with it) back out of the knowledge folder."""
    path = annotation_path(kb, c["source_id"])
    if path.exists():
        data = _load(path)
        data["records"] = [r for r in data.get("records") or [] if r.get("candidate") != c["id"]]
        if data["records"]:
            write_yaml(path, data, _ANNOTATIONS_HEADER)
        else:
            path.unlink()
    path = conflicts_path(kb, c["source_id"])
    if path.exists():
        data = _load(path)
        data["conflicts"] = [x for x in data.get("conflicts") or [] if not x["id"].startswith(f"review-{c['id']}-")]
        if data["conflicts"]:
            write_yaml(path, data, _CONFLICTS_HEADER)
        else:
            path.unlink()
