"""The memory of a build and its worker processes, sampled from outside while it runs.

A build is several processes (db/pipeline/workers.py), so the peak of one process
(`ru_maxrss`) no longer says what the build needs. While a process runs, every SAMPLE
seconds, this sums over it and its descendants (Linux /proc): the proportional set size
(PSS: a page shared by n processes, such as the forked workers' copy of the code and the
entity pipeline, counts 1/n in each) and the resident set size (RSS: shared pages counted in
every process, an upper bound). The peaks of both sums are the figures.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

SAMPLE = 0.1
PROC = Path("/proc")


def _children(pid: int) -> list[int]:
    out = []
    for task in (PROC / str(pid) / "task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def tree(pid: int) -> list[int]:
    """`pid` and every process below it."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += _children(p)
    return out


def _kb(path: Path, field: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def usage(pid: int) -> tuple[int, int, int]:
    """(PSS, RSS) in KiB summed over `pid` and its descendants, and how many processes."""
    pids = tree(pid)
    pss = sum(_kb(PROC / str(p) / "smaps_rollup", "Pss:") for p in pids)
    rss = sum(_kb(PROC / str(p) / "status", "VmRSS:") for p in pids)
    return pss, rss, len(pids)


def available() -> bool:
    return (PROC / str(os.getpid()) / "smaps_rollup").exists()


def run_sampled(args: list[str], **kwargs) -> tuple[subprocess.CompletedProcess, dict]:
    """Run `args` to the end (like subprocess.run with captured text output), sampling its
    memory: (the completed process, {"peak_pss_mb", "peak_rss_sum_mb", "processes"})."""
    peak_pss = peak_rss = most = 0
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs) as proc:
        import threading

        out: dict[str, str] = {}

        def read(name, stream):
            out[name] = stream.read()

        readers = [threading.Thread(target=read, args=(n, s)) for n, s in (("out", proc.stdout), ("err", proc.stderr))]
        for r in readers:
            r.start()
        while proc.poll() is None:
            if available():
                pss, rss, n = usage(proc.pid)
                peak_pss, peak_rss, most = max(peak_pss, pss), max(peak_rss, rss), max(most, n)
            time.sleep(SAMPLE)
        for r in readers:
            r.join()
    done = subprocess.CompletedProcess(args, proc.returncode, out.get("out", ""), out.get("err", ""))
    return done, {"peak_pss_mb": peak_pss / 1024, "peak_rss_sum_mb": peak_rss / 1024, "processes": most}
