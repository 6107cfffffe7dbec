"""`msakb file KIND`: draft a compliance filing from the knowledge base."""

from dataclasses import fields
from pathlib import Path

import click

from msakb.commands.shared import check_output, db_option, kb_option, run
from msakb.filings.options import Options


def filing_options(f):
    """One option per field of filings.options.Options (where the options are stated)."""
    for opt in reversed(fields(Options)):
        meta = opt.metadata
        flag = "--" + opt.name.replace("_", "-")
        if meta["flag"]:
            f = click.option(flag, opt.name, is_flag=True, help=meta["help"])(f)
        else:
            kind = click.Path(file_okay=False, path_type=Path) if meta["path"] else str
            f = click.option(flag, opt.name, type=kind, default=None, help=meta["help"])(f)
    return f


@click.command(name="file")
@click.argument("kind")
@db_option
@kb_option
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write (.docx, or .md with --format md).")
@filing_options
@click.option("--format", "fmt", type=click.Choice(["docx", "md"]), default="docx", show_default=True,
              help="Word document, or a Markdown preview of it.")
def file(kind, db_path, kb, out, fmt, **options):
    """Draft the filing KIND from the knowledge base and write it to --out.

    KIND is one of: waiver, restrictions, oem-application, installer-conditions, order-26,
    program-redline. Each is a Word template (filings/templates/<kind>.docx; --templates DIR
    for house-style copies) filled from the knowledge base: every statement has a footnote
    quoting its source; what the knowledge base lacks is a highlighted [TO COMPLETE: …],
    listed at the end with the sources cited. program-redline writes --out (tracked
    changes) and a clean copy beside it (-clean).

    Example:

        msakb file waiver --db msakb.db --utility sce --out waiver-sce.docx
    """
    from msakb.filings import draft

    for path in [out] + ([out.with_name(f"{out.stem}-clean{out.suffix}")] if kind == "program-redline" else []):
        check_output(path, db_path, options["force"], kb.path)
    written = run(draft, kind, db_path, out, fmt=fmt, options=Options(**options), kb_folder=kb.path)
    for path in written:
        click.echo(str(path))
