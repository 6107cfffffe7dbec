"""`msakb file KIND`: draft a compliance filing from the knowledge base."""

from pathlib import Path

import click

from msakb.commands.shared import db_option, run


@click.command(name="file")
@click.argument("kind")
@db_option
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write (.docx, or .md with --format md).")
@click.option("--utility", help="Utility id (e.g. sce, eversource-ct).")
@click.option("--state", help="Two-letter state code (e.g. CT).")
@click.option("--device", help="Device id (see the devices table).")
@click.option("--oem", help="Manufacturer id or name (see the manufacturers table).")
@click.option("--docket", help="Docket number to name (order-26: which docket's Order 26).")
@click.option("--old", help="program-redline: the old version, a source id or a .docx file.")
@click.option("--new", help="program-redline: the new version, a source id or a .docx file.")
@click.option("--format", "fmt", type=click.Choice(["docx", "md"]), default="docx", show_default=True,
              help="Word document, or a Markdown preview.")
def file(kind, db_path, out, utility, state, device, oem, docket, old, new, fmt):
    """Draft the filing KIND from the knowledge base and write it to --out.

    KIND is one of: waiver, restrictions, oem-application, installer-conditions, order-26,
    program-redline. Every statement cites its source passage; what the knowledge base cannot
    fill is a marked blank. The last section names the build (date, source sha256s).
    program-redline writes --out (tracked changes) and a clean copy beside it (-clean).

    Example:

        msakb file waiver --db msakb.db --utility sce --out waiver-sce.docx
    """
    from msakb.filings import draft

    written = run(draft, kind, db_path, out, fmt=fmt, utility=utility, state=state, device=device,
                  oem=oem, docket=docket, old=old, new=new)
    for path in written:
        click.echo(str(path))
