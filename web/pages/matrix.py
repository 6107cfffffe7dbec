"""The device × utility status heat-map: the devices most utilities speak of against the
utilities that speak of most devices (nationally, or in one state), each cell coloured by the
utility's current status for the device. Read from the build's summaries (device_summary,
utility_summary, device_utility_status), so the page costs the same whatever the corpus size."""

from __future__ import annotations

from dataclasses import replace

from msakb.web.pages.facts import rows
from msakb.web.pages.tilemap import DEVICE, shade_of

DEVICES_SHOWN, UTILITIES_SHOWN = 30, 20

TOP_DEVICES = f"""
SELECT d.id, d.name, s.utilities FROM device_summary s JOIN devices d ON d.id = s.device_id
WHERE s.utilities > 0 ORDER BY s.utilities DESC, s.device_id LIMIT {DEVICES_SHOWN}"""
TOP_DEVICES_IN_STATE = f"""
SELECT d.id, d.name, s.utilities FROM state_device_summary s JOIN devices d ON d.id = s.device_id
WHERE s.state = :state ORDER BY s.utilities DESC, s.device_id LIMIT {DEVICES_SHOWN}"""
TOP_UTILITIES = f"""
SELECT u.id, u.name, u.state, s.devices FROM utility_summary s JOIN utilities u ON u.id = s.utility_id
WHERE s.devices > 0 ORDER BY s.devices DESC, s.utility_id LIMIT {UTILITIES_SHOWN}"""
TOP_UTILITIES_IN_STATE = f"""
SELECT u.id, u.name, u.state, s.devices FROM utility_summary s JOIN utilities u ON u.id = s.utility_id
WHERE s.state = :state AND s.devices > 0 ORDER BY s.devices DESC, s.utility_id LIMIT {UTILITIES_SHOWN}"""
TOTALS = """
SELECT (SELECT count(*) FROM device_summary WHERE utilities > 0) AS devices,
       (SELECT count(*) FROM utility_summary WHERE devices > 0) AS utilities"""
TOTALS_IN_STATE = """
SELECT (SELECT count(*) FROM state_device_summary WHERE state = :state) AS devices,
       (SELECT count(*) FROM utility_summary WHERE state = :state AND devices > 0) AS utilities"""


QUERIES_IN_STATE = (TOP_DEVICES_IN_STATE, TOP_UTILITIES_IN_STATE, TOTALS_IN_STATE)
"""The statements of a state's matrix but its cells (for the benchmark's direct-SQL side)."""


async def status_matrix(db, state: str | None = None) -> dict:
    """Rows (devices), columns (utilities) and cells {device: {utility: status row}}."""
    p = {"state": state}
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
