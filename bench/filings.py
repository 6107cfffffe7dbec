"""Filing generation: documents per second for every kind (`filings.draft`, what `msakb
file` runs), against python-docx writing a document of the same text (every paragraph and
table cell of the filing, as plain paragraphs) without templates."""

from __future__ import annotations

import sqlite3
import tempfile
import time
from pathlib import Path

# Options per kind on the seed corpus (those of tests/filings_fixtures.py).
TESLA = "tesla-backup-switch-1624171-xx-y"
GUIDELINES = "sce-msa-program-guidelines-2025"
SEED_RUNS = [
    ("waiver", {"utility": "sce"}),
    ("restrictions", {"utility": "sce"}),
    ("oem-application", {"device": TESLA, "utility": "eversource-ct"}),
    ("installer-conditions", {"utility": "eversource-ct"}),
    ("order-26", {"utility": "eversource-ct"}),
    ("program-redline", {"old": GUIDELINES, "new": GUIDELINES}),
]


def synthetic_runs(db: Path) -> list[tuple[str, dict]]:
    """The kinds a synthetic corpus can fill (it holds approved lists only), for its busiest
    utility and device."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    (u,) = conn.execute("SELECT utility_id FROM approvals GROUP BY utility_id ORDER BY count(*) DESC, utility_id LIMIT 1").fetchone()
    (d,) = conn.execute("SELECT device_id FROM approvals WHERE utility_id = ? GROUP BY device_id ORDER BY count(*) DESC, device_id LIMIT 1", (u,)).fetchone()
    conn.close()
    return [("waiver", {"utility": u}), ("restrictions", {"utility": u}),
            ("oem-application", {"device": d, "utility": u}), ("installer-conditions", {"utility": u})]


def _texts(path: Path) -> list[str]:
    from docx import Document

    doc = Document(str(path))
    out = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            out += [c.text for c in row.cells]
    return out


def _bare_docx(texts: list[str], out: Path) -> None:
    from docx import Document

    doc = Document()
    for t in texts:
        doc.add_paragraph(t)
    doc.save(str(out))


def measure(db: Path, runs: list[tuple[str, dict]], repeat: int) -> list[dict]:
    from msakb.errors import MsakbError
    from msakb.filings import Options, draft

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind, opts in runs:
            target = Path(tmp) / f"{kind}.docx"
            started = time.perf_counter()
            try:
                draft(kind, db, target, options=Options(**opts))  # warm-up (and the check that it fills)
            except MsakbError as e:
                out.append({"kind": kind, "options": opts, "skipped": str(e)})
                continue
            n = 1 if time.perf_counter() - started > 5 else max(3, repeat)  # a slow kind is timed once
            started = time.perf_counter()
            for _ in range(n):
                draft(kind, db, target, options=Options(**opts))
            took = (time.perf_counter() - started) / n
            texts = _texts(target)
            bare = Path(tmp) / "bare.docx"
            started = time.perf_counter()
            for _ in range(n):
                _bare_docx(texts, bare)
            base = (time.perf_counter() - started) / n
            out.append({"kind": kind, "options": opts, "seconds": took, "docs_per_s": 1 / took,
                        "paragraphs": len(texts), "chars": sum(map(len, texts)),
                        "bare_docs_per_s": 1 / base, "ratio": took / base})
    return out
