"""The record cache's JSON (db/pipeline/records_json.py): what it writes reads back as the
values written, and the shortcut for plain records writes what the general way writes."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from msakb.db.pipeline import records_json
from msakb.extract.shared.records import SourceDoc

TEXT = "Approved: the IQ Meter Collar, 200 A, since 2026-04-12."
DOC = SourceDoc("s", TEXT, None)
RECORDS = [
    DOC.record("devices", {"id": "iq", "name": "IQ Meter Collar", "amps": 200, "listed": True, "note": None},
               DOC.span(14, 29), "t:iq"),
    DOC.record("specs", {"id": "iq/amps", "value": 200.0, "unit": "A"}, DOC.span(31, 36), "t:amps", mention=True),
    DOC.record("specs", {"id": "iq/odd", "value": math.inf, "$tag": "x"}, DOC.span(31, 36), "t:odd"),
    DOC.record("specs", {"id": "iq/more", "parts": ["a", 2], 3: "three", "since": dt.date(2026, 4, 12)},
               DOC.span(38, 54), "t:more"),
]


@pytest.mark.parametrize("record", RECORDS, ids=["plain", "float", "inf-and-tag", "nested"])
def test_a_record_reads_back_as_written(record):
    data = records_json.dumps([record, (1, "x")], TEXT)
    assert records_json.loads(data, TEXT) == [record, (1, "x")]


def test_plain_records_are_written_as_the_general_way_writes_them(monkeypatch):
    fast = records_json.dumps(RECORDS[:2], TEXT)
    monkeypatch.setattr(records_json, "_plain_values", lambda d: False)
    assert records_json.dumps(RECORDS[:2], TEXT) == fast
