"""Compliance filings drafted from the knowledge base, as Word documents.

    draft(kind, db_path, out, fmt="docx", options=Options(utility=..., ...), kb_folder=None)

builds the kind's context from the database (filings.kinds: pure reads), renders its Word
template (filings/templates/<kind>.docx, or a house-style copy in --templates DIR) with
docxtpl, strictly and escaped (filings.render), joins the parts and the closing sources
appendix (filings.assemble) and writes the .docx, or a Markdown preview of it (filings.preview).
`program-redline` compares two versions of a program document instead (filings.redline).
"""

from __future__ import annotations

from pathlib import Path

from msakb.errors import FilingError, UnknownIdError
from msakb.filings.assemble import assemble
from msakb.filings.filing import Filing
from msakb.filings.kb import Kb
from msakb.filings.kinds import ALL_KINDS, KINDS
from msakb.filings.options import Options
from msakb.filings.preview import to_markdown
from msakb.filings.redline import draft_redline
from msakb.filings.writers import save_atomically, save_text_atomically
from msakb.knowledge.folder import locate
from msakb.knowledge.parties import load_parties

FORMATS = ("docx", "md")


def draft(kind: str, db_path: Path, out: Path, fmt: str = "docx", options: Options | None = None,
          kb_folder: Path | None = None) -> list[Path]:
    """Write the filing `kind` to `out`; returns the files written. `kb_folder` holds the
    reference data for captions (kb/gazetteer/parties.yaml); default as for every verb."""
    options = options or Options()
    if fmt not in FORMATS:
        raise FilingError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    if kind == "program-redline":
        return draft_redline(db_path, out, fmt=fmt, old=options.old, new=options.new, force=options.force)
    if kind not in KINDS:
        raise UnknownIdError("kind", kind, ALL_KINDS)
    parties = load_parties(Path(kb_folder) if kb_folder else locate().path)
    kb = Kb(db_path)
    try:
        document = assemble(kind, Filing(kb, parties, options))
    finally:
        kb.close()
    if fmt == "md":
        return [save_text_atomically(out, to_markdown(document))]
    return [save_atomically(out, document.save)]


__all__ = ["draft", "ALL_KINDS", "KINDS", "Options", "FORMATS"]
