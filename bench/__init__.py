"""The benchmark: a synthetic national-size corpus (bench.generate) and the measurements of
build, incremental build, load, Datasette queries, filings and memory against baselines
(`python -m bench`, or `msakb bench`). Results go to bench/RESULTS.md and bench/results.png."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent  # the checkout the benchmark measures
KB = REPO / "kb"  # its seed corpus
