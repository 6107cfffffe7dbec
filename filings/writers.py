"""Writing a file so that a failed run never leaves half of it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable


def save_atomically(path: Path, save: Callable[[BinaryIO], object]) -> Path:
    """Write through a temporary file beside `path`, renamed into place when complete.

    `save` writes the whole file into the binary stream it is given. The temporary file is
    created afresh under an unpredictable name (never opened through a link someone planted in
    a shared output folder) and gets the permissions a new file gets here (the umask's)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:  # said of the file asked for, not of a temporary name it never saw
        raise OSError(e.errno, e.strerror, str(path)) from None
    try:
        with os.fdopen(fd, "wb") as stream:
            save(stream)
            os.fchmod(stream.fileno(), 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError) and e.filename == tmp:
            raise OSError(e.errno, e.strerror, str(path)) from None
        raise
    return path


def save_text_atomically(path: Path, text: str) -> Path:
    """`text` as UTF-8, written as save_atomically writes."""
    return save_atomically(path, lambda stream: stream.write(text.encode("utf-8")))


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it: put it back at once
    os.umask(mask)
    return mask
