"""The benchmark records the memory of a build's processes together (bench/memory.py): the
peak is a figure of bench/RESULTS.md, never asserted here (timing and memory targets live in
the benchmark)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from bench import memory
from bench.measure import child_build
from tests.kbtools import KB

pytestmark = pytest.mark.skipif(not memory.available(), reason="needs Linux /proc (smaps_rollup)")


def test_a_process_tree_is_summed():
    child = subprocess.Popen([sys.executable, "-c", "import subprocess, sys, time; "
                              "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)']); "
                              "print(p.pid, flush=True); time.sleep(30)"], stdout=subprocess.PIPE, text=True)
    grandchild = int(child.stdout.readline())
    try:
        assert memory.tree(child.pid) == [child.pid, grandchild]
        pss, rss, n = memory.usage(child.pid)
        assert n == 2 and 0 < pss <= rss
        assert memory.usage(os.getpid())[2] >= 3  # this process, the child and its child
    finally:
        os.kill(grandchild, signal.SIGKILL)
        child.kill()
        child.wait()


def test_a_build_with_workers_is_measured_as_all_its_processes(tmp_path):
    got = child_build(KB, tmp_path / "kb.db", workers=2, bare=True)
    assert got["workers"] == 2 and got["processes"] == 3  # the build and its two workers
    assert 0 < got["peak_pss_mb"] <= got["peak_rss_sum_mb"]
    assert got["peak_rss_mb"] > 0 and got["worker_peak_rss_mb"] > 0 and got["bare_executemany"] > 0
    assert got["counts"]["approvals"] == 16
    assert got["workers:parse"] > 0 and got["cpu:workers:parse"] > 0 and got["write"] > 0
