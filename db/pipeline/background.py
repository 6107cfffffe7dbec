"""The file work of an incremental build (db/pipeline/patch.py) done in threads beside its own:
the copy of the previous database it patches, made while the build reads the knowledge folder
and parses the changed sources, and the release of the replaced database once the patched copy
is renamed over it.

Copying, syncing and freeing a file wait on the kernel and the disk, not on Python (the calls
release the interpreter's lock): beside the build's own work, they cost it next to nothing.
The copy is synced as soon as it is made, so that the sync before the rename (after the patch)
writes only the pages the patch changed. The previous database is only read; the copy is a
temporary file of this process (db/store/write.py temp_path), renamed into place by the build
or deleted. The replaced file's blocks are freed when its last reader closes it (the build's
own connection, unless a running `msakb serve` still reads it).
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

from msakb.db.store.write import sync_file


class BackgroundCopy:
    """`source` copied to `target` (a new file) and synced, in a thread of its own."""

    def __init__(self, source: Path, target: Path):
        self.source, self.target = Path(source), Path(target)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._copy, name="msakb-copy-previous", daemon=True)
        self._thread.start()

    def _copy(self) -> None:
        try:
            shutil.copyfile(self.source, self.target)
            sync_file(self.target)
        except BaseException as e:  # noqa: BLE001  handed to the build's thread by wait()
            self._error = e

    def wait(self) -> Path:
        """The copy, once made and synced; the copy's error, if it failed."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self.target

    def discard(self) -> None:
        """Wait for the thread (it may still be writing) and delete the copy, if any is left."""
        self._thread.join()
        self.target.unlink(missing_ok=True)


def close_in_background(conn: sqlite3.Connection) -> threading.Thread:
    """Close `conn` (made with check_same_thread=False, used by no other thread from now on) in
    a thread; join it before the build returns."""
    thread = threading.Thread(target=conn.close, name="msakb-close-previous", daemon=True)
    thread.start()
    return thread
