"""Templates -> markup text: strict Jinja with HTML escaping.

Templates are `filings/templates/*.html.j2`: Jinja over a small HTML-like markup (see
filings/templates/README.md) that `filings.layout` lays out as a Word document or a Markdown
preview. Because the layout markup is made of tags, Jinja's own HTML autoescaping is exactly
the escaping we need: a value holding `&`, `<` or quotes can never open a tag or break the
document. Rendering is strict: a value the context does not have raises FilingError naming the
template, the line and the variable, never a blank.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

import jinja2
from jinja2 import meta
from markupsafe import Markup, escape

from msakb.errors import FilingError

TEMPLATES = Path(__file__).resolve().parent / "templates"


def blank(label: str = "") -> Markup:
    """A clearly marked blank for a field the knowledge base cannot fill ('[TO COMPLETE: label]',
    or '[TO COMPLETE]' where the label stands beside it)."""
    return Markup("<blank>{}</blank>").format(label)


def flag(text: str) -> Markup:
    """A highlighted flag, e.g. 'justification needed'."""
    return Markup("<flag>{}</flag>").format(text)


def linebreaks(value) -> Markup:
    """Escape a value and keep its line breaks as <br/> (for quoted passages)."""
    lines = str(value).strip("\n").split("\n")
    return Markup("<br/>").join(escape(line) for line in lines)


def _finalize(value):
    """Printing None would put the word 'None' (or nothing) where a fact should be: refuse it."""
    if value is None:
        raise jinja2.UndefinedError(
            "a printed value is None (the knowledge base has none here); "
            "guard it with {% if ... %} or print blank(...) instead"
        )
    return value


@lru_cache(maxsize=4)
def environment(folder: str = str(TEMPLATES)) -> jinja2.Environment:
    """The one Jinja environment: strict undefined, autoescape on, helpers registered."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.globals.update(blank=blank, flag=flag)
    env.filters["linebreaks"] = linebreaks
    return env


def render(name: str, context: dict, folder: Path = TEMPLATES) -> str:
    """Render template `name` with `context`; any missing value raises FilingError."""
    env = environment(str(folder))
    try:
        template = env.get_template(name)
    except jinja2.TemplateNotFound as e:
        raise FilingError(f"template {e.name!r} not found in {folder}") from None
    except jinja2.TemplateSyntaxError as e:
        raise FilingError(f"{folder / (e.name or name)}, line {e.lineno}: template syntax error: {e.message}") from None
    try:
        return template.render(**context)
    except jinja2.UndefinedError as e:
        tb = sys.exc_info()[2]
        where = _where(tb, folder)
        raise FilingError(
            f"{where}: {e.message} (the filing's context has no such value; "
            "fix the template or the context builder in filings/)"
        ) from None
    except jinja2.TemplateSyntaxError as e:
        raise FilingError(f"{folder / (e.name or name)}, line {e.lineno}: template syntax error: {e.message}") from None


def _where(tb, folder: Path) -> str:
    """'template x.html.j2, line N (the line)' for the innermost template frame (Jinja rewrites
    the traceback so that a template's frame carries its file name and template line)."""
    found = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = (Path(filename), tb.tb_lineno)
        tb = tb.tb_next
    if found is None:
        return f"templates in {folder}"
    path, line = found
    text = ""
    if path.is_file():
        lines = path.read_text(encoding="utf-8").splitlines()
        if 0 < line <= len(lines):
            text = f" ({lines[line - 1].strip()[:80]})"
    return f"template {path.name}, line {line}{text}"


def undeclared_variables(name: str, folder: Path = TEMPLATES) -> set[str]:
    """Top-level names template `name` (and the templates it includes) reads from its context."""
    env = environment(str(folder))
    seen, names, todo = set(), set(), [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        source = env.loader.get_source(env, current)[0]
        ast = env.parse(source)
        names |= meta.find_undeclared_variables(ast)
        todo.extend(t for t in meta.find_referenced_templates(ast) if t)
    return names - set(env.globals)
