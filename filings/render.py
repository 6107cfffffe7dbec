"""Word templates -> Word documents, with docxtpl: Jinja tags written inside a .docx.

A template is `filings/templates/<name>.docx`, or the copy of the same name in the folder
`--templates DIR` gives (a house style); its styles, headers, footers, numbering and fields
carry into the filing. Rendering is strict and escaped: a Jinja environment with
StrictUndefined and autoescape, passed to docxtpl as `jinja_env` (docxtpl's own default is to
escape nothing), sandboxed because a house template is a file someone else wrote. A value the
context lacks, or a value that is None, stops the run with an error naming the template file,
the tag and the variable; nothing is written.

Values richer than text (a citation's footnote, a highlighted "[TO COMPLETE: …]") print as
placeholders that `filings.word.splice` replaces by runs once docxtpl is done.
"""

from __future__ import annotations

import re
import secrets
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from msakb.errors import FilingError
from msakb.filings import word
from msakb.filings.markup import Block

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Characters XML 1.0 cannot hold, and those docxtpl turns into
# paragraph or page breaks (\a, \f): a value never carries them into the document.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def template_path(name: str, folder: Path | None) -> Path:
    """`<name>.docx` from the house-style folder when it has one, else the shipped template."""
    if folder is not None:
        folder = Path(folder)
        if not folder.is_dir():
            raise FilingError(f"--templates {folder}: no such folder; give the folder holding your <kind>.docx templates")
        mine = folder / f"{name}.docx"
        if mine.is_file():
            return mine
    shipped = TEMPLATES / f"{name}.docx"
    if not shipped.is_file():
        raise FilingError(f"no template {name}.docx in {TEMPLATES}; is msakb installed completely?")
    return shipped


class Piece:
    """A value that prints as a placeholder, replaced after rendering by runs."""

    def __init__(self, token: str):
        self.token = token

    def __html__(self) -> str:
        return self.token

    __str__ = __html__


@dataclass
class Sheet:
    """What one rendered document collects while its template prints: the runs each
    placeholder stands for, and the footnotes to write."""

    first_note: int
    nonce: str = field(default_factory=lambda: str(secrets.randbelow(10**12)))
    pieces: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)  # (id, head runs, quoted blocks)
    reference: object = None  # makes a footnote's reference run, once the document's notes are read
    marker_style: str = word.MARKER

    def piece(self, make) -> Piece:
        n = len(self.pieces)
        self.pieces[n] = make
        return Piece(word.placeholder(self.nonce, n))

    def note(self, head: list, quote: list[Block]) -> Piece:
        """A footnote: `head` runs (markup Runs) then the quoted blocks."""
        nid = self.first_note + len(self.notes)
        self.notes.append((nid, head, quote))
        return self.piece(lambda rpr, nid=nid: [self.reference(nid)])

    def marker(self, text: str) -> Piece:
        """Highlighted text ('[TO COMPLETE: …]'), in the document's 'To Complete' style."""
        return self.piece(lambda rpr: [word.text_run(text, rpr=rpr, style=self.marker_style, highlight=True)])

    def finish(self, document) -> None:
        word.ensure_styles(document)
        self.marker_style = word.style_id(document, "To Complete", word.MARKER)
        footnotes = word.Footnotes(document)
        self.reference = footnotes.reference
        for nid, head, quote in self.notes:
            first = word.runs_of(head)
            paragraphs, indents = word.markup_paragraphs(quote, indent=142)
            footnotes.next_id = nid
            footnotes.add([first, *paragraphs], [0, *indents])
        footnotes.save()
        parts = [document.element.body]
        for section in document.sections:
            for hf in (section.header, section.footer, section.first_page_header, section.first_page_footer):
                if hf.is_linked_to_previous is False or hf._has_definition:
                    parts.append(hf._element)
        for root in parts:
            word.splice(root, self.pieces, self.nonce)


def _finalize(value):
    if value is None:
        raise jinja2.UndefinedError("a value it prints is None (the knowledge base has none here); "
                                    "guard the tag with {% if … %} or print a marker instead")
    if isinstance(value, str) and not isinstance(value, Markup):
        return _UNSAFE.sub(" ", value)
    return value


class _Environment(SandboxedEnvironment):
    """Strict, escaped, sandboxed; a template's XML compiled once per process (docxtpl hands
    the environment the whole part as a string on every render)."""

    @lru_cache(maxsize=64)
    def _compiled(self, source: str):
        return super().from_string(source)

    def from_string(self, source, globals=None, template_class=None):
        if globals or template_class:
            return super().from_string(source, globals, template_class)
        return self._compiled(source)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The one environment every template renders with."""
    return _Environment(undefined=jinja2.StrictUndefined, autoescape=True, finalize=_finalize)


def render(path: Path, context: dict, sheet: Sheet):
    """Render the template at `path` with `context`; returns the python-docx Document."""
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(str(path))
    try:
        tpl.init_docx()
    except Exception as e:  # python-docx raises several kinds for a file that is not a .docx
        raise FilingError(f"{path}: not a readable Word (.docx) template ({type(e).__name__}: {e})") from None
    sheet.first_note = max(sheet.first_note, _first_free_note(tpl.docx))
    try:
        tpl.render(context, jinja_env=environment())
    except FilingError:
        raise
    except Exception as e:  # a tag may fail in any way a Python expression can (TypeError, ...)
        raise FilingError(_explain(path, tpl, e, sys.exc_info()[2])) from None
    sheet.finish(tpl.docx)
    return tpl.docx


def _first_free_note(document) -> int:
    return word.Footnotes(document).next_id


def _explain(path: Path, tpl, error: Exception, tb) -> str:
    """'<file>: tag {{ x.y }} in "<paragraph text>": <what>' for a failed render."""
    line = getattr(error, "lineno", None)
    while tb is not None:  # a runtime error's line is in the template frame of the traceback
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    message = getattr(error, "message", None) or str(error)
    where = "paragraph not found"
    tags: list[str] = []
    if line:
        text = _source_line(tpl, line)
        tags = re.findall(r"\{\{.*?\}\}|\{%.*?%\}", text)
        names = re.findall(r"'([^']+)'", message)
        named = [t for t in tags if names and re.search(rf"\b{re.escape(names[-1])}\b", t)]
        tags = named or tags
        shown = " ".join(text.split())
        where = f"in “{shown[:100]}{'…' if len(shown) > 100 else ''}”"
    tag = f"tag {' '.join(tags)} " if tags else ""
    if isinstance(error, jinja2.TemplateSyntaxError):
        return f"{path}: {tag}{where}: template syntax error: {message}; fix the tag in Word"
    return (f"{path}: {tag}{where}: {message} (the filing's context has no such value; "
            "filings/templates/README.md lists what each template can use)")


def _source_line(tpl, line: int) -> str:
    """The text (tags and words, no XML) of line `line` of the part docxtpl was rendering."""
    part = getattr(tpl, "current_rendering_part", None)
    try:
        if part is None or part is tpl.docx.part:
            xml = tpl.patch_xml(tpl.get_xml())
        else:
            xml = tpl.patch_xml(tpl.get_part_xml(part))
    except Exception:  # the explanation must not hide the error it explains
        return ""
    lines = re.sub(r"<w:p([ >])", r"\n<w:p\1", xml).splitlines()
    return re.sub(r"<[^>]+>", "", lines[line - 1]) if 0 < line <= len(lines) else ""


def variables(path: Path) -> set[str]:
    """The top-level names the template at `path` reads (docxtpl's own analysis)."""
    from docxtpl import DocxTemplate

    return DocxTemplate(str(path)).get_undeclared_template_variables(jinja_env=environment())
