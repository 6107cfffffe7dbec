"""The `msakb` command: one verb per job, each a thin layer over a plain function.

The verbs are listed here, in the order `msakb --help` shows them; each is defined in its own
module of msakb/commands/.
"""

from __future__ import annotations

import sys

import click

from msakb import __version__
from msakb.commands import add, bench, build, check, diff, file, init, review, serve


class ListedOrder(click.Group):
    """Verbs in the order COMMANDS lists them, not alphabetical."""

    def list_commands(self, ctx):
        return list(self.commands)


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
