"""What the hostile-input tests share: a one-source knowledge folder built once, the CLI run
in-process, the check that a failure is one line with the database untouched, and children
that run the CLI where root could write (as `nobody`) or with a tiny file-size limit."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import signal
import sqlite3
import tempfile
from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner

from msakb.cli import cli
from tests.kbtools import KB, keep_sources

SCE_LIST = "sce-approved-products-2026-04-12"
SCE_FILE = "000_2cdca2325650259a.txt"


def make_one_source_kb(dest: Path) -> Path:
    """A knowledge folder with SCE's approved list only (builds in well under a second)."""
    shutil.copytree(KB, dest)
    keep_sources(dest, [SCE_LIST])
    return dest


def invoke(*args, env: dict | None = None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, prog_name="msakb")


def digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def one_line(result, exit_code: int = 1) -> str:
    """The one error line of a failed command (asserting there is exactly one, and no traceback)."""
    assert result.exit_code == exit_code, (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [ln for ln in result.output.splitlines() if ln.strip() and not ln.startswith("warning: ")
             and not ln.startswith(("knowledge folder:", "full build:", "["))]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def temp_files(folder: Path) -> list[str]:
    """Temporary files a write may leave beside its target."""
    return sorted(p.name for p in Path(folder).iterdir() if ".tmp" in p.name)


def table_dump(db: Path) -> dict:
    """Every row of every table but build_info, for comparing two builds."""
    conn = sqlite3.connect(db)
    try:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                              "AND name NOT LIKE '%fts%' AND name != 'build_info' ORDER BY name")]
        return {t: sorted(map(repr, conn.execute(f"SELECT * FROM [{t}]"))) for t in tables}
    finally:
        conn.close()


def world_readable_dir() -> Path:
    """A new folder under /tmp that another user can enter (pytest's own are 0700)."""
    d = Path(tempfile.mkdtemp(prefix="msakb-hostile-", dir="/tmp"))
    d.chmod(0o755)
    return d


def open_up(folder: Path) -> None:
    """Make every file under `folder` readable (and its folders enterable) by anyone."""
    for root, dirs, files in os.walk(folder):
        os.chmod(root, 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)


def in_child(fn, *, as_nobody: bool = False, file_size_limit: int | None = None):
    """fn()'s (exit code, output) computed in a forked child: as the user `nobody` when the
    tests run as root (so a 0555 folder is read-only to it, as to any user), and/or with
    RLIMIT_FSIZE (a write past it fails as on a full disk)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(r)
            if as_nobody and os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            if file_size_limit is not None:
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))
            result = fn()
            payload = [result.exit_code, result.output, repr(result.exception)]
        except BaseException as e:  # noqa: BLE001
            payload = [-1, f"child failed: {e!r}", ""]
        os.write(w, json.dumps(payload).encode())
        os._exit(0)
    os.close(w)
    chunks = []
    while chunk := os.read(r, 1 << 16):
        chunks.append(chunk)
    os.close(r)
    os.waitpid(pid, 0)
    return json.loads(b"".join(chunks))


@contextmanager
def alarm(seconds: int):
    """Fail instead of hanging (a FIFO read would block forever)."""
    def ring(signum, frame):
        raise TimeoutError(f"still running after {seconds}s")

    old = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
