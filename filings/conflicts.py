"""Conflicts (the `conflicts` table) on the passages a filing uses: printed beside the
statement, with the other side's citation."""

from __future__ import annotations

from msakb.filings.kb import Citations, Kb


def _overlaps(row: dict, source_id, start, end) -> bool:
    return row.get("source_id") == source_id and start is not None and row["char_start"] < end and start < row["char_end"]


def conflicts_of(kb: Kb, cites: Citations, rows: list[dict]) -> list[dict]:
    """The conflicts whose either side overlaps one of the rows' passages:
    [{description, fn}] (fn cites the side the rows do not)."""
    out = []
    for k in kb.conflicts():
        for r in rows:
            mine = _overlaps(r, k["source_id"], k["char_start"], k["char_end"])
            theirs = _overlaps(r, k.get("other_source_id"), k.get("other_char_start"), k.get("other_char_end"))
            if not (mine or theirs):
                continue
            if mine and not k.get("other_source_id"):
                other = None  # a conflict with one side only: nothing else to cite
            else:
                other = ({"source_id": k["other_source_id"], "quote": k["other_quote"],
                          "char_start": k["other_char_start"], "char_end": k["other_char_end"]} if mine else k)
            out.append({"description": k["description"], "subject": k["subject"], "fn": cites.add(other) if other else ""})
            break
    return out
