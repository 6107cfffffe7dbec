"""URLs the pages write: a fact's passage page, a task page, and a URL from the data, which is
a link only when its scheme is http or https (anything else is shown as text)."""

from __future__ import annotations

from urllib.parse import quote, quote_plus, urlsplit


def passage_path(database_path: str, source_id: str, start: int, end: int) -> str:
    """The passage page of web/plugins/provenance.py: source_id's text, [start, end) marked."""
    return (f"{database_path}/passage?source_id={quote_plus(str(source_id))}"
            f"&start={quote_plus(str(start))}&end={quote_plus(str(end))}")


def page_path(kind: str, key: str) -> str:
    """/state/CA, /utility/sce, /device/<id>."""
    return f"/{kind}/{quote(str(key), safe='')}"


def web_url(url) -> str | None:
    """`url` when it is an absolute http(s) URL; None for anything else (javascript:, data:,
    relative or broken), which a page shows as text, never as a link."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None
