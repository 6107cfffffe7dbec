"""`msakb serve`."""

from pathlib import Path

import click

from msakb.commands.shared import db_option, kb_option, run


@click.command()
@db_option
@kb_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--sql-time-limit-ms", type=click.IntRange(1), default=None,
              help="Cap on any one SQL query, in milliseconds (default: web/settings.json).")
@click.option("--no-build", is_flag=True, help="Serve the file as it is, even if the sources or code changed.")
def serve(db_path: Path, kb, host: str, port: int, sql_time_limit_ms, no_build: bool):
    """Serve the knowledge base with Datasette, read-only.

    Builds the database first when it is missing, or when a source, the manifest, an
    annotation, the gazetteer or the code changed since its last build. The database is
    published at /msakb whatever its file name, immutable, with a SQL time limit; the
    metadata, canned queries and provenance pages come from web/.

    Example:

        msakb serve --db msakb.db --port 8001
    """
    from msakb.web.serve import serve as do_serve

    run(do_serve, db_path, kb.path, host=host, port=port, build=not no_build,
        sql_time_limit_ms=sql_time_limit_ms, progress=lambda s: click.echo(s, err=True))
