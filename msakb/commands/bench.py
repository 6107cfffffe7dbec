"""`msakb bench`: the benchmark, which lives in a checkout's bench/ (it is not installed)."""

from __future__ import annotations

import importlib.util
import sys
from importlib.resources import files
from pathlib import Path

import click

from msakb.commands.shared import CliError


def checkout() -> Path | None:
    """The repository an editable install points at, when it has the benchmark."""
    root = Path(str(files("msakb"))).parent
    return root if (root / "bench" / "__init__.py").is_file() else None


@click.command()
@click.option("--sizes", default="seeds,100,1000,10000", show_default=True,
              help="Corpus sizes in documents, comma-separated; 'seeds' is the knowledge folder's own corpus.")
@click.option("--repeat", default=30, show_default=True, type=click.IntRange(1), help="Requests per page for the latency figures.")
@click.option("--out", "out", default=Path("/tmp/msakb-bench"), show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Working folder for the corpora and databases.")
@click.option("--results", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="The Markdown report to write (a PNG plot goes beside it). Default: bench/RESULTS.md of the checkout.")
def bench(sizes: str, repeat: int, out: Path, results: Path | None):
    """Measure build, incremental build, load, Datasette queries, filings and memory on a
    synthetic corpus of each size, and write the figures to bench/RESULTS.md with a plot.

    The benchmark is part of the repository, not of the installed package: run it from a
    checkout installed with `pip install -e '.[bench]'`.

    Example:

        msakb bench --sizes seeds,100,1000 --repeat 20
    """
    root = checkout()
    if root is None:
        raise CliError("msakb bench measures a checkout of the msakb repository, and this msakb is installed "
                       "without one: clone the repository, run `pip install -e '.[bench]'` in it, then `msakb bench` there")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))  # the checkout's bench/ package
    from bench.run import PLOT, parse_sizes, run_bench

    try:  # a usage error first, whatever else is missing
        size_list = parse_sizes(sizes)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--sizes") from None
    if importlib.util.find_spec("matplotlib") is None:
        raise CliError("msakb bench draws its plot with matplotlib, which is not installed: "
                       "run `pip install -e '.[bench]'` in the checkout (or `pip install matplotlib`)")
    results = results or root / "bench" / "RESULTS.md"
    run_bench(size_list, repeat, out, results, results.with_name(PLOT.name),
              command=f"msakb bench --sizes {sizes} --repeat {repeat}", progress=lambda s: click.echo(s, err=True))
