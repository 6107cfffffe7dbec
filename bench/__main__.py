"""`python -m bench [--sizes seeds,100,1000,10000] [--repeat 30] [--out DIR]`: the benchmark
(also `msakb bench`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .run import PLOT, RESULTS, parse_sizes, run_bench

DEFAULT_SIZES = "seeds,100,1000,10000"
DEFAULT_OUT = Path("/tmp/msakb-bench")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    ap.add_argument("--sizes", default=DEFAULT_SIZES, help=f"corpus sizes, comma-separated (default {DEFAULT_SIZES})")
    ap.add_argument("--repeat", type=int, default=30, help="requests per page for the latency figures (default 30)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"working folder for corpora and databases (default {DEFAULT_OUT})")
    ap.add_argument("--results", type=Path, default=RESULTS, help="the Markdown report to write (default bench/RESULTS.md)")
    ap.add_argument("--from-json", type=Path, help="only write the report again from a results.json of an earlier run")
    args = ap.parse_args(argv)
    if args.from_json:
        import json

        from .report import write_report

        write_report(json.loads(args.from_json.read_text(encoding="utf-8")), args.results, args.results.with_name(PLOT.name))
        return 0
    try:
        sizes = parse_sizes(args.sizes)
    except ValueError as e:
        ap.error(str(e))
    cmd = "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])
    run_bench(sizes, args.repeat, args.out, args.results, args.results.with_name(PLOT.name), command=cmd.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
