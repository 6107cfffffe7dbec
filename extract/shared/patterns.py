"""Where the extractors' rules as data live: `extract/patterns/` (package data of msakb.extract),
and how they are read: each file through its model (extract/shared/pattern_models.py), so a
broken pattern is one error naming the file, the line and the field."""

from importlib.resources import files
from pathlib import Path
from typing import Any

from msakb.extract.shared.pattern_models import MODELS
from msakb.knowledge.jsonfile import load_jsonl
from msakb.knowledge.yamlfile import load_model

PATTERNS = Path(str(files("msakb.extract"))) / "patterns"


def pattern_file(name: str, path: Path | None = None) -> Any:
    """The data of `extract/patterns/<name>` (or of the file at `path`, read as that kind of
    file), validated: as written, with the model's defaults for what it leaves out."""
    model = MODELS[name]
    path = Path(path) if path is not None else PATTERNS / name
    shown = f"extract/patterns/{name}" if path == PATTERNS / name else str(path)
    if name.endswith(".jsonl"):
        return [m.model_dump(exclude_unset=True) for _, m in load_jsonl(path, model, name=shown)]
    return load_model(path, model, name=shown).model_dump(exclude_unset=True)


def check_pattern_files() -> None:
    """Read every pattern file through its model: a broken one stops a build at its start
    with one error line, before any parser has cached a part of it."""
    for name in MODELS:
        pattern_file(name)
