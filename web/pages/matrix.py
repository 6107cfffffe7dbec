"""The device × utility status heat-map: the devices most utilities speak of against the
utilities that speak of most devices (nationally, or in one state), each cell coloured by the
utility's current status for the device. Read from the build's summaries (device_summary,
utility_summary, device_utility_status), so the page costs the same whatever the corpus size."""

from __future__ import annotations

from dataclasses import replace

from markupsafe import Markup, escape

from msakb.web.pages.facts import rows
from msakb.web.pages.links import page_path
from msakb.web.pages.tilemap import DEVICE, shade_of

DEVICES_SHOWN, UTILITIES_SHOWN = 30, 20  # the matrix page
IN_STATE_PAGE = 15, 10  # the matrix on a state's page (its own page shows the full size)

TOP_DEVICES = f"""
SELECT d.id, d.name, s.utilities FROM device_summary s JOIN devices d ON d.id = s.device_id
WHERE s.utilities > 0 ORDER BY s.utilities DESC, s.device_id LIMIT {DEVICES_SHOWN}"""
TOP_DEVICES_IN_STATE = f"""
SELECT d.id, d.name, s.utilities FROM state_device_summary s JOIN devices d ON d.id = s.device_id
WHERE s.state = :state ORDER BY s.utilities DESC, s.device_id LIMIT :devices"""
TOP_UTILITIES = f"""
SELECT u.id, u.name, u.state, s.devices FROM utility_summary s JOIN utilities u ON u.id = s.utility_id
WHERE s.devices > 0 ORDER BY s.devices DESC, s.utility_id LIMIT {UTILITIES_SHOWN}"""
TOP_UTILITIES_IN_STATE = f"""
SELECT u.id, u.name, u.state, s.devices FROM utility_summary s JOIN utilities u ON u.id = s.utility_id
WHERE s.state = :state AND s.devices > 0 ORDER BY s.devices DESC, s.utility_id LIMIT :utilities"""
TOTALS = """
SELECT (SELECT count(*) FROM device_summary WHERE utilities > 0) AS devices,
       (SELECT count(*) FROM utility_summary WHERE devices > 0) AS utilities"""
TOTALS_IN_STATE = """
SELECT (SELECT count(*) FROM state_device_summary WHERE state = :state) AS devices,
       (SELECT count(*) FROM utility_summary WHERE state = :state AND devices > 0) AS utilities"""


QUERIES_IN_STATE = (TOP_DEVICES_IN_STATE, TOP_UTILITIES_IN_STATE, TOTALS_IN_STATE)
"""The statements of a state's matrix but its cells (for the benchmark's direct-SQL side)."""


async def status_matrix(db, state: str | None = None, size: tuple[int, int] = (DEVICES_SHOWN, UTILITIES_SHOWN)) -> dict:
    """Rows (devices), columns (utilities) and cells {device: {utility: status row}}: the
    `size` (devices, utilities) most spoken of."""
    p = {"state": state, "devices": size[0], "utilities": size[1]}
    devices = rows(await db.execute(TOP_DEVICES_IN_STATE if state else TOP_DEVICES, p))
    utilities = rows(await db.execute(TOP_UTILITIES_IN_STATE if state else TOP_UTILITIES, p))
    totals = rows(await db.execute(TOTALS_IN_STATE if state else TOTALS, p))[0]
    cells: dict[str, dict[str, dict]] = {}
    if devices and utilities:
        ds, us = [d["id"] for d in devices], [u["id"] for u in utilities]
        sql = (f"SELECT device_id, utility_id, status, statuses, listings, as_of FROM device_utility_status "
               f"WHERE device_id IN ({','.join('?' * len(ds))}) AND utility_id IN ({','.join('?' * len(us))})")
        for c in rows(await db.execute(sql, ds + us)):
            shade = shade_of(DEVICE, c["status"] if c["status"] in ("approved", "pilot", "under_review") else "not_approved")
            cells.setdefault(c["device_id"], {})[c["utility_id"]] = {**c, "key": shade.key,
                                                                    "label": c["statuses"].replace(",", ", ").replace("_", " ")}
    return {"state": state, "devices": devices, "utilities": utilities, "cells": cells, "totals": totals,
            "legend": [s if s.key != "none" else replace(s, label="the utility says nothing of it")
                       for s in DEVICE if s.key != "not_listed"]}


def matrix_table(m: dict) -> Markup:
    """The heat-map as an HTML table (written here, not by a Jinja loop: a cell per device and
    utility is the page's largest part), with its legend; a sentence when it is empty."""
    if not (m["devices"] and m["utilities"]):
        where = f" of {escape(m['state'])}" if m["state"] else ""
        return Markup(f'<p class="msakb-none">No utility{where} in the knowledge base states the status of a device.</p>')
    where = f" in {escape(m['state'])}" if m["state"] else ""
    out = ['<div class="msakb-matrix-wrap"><table class="msakb-matrix">',
           f"<caption>{len(m['devices'])} of {m['totals']['devices']} devices (those most utilities speak of) × "
           f"{len(m['utilities'])} of {m['totals']['utilities']} utilities (those that speak of most devices){where}; "
           "current editions</caption>", '<thead><tr><th scope="col">device</th>']
    names = [escape(u["name"]) for u in m["utilities"]]
    for u, name in zip(m["utilities"], names):
        out.append(f'<th scope="col" class="msakb-matrix-utility"><a href="{escape(page_path("utility", u["id"]))}" '
                   f'title="{name}">{name}</a></th>')
    out.append("</tr></thead><tbody>")
    for d in m["devices"]:
        out.append(f'<tr><th scope="row"><a href="{escape(page_path("device", d["id"]))}">{escape(d["name"])}</a></th>')
        cells = m["cells"].get(d["id"], {})
        for u, name in zip(m["utilities"], names):
            c = cells.get(u["id"])
            if c is None:
                out.append(f'<td class="cell cell-none" title="{name} says nothing of it">–</td>')
                continue
            listings = f"{c['listings']} listing{'s' if c['listings'] != 1 else ''}, as of {c['as_of'] or 'undated'}"
            label = escape(c["label"])
            out.append(f'<td class="cell cell-{c["key"]}" title="{name}: {label} ({escape(listings)})">{label}</td>')
        out.append("</tr>")
    out.append('</tbody></table></div><ul class="msakb-legend">')
    out += [f'<li><span class="cell cell-{s.key} swatch-cell"></span>{escape(s.label)}</li>' for s in m["legend"]]
    out.append("</ul>")
    return Markup("".join(out))
