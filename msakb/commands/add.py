"""`msakb add`."""

from pathlib import Path

import click

from msakb.commands.shared import kb_option, run
from msakb.knowledge.manifest import VOICES


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--publisher", required=True, help="Who published the document.")
@click.option("--jurisdiction", required=True, help="Two-letter state code, or US.")
@click.option("--kind", required=True, help="Parser kind; 'generic' when no dedicated parser reads it.")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Date the source speaks for (YYYY-MM-DD).")
@click.option("--url", default=None, help="The URL the document names for itself.")
@click.option("--title", default=None, help="Title (default: the document's first line).")
@click.option("--utility", default=None, help="Id of the utility whose rules it states (kb/gazetteer/utilities.yaml).")
@click.option("--voice", type=click.Choice(VOICES), default=None,
              help="Who speaks in it: its rows say so, and only a legislature's, regulator's or utility's own word "
                   "binds (default: utility when --utility is given; required otherwise).")
@click.option("--speaker", default=None, help="The name of who speaks, when the publisher is not it.")
@click.option("--id", "source_id", default=None, help="Source id (default: from the file name and --as-of).")
@kb_option
def add(file: Path, publisher, jurisdiction, kind, as_of, url, title, utility, voice, speaker, source_id, kb):
    """Add a source document: copy FILE into the knowledge folder's sources/ and append its manifest entry.

    The file must be UTF-8. A file already present (same sha256) or an id already used is
    refused, naming the source that has it. Run `msakb build` next: the generic extractor
    proposes candidate facts from it (`msakb review`).

    Example:

    \b
        msakb add nj-bpu-page.txt --publisher "NJ BPU" --voice regulator \\
          --jurisdiction NJ --kind generic --as-of 2026-05-01
    """
    from msakb.knowledge.intake import add_source

    from msakb.knowledge.folder import writable

    added = run(add_source, file, run(writable, kb, "msakb add"), publisher=publisher, jurisdiction=jurisdiction, kind=kind,
                as_of=as_of.date() if as_of else None, url=url, title=title, utility=utility, source_id=source_id,
                voice=voice, speaker=speaker)
    click.echo(f"added source {added.entry.id} as {added.path} (sha256 {added.entry.sha256[:12]}…, kind {added.entry.kind})")
