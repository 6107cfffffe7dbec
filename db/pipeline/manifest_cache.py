"""The record cache's copy of the manifest (db/pipeline/cache.py RecordCache.manifest): a
national manifest's YAML is slow to read whole, and an edit changes one entry's sha256. A
manifest laid out as `sources:` then one `- ` block per source (manifest_blocks) is read
block by block: a block seen before is its stored entry, only a new one is parsed. Anything
else, or anything wrong, is read by load_manifest, which says what is wrong.

The entries are stored by the hash of their block's text in two files: `manifest.json`, all
of them as one build read them, and `manifest-recent.json`, those of the blocks read since
that are not in it (an edit writes this small file, not the whole index again). The second
belongs to the first by a generation token; once it would hold more than a twentieth of the
entries (or the first holds as many that are gone), the first is written again whole.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from pathlib import Path
from typing import Any, Protocol

from msakb.errors import MsakbError
from msakb.knowledge.files import DATA_LIMIT, FileRefused, read_regular
from msakb.knowledge.manifest import Manifest, load_manifest
from msakb.knowledge.yamlfile import parse_yaml

FORMAT = "msakb-records-json-1"
MANIFEST = "manifest.json"
RECENT = "manifest-recent.json"
MIN_RECENT = 16
"""Entries the recent file may always hold (beside a twentieth of the manifest's)."""


class Store(Protocol):
    disabled: str | None

    def read_json(self, name: str) -> Any: ...

    def write_json(self, name: str, value: Any) -> bool: ...

    def remove(self, name: str) -> None: ...


def _blocks_of(stored: Any) -> tuple[dict | None, str | None]:
    """The stored entries of a file (None unless it is of this format) and its generation."""
    if not (isinstance(stored, dict) and stored.get("format") == FORMAT and isinstance(stored.get("blocks"), dict)):
        return None, None
    generation = stored.get("generation")
    return stored["blocks"], generation if isinstance(generation, str) else None


def read_manifest(store: Store, path: Path) -> Manifest:
    """load_manifest(path), from the stored entries where their block's text is unchanged."""
    try:
        text = read_regular(path, DATA_LIMIT, path.parent.parent).decode("utf-8")
    except (OSError, FileRefused, UnicodeDecodeError):
        return load_manifest(path)
    blocks = manifest_blocks(text)
    base, generation = _blocks_of(store.read_json(MANIFEST))
    recent, of = _blocks_of(store.read_json(RECENT)) if base is not None and generation else (None, None)
    if recent is None or of != generation:
        recent = {}
    known = None if base is None else {**base, **recent}
    digests = [hashlib.sha256(b.encode()).hexdigest() for b in blocks] if blocks is not None else None
    manifest, from_known = None, False
    if digests is not None and known is not None:
        try:
            entries = [known[d] if d in known else parse_yaml("sources:\n" + b, str(path)).data["sources"][0]
                       for d, b in zip(digests, blocks)]
            manifest = Manifest.model_validate({"sources": entries})
            ids = [e.id for e in manifest.sources] + [e.file for e in manifest.sources]
            if len(set(ids)) != len(ids):
                manifest = None  # a source listed twice: load_manifest names it
            from_known = manifest is not None
        except (ValueError, KeyError, TypeError, IndexError, MsakbError):
            manifest = None
    if manifest is None:
        manifest = load_manifest(path)
    if digests is None or len(digests) != len(manifest.sources) or store.disabled:
        return manifest
    # an entry read from the stored ones is stored as it was (it is what made the manifest)
    entries = {d: known[d] if from_known and d in known else e.model_dump(mode="json")
               for d, e in zip(digests, manifest.sources)}
    limit = max(MIN_RECENT, len(digests) // 20)
    new = {d: v for d, v in entries.items() if base is None or d not in base}
    if base is not None and generation and len(new) <= limit and len(set(base) - set(entries)) <= limit:
        if set(new) != set(recent):
            store.write_json(RECENT, {"format": FORMAT, "generation": generation, "blocks": new})
    elif base is None or set(base) != set(entries) or recent:
        store.write_json(MANIFEST, {"format": FORMAT, "generation": secrets.token_hex(8), "blocks": entries})
        store.remove(RECENT)
    return manifest


def manifest_blocks(text: str) -> list[str] | None:
    """The text of each entry of a manifest laid out as comments, `sources:`, and then one
    `- ` block per source (every block at the same indentation, each of its other lines blank,
    a comment or indented further): as msakb writes it and as the shipped one is written.
    None for any other layout (which load_manifest reads whole)."""
    head = re.match(r"(?:[ \t]*(?:#[^\n]*)?\n)*sources:[ \t]*\n", text)
    if head is None:
        return None
    body = text[head.end():]
    first = re.match(r"(?:[ \t]*(?:#[^\n]*)?\n)*( *)- ", body)
    if first is None:
        return None
    indent = first.group(1)
    starts = [m.start() for m in re.finditer(rf"(?m)^{indent}- ", body)]
    blocks = [body[a:b] for a, b in zip(starts, [*starts[1:], len(body)])]
    for block in blocks:
        for line in block.split("\n")[1:]:
            if line.strip() and not line.lstrip().startswith("#") and not line.startswith(indent + " "):
                return None
    return blocks
