"""`msakb bench`."""

from pathlib import Path

import click

from msakb.cli import cli


@cli.command()
@click.option("--sizes", default="seeds,100,1000,10000", show_default=True,
              help="Corpus sizes in documents, comma-separated; 'seeds' is the real kb/.")
@click.option("--repeat", default=30, show_default=True, type=click.IntRange(1), help="Requests per page for the latency figures.")
@click.option("--out", "out", default=Path("/tmp/msakb-bench"), show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Working folder for the corpora and databases.")
@click.option("--results", default=Path(__file__).resolve().parents[2] / "bench" / "RESULTS.md", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path), help="The Markdown report to write (a PNG plot goes beside it).")
def bench(sizes: str, repeat: int, out: Path, results: Path):
    """Measure build, incremental build, load, Datasette queries, filings and memory on a
    synthetic corpus of each size, and write the figures to bench/RESULTS.md with a plot.

    Example:

        msakb bench --sizes seeds,100,1000 --repeat 20
    """
    from bench.run import PLOT, parse_sizes, run_bench

    try:
        size_list = parse_sizes(sizes)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--sizes") from None
    run_bench(size_list, repeat, out, results, results.with_name(PLOT.name),
              command=f"msakb bench --sizes {sizes} --repeat {repeat}", progress=lambda s: click.echo(s, err=True))
