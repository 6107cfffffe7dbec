"""The `msakb` command: one verb per job, each a thin layer over a plain function.

The verbs are listed here, in the order `msakb --help` shows them; each is defined in its own
module of msakb/commands/.
"""

from __future__ import annotations

import sys

import click

from msakb import __version__
from msakb.commands import add, bench, build, check, diff, file, init, review, serve
from msakb.commands.shared import CliError, printable
from msakb.errors import MsakbError


class OneLineUsageError(click.UsageError):
    """A usage error as every other error: one line (and exit status 2)."""

    def show(self, file=None):
        hint = f" (see {self.ctx.command_path} --help)" if self.ctx is not None else ""
        click.echo(f"Error: {printable(self.format_message())}{hint}", err=True)


class ListedOrder(click.Group):
    """Verbs in the order COMMANDS lists them, not alphabetical; usage errors, and any of the
    project's errors a verb lets through, in one line."""

    def list_commands(self, ctx):
        return list(self.commands)

    def make_context(self, *args, **kwargs):
        return _one_line(lambda: super(ListedOrder, self).make_context(*args, **kwargs))

    def invoke(self, ctx):
        try:
            return _one_line(lambda: super(ListedOrder, self).invoke(ctx))
        except MsakbError as e:  # one raised outside `run` (a data file read as a module loads)
            raise CliError(str(e)) from None


def _one_line(call):
    try:
        return call()
    except (OneLineUsageError, click.exceptions.NoArgsIsHelpError):  # `msakb` alone: its help, as click shows it
        raise
    except click.UsageError as e:
        raise OneLineUsageError(e.format_message(), e.ctx) from None


@click.group(cls=ListedOrder)
@click.version_option(__version__, prog_name="msakb")
def cli():
    """msakb: a cited knowledge base of meter socket adapter (MSA) rules, served in
    Datasette, and the compliance filings drafted from it."""


COMMANDS = (init.init, add.add, build.build, serve.serve, review.review, check.check, diff.diff, file.file,
            bench.bench)
for command in COMMANDS:
    cli.add_command(command)


def main():  # pragma: no cover
    cli(prog_name="msakb")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
