"""Reading a file that a knowledge folder names, as one reads hostile input.

A name in the manifest, an annotation file or a rules file is data someone sent: it may point
outside the folder (`../../etc/passwd`, a symlink), at something that is no file (a FIFO
hangs a reader, `/dev/zero` never ends), or at a file too big to hold. `read_regular` opens
only a regular file inside the folder, checks its size before reading, and never reads past
the limit; `control_character` finds what no source text may hold.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from pathlib import Path

from msakb.errors import MsakbError

SOURCE_LIMIT = 20 * 1024 * 1024
"""Largest source file `msakb build` and `msakb add` read, in bytes."""

DATA_LIMIT = 64 * 1024 * 1024
"""Largest YAML/JSON data file read (a national manifest is a few MB)."""


class FileRefused(MsakbError):
    """A file a knowledge folder names is outside it, not a regular file, or too big."""


def inside(path: Path, folder: Path) -> bool:
    """Whether `path`, symlinks followed, is `folder` or under it."""
    try:
        Path(path).resolve().relative_to(Path(folder).resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def read_regular(path: Path, limit: int, folder: Path | None = None) -> bytes:
    """The bytes of the regular file at `path` (under `folder`, symlinks followed, when one is
    given), refusing anything else before reading a byte of it."""
    path = Path(path)
    target = path
    if folder is not None:  # (inside(), with each path resolved once: a build reads thousands)
        target, top = Path(os.path.realpath(path)), os.path.realpath(folder)
        if not (str(target) == top or str(target).startswith(top.rstrip(os.sep) + os.sep)):
            raise FileRefused(f"{path} is outside {folder}; a knowledge folder's files must be in it "
                              "(a plain file name, no '..', no link that leads out)")
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOFOLLOW: the resolved path
        # must not have become a link since.
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise
    except OSError as e:
        raise FileRefused(f"{path}: cannot be opened ({e.strerror}); it must be a readable regular file") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise FileRefused(f"{path} is {_kind(st.st_mode)}, not a regular file; give a plain text file")
        if st.st_size > limit:
            raise FileRefused(f"{path} is {st.st_size:,} bytes, over the limit of {limit:,}; split it or trim it")
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise FileRefused(f"{path} grew past the limit of {limit:,} bytes while it was read")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symbolic link")):
        if test(mode):
            return name
    return "not a regular file"


# Unicode's control characters (category Cc) but tab, newline and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_character(text: str) -> tuple[int, int, str] | None:
    """(line, column, character) of the first control character in `text` other than tab,
    newline and carriage return (NUL, a form feed, DEL, C1 controls...), or None. Lines and
    columns count from 1."""
    m = _CONTROL.search(text)
    if m is None:
        return None
    i = m.start()
    return text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1, m.group()


def write_new(path: Path | str, data: bytes, mode: int = 0o644, dir_fd: int | None = None) -> None:
    """Create `path` (relative to the folder `dir_fd` when given) with `data`; refuses a path
    that exists (a link planted there included)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), mode,
                 dir_fd=dir_fd)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def temp_beside(path: Path) -> Path:
    """A fresh hidden name beside `path`, for a file written whole and renamed over it."""
    return Path(path).with_name(f".{Path(path).name}.{secrets.token_hex(6)}.tmp")


def replace_atomically(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write `path` whole or not at all: a new temporary file beside it (created exclusively,
    never through a link), renamed over it. On any error the temporary file is gone and the
    old file untouched (a full disk leaves no .tmp behind)."""
    tmp = temp_beside(path)
    try:
        write_new(tmp, data, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
