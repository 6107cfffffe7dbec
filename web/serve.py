"""`msakb serve`: the knowledge base in Datasette, read-only, rebuilt only when stale.

Datasette runs in-process under uvicorn rather than as a `python -m datasette serve`
subprocess, for two reasons: the database is always published as `/msakb` whatever the file
is called (so the URLs in the README and in scripts are stable, and the canned queries and
table metadata, which Datasette keys by database name, always apply); and the port is bound by
us before anything else happens, so a taken port is one clear error line, and no other
program can take it between the check and the start.

The Datasette configuration is data in web/: metadata.yaml (titles, descriptions, facets,
labels, full-text tables, canned queries), settings.json (time limits), templates/ and
plugins/ (the provenance links and the passage page), static/ (the stylesheet). The same
files work with the stock command, for a file named msakb.db: `datasette serve -i msakb.db
-m web/metadata.yaml --plugins-dir web/plugins --template-dir web/templates
--static msakb-static:web/static`.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from importlib.resources import files
from pathlib import Path
from typing import Callable

from msakb.db.store.build_info import read_build_info as stored_build_info
from msakb.errors import MsakbError
from msakb.knowledge.jsonfile import load_json
from msakb.knowledge.yamlfile import DataFileError, load_yaml
from msakb.web.config import Metadata, Settings

WEB = Path(str(files("msakb.web")))
METADATA = WEB / "metadata.yaml"
SETTINGS = WEB / "settings.json"
DATABASE_NAME = "msakb"
"""The name (and URL path) the knowledge base is published under, whatever its file name."""


class ServeError(MsakbError):
    """The knowledge base cannot be served (port taken, not a knowledge base...)."""


def stale_reason(db_path: Path, kb: Path) -> str | None:
    """Why the database at db_path must be (re)built from kb, or None when it is current.

    Current means: built from the same kb/ (sources, manifest, annotations, gazetteer) and by
    the same code, as recorded in its build_info table at build time.
    """
    from msakb.db.pipeline.fingerprints import code_fingerprint, kb_fingerprint

    db_path = Path(db_path)
    if not db_path.exists():
        return f"there is no database at {db_path}"
    info = read_build_info(db_path)
    if info.get("kb_fingerprint") != kb_fingerprint(Path(kb)):
        return f"the knowledge folder {kb} (a source, the manifest, an annotation or the gazetteer) changed since the last build"
    if info.get("code_fingerprint") != code_fingerprint():
        return "the code (extract/ or db/) changed since the last build"
    return None


def read_build_info(db_path: Path) -> dict[str, str]:
    """The key/value rows of the build_info table; a clear error when the file is not a
    knowledge base msakb built."""
    if not Path(db_path).exists():
        raise ServeError(f"there is no database at {db_path}; run `msakb build --db {db_path}` first")
    try:
        return stored_build_info(db_path)
    except sqlite3.DatabaseError as e:
        raise ServeError(
            f"{db_path} is not a knowledge base built by msakb ({e}); "
            "give another --db path, or delete the file and run `msakb build`"
        ) from None


def ensure_built(db_path: Path, kb: Path, progress: Callable[[str], None] = lambda s: None) -> bool:
    """Build db_path from kb if it is missing or stale; True when a build ran."""
    reason = stale_reason(db_path, kb)
    if reason is None:
        progress(f"{db_path} is up to date (built from the current sources and code)")
        return False
    from msakb.db.pipeline.builder import build

    progress(f"building {db_path}: {reason}")
    result = build(Path(db_path), Path(kb), progress)
    progress(f"built {result.db_path} in {result.seconds:.1f}s")
    return True


def bind(host: str, port: int) -> socket.socket:
    """A listening-ready socket on host:port, or a clear error when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    # As uvicorn does: a port in TIME_WAIT after a previous run is free to reuse; one that a
    # live program listens on still fails below.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except (TypeError, ValueError, UnicodeError):  # a host no resolver can take (NUL, not ASCII-encodable)
        sock.close()
        raise ServeError(f"cannot listen on {host!r}: not a host name or address; check --host") from None
    except OSError as e:
        sock.close()
        if e.errno == 98:  # EADDRINUSE
            raise ServeError(
                f"port {port} on {host} is already in use (another `msakb serve` or program is "
                f"listening there); stop it, or choose another port with --port, e.g. --port {port + 1}"
            ) from None
        raise ServeError(f"cannot listen on {host}:{port}: {e.strerror}; check --host and --port") from None
    return sock


def load_metadata(path: Path | None = None) -> dict:
    """The Datasette metadata (YAML; anchors and `<<` merges allowed), validated (web/config.py)."""
    try:
        doc = load_yaml(Path(path or METADATA), aliases=True)
    except DataFileError as e:
        raise ServeError(str(e)) from None
    doc.validate(Metadata, ServeError)
    return doc.data


def load_settings(path: Path | None = None, **overrides) -> dict:
    """Datasette settings from web/settings.json (validated: web/config.py), with command-line overrides."""
    settings = load_json(Path(path or SETTINGS), Settings, error=ServeError).model_dump(exclude_none=True)
    settings.update({k: v for k, v in overrides.items() if v is not None})
    return settings


def make_datasette(db_path: Path, settings: dict | None = None, metadata: dict | None = None):
    """A Datasette instance publishing db_path, immutable, as `/msakb`, with web/'s
    metadata, templates and plugins."""
    from datasette.app import Datasette

    path = str(Path(db_path).resolve())
    ds = Datasette(
        immutables=[path],
        metadata=load_metadata() if metadata is None else metadata,
        settings=load_settings() if settings is None else settings,
        template_dir=str(WEB / "templates"),
        plugins_dir=str(WEB / "plugins"),
        static_mounts=[("msakb-static", str(WEB / "static"))],
    )
    (stem, database), = ((k, v) for k, v in ds.databases.items() if k != "_internal")
    if stem != DATABASE_NAME:
        ds.remove_database(stem)
        ds.add_database(database, name=DATABASE_NAME)
    return ds


def serve(db_path: Path, kb: Path, host: str = "127.0.0.1", port: int = 8001, build: bool = True,
          sql_time_limit_ms: int | None = None, progress: Callable[[str], None] = lambda s: None) -> None:
    """Bind host:port, build the knowledge base if stale, then serve it until interrupted."""
    import uvicorn

    sock = bind(host, port)
    try:
        if build:
            ensure_built(db_path, kb, progress)
        else:
            read_build_info(db_path)
        ds = make_datasette(db_path, load_settings(sql_time_limit_ms=sql_time_limit_ms))
        asyncio.run(ds.invoke_startup())
        shown = f"[{host}]" if ":" in host else host
        progress(f"serving {db_path} at http://{shown}:{port}/{DATABASE_NAME} (read-only; Ctrl-C to stop)")
        server = uvicorn.Server(uvicorn.Config(ds.app(), log_level="warning", lifespan="on"))
        server.run(sockets=[sock])
    finally:
        sock.close()
