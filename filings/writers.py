"""Writing a file so that a failed run never leaves half of it."""

from __future__ import annotations

import os
from pathlib import Path


def save_atomically(path: Path, save) -> Path:
    """Write through a temporary file beside `path`, renamed into place when complete."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        save(str(tmp))
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
