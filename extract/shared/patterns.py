"""Where the extractors' rules as data live: `extract/patterns/` (package data of msakb.extract)."""

from importlib.resources import files
from pathlib import Path

PATTERNS = Path(str(files("msakb.extract"))) / "patterns"
