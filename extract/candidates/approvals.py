"""Approval proposals: a device named with an approval status, for a utility. Read in a
table row (its status cell, else the words above its table), in a list item under a
lead-in or heading that approves ("The following devices are approved for use:"), or in a
sentence ("PSE&G has approved the ConnectDER EV ..."). One proposal per device named; the
scope an approval states ("approved for 200 amp residential services") is its limitation.
"""

from __future__ import annotations

from msakb.extract.candidates.cues import shapes
from msakb.extract.candidates.devices_named import approval_cue, caption_status, cell_status
from msakb.extract.candidates.statements import Statement
from msakb.extract.shared.text import Span, clean_text


def _scope(*texts: str | None) -> str | None:
    for t in texts:
        if t:
            m = shapes()["approval_scope"].search(clean_text(t))
            if m:
                return m.group("scope")
    return None


def _status(st: Statement, devices: list[dict]) -> tuple[str, str, Span, str] | None:
    """(status, cue rule, trigger span, status text as written) of a statement naming devices."""
    if st.cells:
        ranked = [st.cells[st.status_col]] if st.status_col is not None and st.status_col < len(st.cells) else []
        for cell in ranked + [c for c in st.cells if not any(c.start <= d["start"] < c.end for d in devices)]:
            found = cell_status(cell)
            if found:
                trigger = cell.strip()
                return found[0], found[1], trigger, trigger.clean().rstrip("*").strip()
        found = caption_status(([st.caption] if st.caption else []) + st.headings)
        return (found[0], found[1], found[2], found[2].raw) if found else None
    found = approval_cue(st.span.raw)
    if found:
        status, rule, m = found
        trigger = st.span.sub(m.start(), m.end())
        return status, rule, trigger, trigger.raw
    if st.shape == "item":
        if st.lead is not None:
            found = approval_cue(st.lead.raw)
            if found:
                status, rule, m = found
                trigger = st.lead.sub(m.start(), m.end())
                return status, f"lead-{rule}", trigger, trigger.raw
        found = caption_status(st.headings)
        if found:
            return found[0], found[1], found[2], found[2].raw
    return None


def approvals(ctx, st: Statement, read) -> list[dict]:
    """Approval proposals of a statement (none unless it names a device and a status)."""
    if st.shape in ("clause", "cell"):
        return []
    devices = read.devices
    if not devices:
        return []
    found = _status(st, devices)
    if found is None:
        return []
    status, cue_rule, trigger, status_text = found
    uid, support = ctx.utility(st, read, caption=True)
    if uid is None:
        return []
    scope = _scope(status_text, st.span.raw if not st.cells else None, st.lead.raw if st.lead else None,
                   st.caption.raw if st.caption else None)
    out = []
    for d in devices:
        values = {"device_id": d["alias"], "utility_id": uid, "status": status, "status_text": status_text,
                  "as_of": ctx.as_of, "limitation": scope}
        out.append(ctx.make(st, "approval", f"generic:approval:{cue_rule}", "approvals", values, trigger, status, read,
                            support, device=d, key=d["name"]))
    return out
