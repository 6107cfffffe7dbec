"""The `msakb` command: one verb per job, each a thin layer over a plain function."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from msakb import __version__
from msakb.errors import MsakbError
from msakb.knowledge.folder import DEFAULT_DB, KB


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
    return click.option(
        "--kb", "kb_dir", type=click.Path(file_okay=False, path_type=Path), default=KB, show_default=True,
        help="The knowledge folder (sources/, annotations/, gazetteer/).",
    )(f)


def run(fn, *args, **kwargs):
    """Call fn, turning the project's errors into one line and exit 1."""
    try:
        return fn(*args, **kwargs)
    except MsakbError as e:
        raise CliError(str(e)) from None


@click.group()
@click.version_option(__version__, prog_name="msakb")
def cli():
    """msakb: a cited knowledge base of meter socket adapter (MSA) rules, served in
    Datasette, and the compliance filings drafted from it."""


def _register_commands() -> None:
    """Every module in msakb/commands/ adds its verb to `cli` when imported."""
    import importlib
    import pkgutil

    import msakb.commands as pkg

    for mod in sorted(m.name for m in pkgutil.iter_modules(pkg.__path__)):
        importlib.import_module(f"msakb.commands.{mod}")


_register_commands()


def main():  # pragma: no cover
    cli(prog_name="msakb")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
