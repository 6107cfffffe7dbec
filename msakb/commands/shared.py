"""What the verbs share: the one-line error, the `--db` and `--kb` options, and `run`."""

from __future__ import annotations

import errno
import os
import sqlite3
from importlib.resources import files
from pathlib import Path

import click

from msakb.errors import MsakbError
from msakb.knowledge.folder import DEFAULT_DB, ENV, locate, seed_folder


def printable(text: str) -> str:
    """`text` on one line: a character that would break the line or hide itself (a newline,
    NEL, a control or direction-override character, from a file name or value someone gave)
    is shown escaped, as Python writes it in a string."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class CliError(click.ClickException):
    """One clean line on stderr, exit status 1."""

    exit_code = 1

    def show(self, file=None):
        click.echo(f"Error: {printable(self.format_message())}", err=True)


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


def check_output(out: Path, db_path: Path, force: bool = False, kb: Path | None = None) -> None:
    """Refuse to write `out` over the knowledge base (or its cache), into a knowledge folder
    (`kb`, else the one in use; the seed corpus installed with msakb, or any folder with a
    sources/manifest.yaml), into a folder that does not exist, or over any existing file
    unless `force`."""
    target = Path(out).resolve()
    db = Path(db_path).resolve()
    if target in (db, db.with_name(f"{db.name}.cache")) or db.with_name(f"{db.name}.cache") in target.parents:
        raise CliError(f"--out {out} is the knowledge base {db_path}; give the filing a file name of its own")
    for folder in {Path(kb or locate().path).resolve(), seed_folder().resolve(), Path(str(files("msakb"))).resolve()}:
        if target == folder or folder in target.parents:
            raise CliError(f"--out {out} is inside {folder}, which msakb reads (the knowledge folder or its own "
                           "files); write the filing somewhere else")
    for folder in target.parents:
        if (folder / "sources" / "manifest.yaml").is_file():
            raise CliError(f"--out {out} is inside the knowledge folder {folder}; write the filing somewhere else")
    if not target.parent.is_dir():
        if target.parent.exists():
            raise CliError(f"--out {out}: {Path(out).parent} is a file, not a folder; fix the path")
        raise CliError(f"--out {out}: the folder {Path(out).parent} does not exist; create it first (or fix the path)")
    if os.path.isdir(out):
        raise CliError(f"--out {out} is a folder; give a file name")
    if os.path.lexists(out) and not force:
        raise CliError(f"--out {out} already exists; give another file name, or --force to replace it")


def run(fn, *args, **kwargs):
    """Call fn, turning the project's errors, and the system's and SQLite's that bad input
    or a bad place cause, into one line and exit 1."""
    try:
        return fn(*args, **kwargs)
    except MsakbError as e:
        raise CliError(str(e)) from None
    except sqlite3.DatabaseError as e:
        raise CliError(database_problem(e, _db_path())) from None
    except OSError as e:
        raise CliError(os_problem(e)) from None
    except MemoryError:
        raise CliError("out of memory; a source or data file is too big for this machine: split it, "
                       "or build on a machine with more memory") from None


def _db_path() -> str:
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        if ctx.params.get("db_path") is not None:
            return str(ctx.params["db_path"])
        ctx = ctx.parent
    return "the database"


def database_problem(e: sqlite3.DatabaseError, db: str) -> str:
    """What a SQLite error means for the user of `db`, and what to do."""
    text = str(e)
    if "disk is full" in text or "disk I/O error" in text:
        return f"cannot write {db}: {text} (a full disk or a file-size limit); free some space and run again"
    if "readonly" in text:
        return f"{db} is in a read-only place; choose a --db path you can write to"
    if "unable to open" in text:
        folder = Path(db).parent
        if folder.is_dir() and not os.access(folder, os.W_OK):
            return f"cannot write {db}: its folder {folder} is read-only (or not yours); choose a --db path you can write to"
        return f"cannot open {db} ({text}); check the --db path and that its folder exists"
    if "locked" in text:
        return f"{db} is locked by another program; try again when it is done"
    if "not a database" in text or "no such" in text or "malformed" in text:
        return (f"not a msakb database: {db} ({text}); give --db the file `msakb build` wrote, "
                f"or build one: msakb build --db {db}")
    return f"{db}: SQLite error ({text}); check the file, or build it again: msakb build --db {db}"


_OS_ADVICE = {
    errno.ENOSPC: "the disk is full: free some space and run again",
    errno.EDQUOT: "the disk quota is used up: free some space and run again",
    errno.EFBIG: "the file would be larger than this system allows: free space or raise the limit",
    errno.EROFS: "it is on a read-only file system: choose a place you can write to",
    errno.EACCES: "permission denied: choose a place you can write to (or read, for an input)",
    errno.EPERM: "operation not permitted: choose a place you can write to",
    errno.ENOENT: "no such file or folder: check the path",
    errno.ENOTDIR: "a part of the path is a file, not a folder: check the path",
    errno.EISDIR: "it is a folder, not a file: give a file path",
    errno.EEXIST: "it exists and is in the way (a file where a folder is needed): check the path",
}


def os_problem(e: OSError) -> str:
    """An operating-system error as one line: where, what happened, what to do."""
    where = f"{e.filename}: " if e.filename else ""
    return where + _OS_ADVICE.get(e.errno, f"{e.strerror or e}; check the path and try again")
