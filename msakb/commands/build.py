"""`msakb build`."""

import os
from pathlib import Path

import click

from msakb.commands.shared import db_option, kb_option, run


@click.command()
@db_option
@kb_option
@click.option("--quiet", "-q", is_flag=True, help="No progress lines, only warnings and errors.")
@click.option("--workers", type=click.IntRange(min=1), default=None, metavar="N",
              help="Processes that parse sources in a full build (default: one per core, here "
                   f"{os.cpu_count() or 1}). The rows are the same whatever the number.")
@click.option("--report", is_flag=True,
              help="Then print, per source, facts from its parser, from accepted candidates, and candidates pending review.")
def build(db_path: Path, kb, quiet: bool, workers: int | None, report: bool):
    """Parse every source in the manifest and write the knowledge base.

    The new database is written beside the old one and renamed into place only when every
    source parsed and every quote checked out; on any error the old file is untouched.

    Example:

    \b
        msakb build --db msakb.db
        msakb build --db msakb.db --report   # facts per source: parser, accepted candidates, pending
        msakb build --db msakb.db --workers 1   # parse in this process only
    """
    from msakb.db.pipeline.builder import build as do_build
    from msakb.db.pipeline.builder import summary

    def progress(line: str) -> None:
        if not quiet or line.startswith("warning: "):  # a warning is said even with --quiet
            click.echo(line, err=True)

    progress(f"knowledge folder: {kb.describe()}")
    result = run(do_build, db_path, kb.path, progress, workers)
    if not quiet:
        click.echo(f"built {result.db_path} in {result.seconds:.1f}s", err=True)
        click.echo(summary(result.counts))
    if report:
        from msakb.db.derive.candidates import report as candidates_report

        click.echo(candidates_report(result.db_path))
