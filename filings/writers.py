"""Blocks (filings.layout) -> a .docx laid out with python-docx, or a Markdown preview.

Files are written through a temporary file renamed into place, so a failed run never leaves a
half-written filing.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from msakb.filings.layout import Block, Run, shown


def write_docx(blocks: list[Block], path: Path, footer: str, title: str) -> Path:
    """Lay the blocks out with python-docx; the file appears only when complete."""
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_COLOR_INDEX
    from docx.shared import Inches, Pt

    doc = Document()
    doc.core_properties.title = title
    doc.core_properties.author = "msakb"
    doc.styles["Normal"].font.size = Pt(11)

    def add_runs(paragraph, runs):
        for r in runs:
            if r.br:
                paragraph.add_run().add_break()
                continue
            run = paragraph.add_run(shown(r))
            run.bold = r.bold or None
            run.italic = r.italic or None
            if r.sup:
                run.font.superscript = True
            if r.mark:
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW

    styles = {"title": "Title", "h1": "Heading 1", "h2": "Heading 2", "h3": "Heading 3",
              "p": None, "quote": "Quote"}
    style_ids: dict[str, str | None] = {}

    def add_paragraph(style: str | None):
        """doc.add_paragraph(style=style), with python-docx's look-up of the style's id done
        once per style: it scans every style of the document for each paragraph (1 ms each,
        half the time of a 300-paragraph filing). The same XML: pStyle, none for the default."""
        paragraph = doc.add_paragraph()
        if style is not None:
            if style not in style_ids:
                style_ids[style] = doc.part.get_style_id(style, WD_STYLE_TYPE.PARAGRAPH)
            paragraph._p.style = style_ids[style]
        return paragraph

    for b in blocks:
        if b.kind == "pagebreak":
            doc.add_page_break()
        elif b.kind == "li":
            if b.number is None:
                style = ["List Bullet", "List Bullet 2", "List Bullet 3"][min(b.level, 2)]
                add_runs(add_paragraph(style), b.runs)
            else:
                p = add_paragraph(["List", "List 2", "List 3"][min(b.level, 2)])
                add_runs(p, [Run(f"{b.number}. ")] + b.runs)
        elif b.kind == "table":
            width = max((len(r) for r in b.rows), default=0)
            if not width:
                continue
            table = doc.add_table(rows=len(b.rows), cols=width)
            table.style = "Table Grid"
            if len(b.widths) == width:
                table.autofit = False
                for j, w in enumerate(b.widths):
                    size = Inches(6.5 * w / sum(b.widths))
                    table.columns[j].width = size
                    for cell in table.columns[j].cells:
                        cell.width = size
            cells = table._cells  # table.cell(i, j) rebuilds this list on every call: quadratic
            for i, row in enumerate(b.rows):
                for j, cell_runs in enumerate(row):
                    add_runs(cells[i * width + j].paragraphs[0], cell_runs)
            doc.add_paragraph()
        else:
            add_runs(add_paragraph(styles[b.kind]), b.runs)
    foot = doc.sections[0].footer.paragraphs[0]
    foot.text = footer
    for run in foot.runs:
        run.font.size = Pt(8)
    return save_atomically(path, doc.save)


def to_markdown(blocks: list[Block]) -> str:
    """A Markdown preview of the same blocks."""
    lines: list[str] = []
    for i, b in enumerate(blocks):
        if b.kind == "pagebreak":
            lines += ["---", ""]
        elif b.kind == "li":
            marker = f"{b.number}." if b.number is not None else "-"
            lines.append(f"{'  ' * b.level}{marker} {_md_runs(b.runs)}")
            if i + 1 == len(blocks) or blocks[i + 1].kind != "li":
                lines.append("")
        elif b.kind == "table":
            for n, row in enumerate(b.rows):
                lines.append("| " + " | ".join(_md_runs(c).replace("<br>", " ") for c in row) + " |")
                if n == 0:
                    lines.append("|" + "---|" * len(row))
            lines.append("")
        else:
            prefix = {"title": "# ", "h1": "## ", "h2": "### ", "h3": "#### ", "quote": "> "}.get(b.kind, "")
            text = re.sub(r"^(\d+)\.", r"\1\\.", _md_runs(b.runs))  # not a numbered list
            lines += [prefix + text, ""]
    return "\n".join(lines).rstrip() + "\n"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|<>~-])")


def _md_runs(runs: list[Run]) -> str:
    out = []
    for r in runs:
        if r.br:
            out.append("<br>")
            continue
        text = _MD_SPECIAL.sub(r"\\\1", shown(r)).replace("&", "&amp;")
        if r.sup:
            text = f"<sup>{text}</sup>"
        if r.bold and text.strip():
            text = f"**{text}**"
        if r.italic and text.strip():
            text = f"*{text}*"
        if r.mark:
            text = f"<mark>{text}</mark>"
        out.append(text)
    return "".join(out)


def write_text(text: str, path: Path) -> Path:
    return save_atomically(path, lambda p: Path(p).write_text(text, encoding="utf-8"))


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
