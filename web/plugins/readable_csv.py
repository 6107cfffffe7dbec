"""Datasette plugin: CSV downloads read as text, like the pages: a cell holding a source's
markup (`<b>`, `<a href="#">`, `<sup>`, `**`) is written as the text it reads
(msakb.web.pages.readable). The JSON keeps every value exactly as stored (a quote is the exact
slice of its source there).

An ASGI wrapper (Datasette's public asgi_wrapper hook) over every `.csv` response, streamed
ones included: records are cut where a line ends outside quotes, and only a record holding
markup is parsed and written again (the others go out byte for byte).

Loaded by `msakb serve` (or `datasette --plugins-dir web/plugins`).
"""

from __future__ import annotations

import codecs
import csv
import io

from datasette import hookimpl

from msakb.web.pages.readable import has_markup, plain_text


class RecordStream:
    """Text in, whole CSV records out (a record may span lines inside quotes)."""

    def __init__(self):
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.pending = ""  # lines of a record not yet ended
        self.quotes = 0  # '"' counted in `pending`

    def feed(self, data: bytes, final: bool = False) -> str:
        text = self.decoder.decode(data, final)
        lines = text.split("\n")
        out = []
        for i, line in enumerate(lines):
            last = i == len(lines) - 1
            self.pending += line if last else line + "\n"
            self.quotes += line.count('"')
            if not last and self.quotes % 2 == 0:  # a line end outside quotes: the record is whole
                out.append(readable_record(self.pending))
                self.pending, self.quotes = "", 0
        if final and self.pending:
            out.append(readable_record(self.pending))
            self.pending, self.quotes = "", 0
        return "".join(out)


def readable_record(record: str) -> str:
    """One CSV record (its line end included) with its cells' markup read as text."""
    if not has_markup(record):
        return record
    cells = next(csv.reader(io.StringIO(record)), None)
    if cells is None:
        return record
    out = io.StringIO()
    ending = "\r\n" if record.endswith("\r\n") else "\n" if record.endswith("\n") else ""
    csv.writer(out, lineterminator=ending).writerow([plain_text(c) for c in cells])
    return out.getvalue()


def readable_csv(app):
    async def wrapped(scope, receive, send):
        if scope.get("type") != "http" or not scope.get("path", "").endswith(".csv"):
            return await app(scope, receive, send)
        stream = RecordStream()
        started: dict = {}

        async def send_readable(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-length"]
                started["csv"] = message.get("status") == 200
                return await send({**message, "headers": headers})
            if message["type"] == "http.response.body" and started.get("csv"):
                more = message.get("more_body", False)
                body = stream.feed(message.get("body", b""), final=not more).encode("utf-8")
                return await send({**message, "body": body})
            return await send(message)

        return await app(scope, receive, send_readable)

    return wrapped


@hookimpl
def asgi_wrapper(datasette):
    return readable_csv
