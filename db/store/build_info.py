"""The `build_info` table of a built database, read: when it was built, from what code and
knowledge folder, from which sources (written by db/pipeline/fingerprints.build_info)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def read_build_info(db_path: Path) -> dict[str, str]:
    """The key/value rows of the file's build_info, opened read-only. sqlite3.DatabaseError
    when the file is not a knowledge base msakb built (not a database, or no such table):
    each caller says what that means for what it was asked to do."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT key, value FROM build_info"))
    finally:
        conn.close()
