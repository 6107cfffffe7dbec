"""`msakb init`: a knowledge folder of one's own, started from the seed corpus."""

from pathlib import Path

import click

from msakb.commands.shared import run


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def init(folder: Path):
    """Start a knowledge folder at FOLDER with a copy of the seed corpus (its sources and
    manifest, annotations, gazetteer, rules), to add your own documents to.

    FOLDER must not exist yet, or be empty. Then give it to every verb with --kb FOLDER, set
    MSAKB_KB=FOLDER, or name it kb and run msakb from the folder that holds it.

    Example:

    \b
        msakb init my-kb
        msakb add page.txt --kb my-kb --publisher "Eversource" --utility eversource-ct --jurisdiction CT --kind generic
        msakb build --kb my-kb
    """
    from msakb.knowledge.folder import init as do_init

    made = run(do_init, folder)
    click.echo(f"started the knowledge folder {made} from the seed corpus; use it with --kb {made}")
