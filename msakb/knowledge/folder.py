"""Where things live in a checkout. Everything is relative to the repository root."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
KB = REPO / "kb"
SOURCES = KB / "sources"
MANIFEST = SOURCES / "manifest.yaml"
ANNOTATIONS = KB / "annotations"
GAZETTEER = KB / "gazetteer"
PATTERNS = REPO / "extract" / "patterns"
DEFAULT_DB = REPO / "msakb.db"
