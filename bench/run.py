"""The benchmark run: for each corpus size, generate (or copy the seeds), build, measure,
and write the figures after every size (so a long run leaves its results as it goes)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Callable

from . import filings as filing_bench
from . import labelled
from . import queries
from .generate import generate, seed_corpus
from .measure import lost_rows, measure_builds, table_counts
from .report import machine, write_report

HERE = Path(__file__).parent
RESULTS = HERE / "RESULTS.md"
PLOT = HERE / "results.png"


def parse_sizes(text: str) -> list[str]:
    """'seeds,100,1000' -> ['seeds', '100', '1000']; '1' and '1x' mean the seeds."""
    out = []
    for part in text.split(","):
        part = part.strip().lower().replace("_", "")
        if part in ("seeds", "1", "1x"):
            out.append("seeds")
        elif part.isdigit() and int(part) > 1:
            out.append(part)
        else:
            raise ValueError(f"--sizes: {part!r} is not a number of documents (or 'seeds')")
    return out


def filings_available() -> str | None:
    """None when `msakb file` exists, else why the filing figures are skipped."""
    try:
        import msakb.filings  # noqa: F401
        from msakb.filings import draft  # noqa: F401
    except ImportError as e:
        return f"`msakb file` is not available ({e}); filing generation not measured"
    return None


def run_bench(sizes: list[str], repeat: int, out: Path, results: Path = RESULTS, plot: Path = PLOT,
              command: str = "python -m bench", serve_check: bool = True,
              progress: Callable[[str], None] = print) -> dict:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data: dict = {"command": command, "repeat": repeat, "sizes": {}, "notes": []}
    skip_filings = filings_available()
    if skip_filings:
        data["notes"].append(skip_filings)
        progress(skip_filings)
    progress("the generic extractor on the labelled set (tests/labelled/) ...")
    (out / "labelled").mkdir(exist_ok=True)
    data["labelled"] = labelled.measure(Path(tempfile.mkdtemp(dir=out / "labelled")))
    for size in sizes:
        folder = out / (size if size == "seeds" else f"n{size}")
        progress(f"[{size}] generating the corpus in {folder} ...")
        corpus = seed_corpus(folder / "kb") if size == "seeds" else generate(folder / "kb", int(size))
        db = folder / "kb.db"
        row = measure_builds(corpus, db, progress)
        progress(f"  Datasette latency ({repeat} requests per page) ...")
        row["queries"] = queries.latency(db, repeat)
        if not skip_filings:
            progress("  filings ...")
            runs = filing_bench.SEED_RUNS if size == "seeds" else filing_bench.synthetic_runs(db)
            row["filings"] = filing_bench.measure(db, runs, repeat=min(repeat, 5))
        row["label"] = f"{corpus.documents} (seeds)" if size == "seeds" else str(corpus.documents)
        data["sizes"][size] = row
        if serve_check and size == sizes[-1]:
            data["serving"] = {"size": row["label"], **queries.serve_during_rebuild(db, corpus.kb, progress)}
            data["serving"]["lost_after_rebuild"] = lost_rows(corpus, table_counts(db))
        data["machine"] = machine()
        (out / "results.json").write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
        write_report(data, results, plot)
        progress(f"  written {results} and {plot}")
    return data
