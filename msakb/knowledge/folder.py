"""Which knowledge folder a command works on, and where the database goes.

The knowledge folder holds what msakb knows: `sources/` (the documents and `manifest.yaml`),
`annotations/`, `gazetteer/`, `rules/`, `conflicts/` and `review/`. It is, in order:

1. the folder given with `--kb DIR`;
2. else the folder `$MSAKB_KB` names;
3. else `./kb` when the current folder has one (a checkout of msakb, or an organisation's own
   repository of documents);
4. else the seed corpus installed with msakb, which is read-only: `msakb add` and `msakb
   review` refuse to write into it and say how to start a folder of one's own
   (`msakb init DIR` copies the seed corpus there).

The database is `msakb.db` in the current folder unless `--db PATH` says otherwise.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from msakb.errors import MsakbError

ENV = "MSAKB_KB"
DEFAULT_DB = Path("msakb.db")
MANIFEST = Path("sources") / "manifest.yaml"


class KnowledgeFolderError(MsakbError):
    """The knowledge folder cannot be found, created or written."""


@dataclass(frozen=True)
class KnowledgeFolder:
    """A knowledge folder and how it was chosen (`--kb`, `$MSAKB_KB`, `./kb` or `seed`)."""

    path: Path
    origin: str

    @property
    def is_seed(self) -> bool:
        return self.origin == "seed"

    def describe(self) -> str:
        how = {"--kb": "given with --kb", ENV: f"from ${ENV}", "./kb": "the current folder's kb/",
               "seed": "the seed corpus installed with msakb, read-only"}[self.origin]
        return f"{self.path} ({how})"


def seed_folder() -> Path:
    """The seed corpus shipped with msakb: package data `msakb/kb` of an installed wheel, or the
    `kb/` folder of the checkout an editable install points at."""
    installed = Path(str(files("msakb"))) / "kb"
    if (installed / MANIFEST).is_file():
        return installed
    # An editable install maps msakb.kb onto the checkout's kb/, which setuptools cannot import
    # as a package (it has no __init__.py): the checkout is the parent of the msakb/ package.
    return Path(str(files("msakb"))).parent / "kb"


def locate(option: Path | None = None) -> KnowledgeFolder:
    """The knowledge folder to read, by the order in this module's docstring."""
    if option is not None:
        return KnowledgeFolder(Path(option), "--kb")
    env = os.environ.get(ENV)
    if env:
        return KnowledgeFolder(Path(env), ENV)
    here = Path("kb")
    if here.is_dir():
        return KnowledgeFolder(here, "./kb")
    return KnowledgeFolder(seed_folder(), "seed")


def writable(folder: KnowledgeFolder, verb: str) -> Path:
    """The folder's path when `verb` may write into it; the seed corpus is refused."""
    if folder.is_seed:
        raise KnowledgeFolderError(
            f"{verb} writes into the knowledge folder, and the one in use is {folder.describe()}; "
            f"start your own with `msakb init DIR`, then give --kb DIR (or set ${ENV}=DIR, or run from DIR's parent "
            "with DIR named kb)"
        )
    return folder.path


def init(dest: Path) -> Path:
    """Copy the seed corpus into a new knowledge folder at `dest` (which must not exist, or be
    an empty folder)."""
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise KnowledgeFolderError(f"{dest} already exists and is not an empty folder; choose a new folder name")
    seed = seed_folder()
    if seed.resolve() in dest.resolve().parents:  # copytree would copy the copy into itself, without end
        raise KnowledgeFolderError(f"{dest} is inside the seed corpus {seed}, which msakb init copies; "
                                   "choose a folder outside it")
    try:
        shutil.copytree(seed, dest, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    except OSError as e:
        raise KnowledgeFolderError(f"cannot create the knowledge folder {dest}: {e.strerror or e}; "
                                   "choose a folder you can write to") from None
    return dest
