"""Compliance filings drafted from the knowledge base, as Word documents (or Markdown previews).

    draft(kind, db_path, out, fmt="docx", utility=..., state=..., device=..., oem=..., docket=...)

builds the kind's context from the database (filings.kinds, pure reads), renders its template
from filings/templates/ (filings.render: strict, escaped), appends the numbered citations and the
knowledge-base build it came from, and lays the result out (filings.layout). `program-redline`
compares two versions of a program document instead (filings.redline).
"""

from __future__ import annotations

from pathlib import Path

from msakb.errors import FilingError, UnknownIdError
from msakb.filings.kb import Citations, Kb
from msakb.filings.kinds import ALL_KINDS, KINDS, Options
from msakb.filings.layout import Block, parse
from msakb.filings.render import render
from msakb.filings.writers import to_markdown, write_docx, write_text

FORMATS = ("docx", "md")


def contexts(kind: str, kb: Kb, opts: Options) -> tuple[list[tuple[str, dict]], Citations]:
    """[(template, context)] for the document's parts, in order, and their shared citations."""
    if kind not in KINDS:
        raise UnknownIdError("kind", kind, ALL_KINDS)
    cites = Citations(kb)
    spec = KINDS[kind]
    main = spec.build(kb, cites, opts)
    parts = [(spec.template, main)]
    for part in main.get("parts", []):
        sub = Options(utility=opts.utility, device=opts.device, oem=opts.oem, docket=main.get("docket"))
        parts.append((KINDS[part].template, KINDS[part].build(kb, cites, sub)))
    return parts, cites


def closing(kb: Kb, cites: Citations) -> list[tuple[str, dict]]:
    """The closing sections every filing carries: citations, then the build it came from.
    The build section lists the sources the document cites, with their sha256 (a national
    corpus has thousands: the kb fingerprint stands for all of them)."""
    build = kb.build_info({e["source_id"] for e in cites.entries})
    return [("_citations.html.j2", {"citations": cites.entries}), ("_build.html.j2", {"build": build})]


def footer_text(build: dict) -> str:
    return (f"Drafted by msakb from the knowledge base built {build['built_at']} "
            f"(kb fingerprint {build['kb_fingerprint'][:16]}); cited sources and their sha256 in the last section.")


def blocks_for(kind: str, kb: Kb, opts: Options) -> list[Block]:
    parts, cites = contexts(kind, kb, opts)
    blocks: list[Block] = []
    for i, (template, ctx) in enumerate(parts):
        if i:
            blocks.append(Block("pagebreak"))
        blocks += parse(render(template, ctx), template)
    for template, ctx in closing(kb, cites):
        blocks += parse(render(template, ctx), template)
    return blocks


def draft(kind: str, db_path: Path, out: Path, fmt: str = "docx", **options) -> list[Path]:
    """Write the filing `kind` to `out`; returns the files written."""
    if fmt not in FORMATS:
        raise FilingError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    if kind == "program-redline":
        from msakb.filings.redline import draft_redline

        return draft_redline(db_path, out, fmt=fmt, old=options.get("old"), new=options.get("new"))
    if kind not in KINDS:
        raise UnknownIdError("kind", kind, ALL_KINDS)
    opts = Options(**{k: options.get(k) for k in ("utility", "state", "device", "oem", "docket")})
    kb = Kb(db_path)
    try:
        blocks = blocks_for(kind, kb, opts)
        build = kb.build_info(set())  # the footer names the build, not its sources
    finally:
        kb.close()
    if fmt == "md":
        return [write_text(to_markdown(blocks), out)]
    return [write_docx(blocks, out, footer_text(build), KINDS[kind].title)]


__all__ = ["draft", "contexts", "closing", "ALL_KINDS", "KINDS", "Options", "FORMATS"]
