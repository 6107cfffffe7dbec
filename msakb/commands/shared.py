"""What the verbs share: the one-line error, the `--db` and `--kb` options, and `run`."""

from __future__ import annotations

from pathlib import Path

import click

from msakb.errors import MsakbError
from msakb.knowledge.folder import DEFAULT_DB, ENV, locate


class CliError(click.ClickException):
    """One clean line on stderr, exit status 1."""

    exit_code = 1

    def show(self, file=None):
        click.echo(f"Error: {self.format_message()}", err=True)


def db_option(f):
    return click.option(
        "--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DB,
        show_default=True, help="The knowledge-base SQLite file.",
    )(f)


def kb_option(f):
    """`--kb DIR`, resolved to a KnowledgeFolder (msakb/knowledge/folder.py says the order)."""
    return click.option(
        "--kb", "kb", type=click.Path(file_okay=False, path_type=Path), default=None,
        callback=lambda ctx, param, value: locate(value),
        help=f"The knowledge folder (sources/, annotations/, gazetteer/, rules/). Default: ${ENV}, "
             "else ./kb when there is one, else the seed corpus installed with msakb.",
    )(f)


def run(fn, *args, **kwargs):
    """Call fn, turning the project's errors into one line and exit 1."""
    try:
        return fn(*args, **kwargs)
    except MsakbError as e:
        raise CliError(str(e)) from None
