"""A filing from its parts: each part's template rendered with its context, the parts joined
into one Word document (docxcompose keeps each part's styles, numbering and footnotes), and
the build the filing came from recorded in the document's properties.

Parts, in order: the kind's own document; for an Order 26 filing, each attached document
(Attachment A, B, …); then the closing part every filing ends with (the items to complete,
the sources cited with their sha256, the knowledge-base build).
"""

from __future__ import annotations

import datetime as dt

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from docxcompose.properties import CustomProperties

from msakb.filings.filing import Filing
from msakb.filings.kinds import KINDS
from msakb.filings.render import Sheet, render, template_path

CLOSING = "closing"


class Later:
    """A list made when a template iterates it (the closing part's todos and sources are
    known only once the parts before it have printed)."""

    def __init__(self, make):
        self.make = make

    def __iter__(self):
        return iter(self.make())

    def __len__(self):
        return len(self.make())

    def __bool__(self):
        return bool(self.make())


def parts(kind: str, filing: Filing) -> list[tuple[str, dict]]:
    """[(template name, context)] of the filing's parts, in document order."""
    opts = filing.opts
    main = KINDS[kind].build(filing, opts)
    out = [(KINDS[kind].template, main)]
    for a in main.get("attachments", []):
        sub_opts = opts.but(device=None, oem=None, state=None, docket=main.get("docket"))
        ctx = KINDS[a["kind"]].build(filing, sub_opts)
        ctx.update(attachment=a["letter"], in_package=True)
        out.append((KINDS[a["kind"]].template, ctx))
    build = filing.kb.build_info(set())
    out.append((CLOSING, {"todos": Later(lambda: list(filing.todos)), "sources": Later(filing.cites.sources),
                          "build": {k: build[k] for k in ("built_at", "kb_fingerprint", "code_fingerprint", "source_count")},
                          "todo": filing.todo, "flag": filing.flag}))
    return out


def assemble(kind: str, filing: Filing):
    """The filing as one python-docx Document."""
    from docxcompose.composer import Composer

    master, composer = None, None
    for name, ctx in parts(kind, filing):
        sheet = Sheet(first_note=1)
        filing.cites.sheet = sheet
        document = render(template_path(name, filing.opts.templates), ctx, sheet)
        if master is None:
            master = document
            composer = Composer(master)
            continue
        _page_break(master)
        composer.append(document)
    filing.cites.sheet = None
    properties(master, kind, filing)
    return master


def _page_break(document) -> None:
    """A page break at the end of the body, so that the next part starts a page."""
    p = OxmlElement("w:p")
    r = OxmlElement("w:r")
    br = OxmlElement("w:br")
    br.set(qn("w:type"), "page")
    r.append(br)
    p.append(r)
    body = document.element.body
    sect = body.find(qn("w:sectPr"))
    if sect is not None:
        sect.addprevious(p)
    else:
        body.append(p)


def properties(document, kind: str, filing: Filing) -> None:
    """Title and subject from the filing; the build it came from (date, fingerprints, each
    cited source's sha256) in the comments; no tool name, no time of drafting (a filing
    drafted twice from one build is the same document)."""
    build = filing.kb.build_info(set())
    cp = document.core_properties
    cp.title = KINDS[kind].title
    cp.subject = kind
    cp.author = ""
    cp.last_modified_by = ""
    cp.category = "compliance filing"
    cp.identifier = build["kb_fingerprint"]
    cp.keywords = "meter socket adapter; MSA"
    cp.comments = f"Knowledge base built {build['built_at']}, fingerprint {build['kb_fingerprint'][:16]}."
    custom = CustomProperties(document)  # Word: File > Properties > Custom
    custom["Knowledge base built"] = build["built_at"]
    custom["Knowledge base fingerprint"] = build["kb_fingerprint"]
    custom["Code fingerprint"] = build["code_fingerprint"]
    for s in filing.cites.sources():
        custom[f"Source {s['id']}"] = f"sha256 {s['sha256']}"
    cp.revision = 1
    try:
        when = dt.datetime.fromisoformat(build["built_at"].replace("Z", "+00:00"))
    except ValueError:
        when = None
    if when is not None:
        cp.created = cp.modified = when
