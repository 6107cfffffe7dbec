"""Helpers for tests that run the real `msakb serve` on a free loopback port."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

MSAKB = str(Path(sys.executable).with_name("msakb"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`msakb serve` in a subprocess; its stdout and stderr go to a log file (a pipe nobody
    reads would fill up and stall the server)."""

    def __init__(self, db: Path, log: Path, *extra: str, port: int | None = None):
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(
                [MSAKB, "serve", "--db", str(db), "--port", str(self.port), *extra],
                stdout=out, stderr=subprocess.STDOUT,
            )

    def wait_ready(self, timeout: float = 120) -> "Server":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"msakb serve exited with {self.proc.returncode}:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(f"{self.base}/-/versions.json", timeout=2):
                    return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.2)
        self.stop()
        raise AssertionError(f"msakb serve did not answer within {timeout}s:\n{self.log_text()}")

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def json(self, path: str):
        status, body = self.get(path)
        assert status == 200, f"GET {path}: HTTP {status}: {body[:500]!r}"
        return json.loads(body)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def serve_copy(built_db: Path, folder: Path) -> tuple[Server, Path]:
    """A started `msakb serve` of a copy of the built database in `folder` (its log beside it):
    (the server, the copy)."""
    import shutil

    db = folder / "msakb.db"
    shutil.copy(built_db, db)
    return Server(db, folder / "serve.log").wait_ready(), db
