"""bench/RESULTS.md (figures, targets held or not, machine details) and the plot of time
against corpus size."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sqlite3
import subprocess
from importlib import metadata
from pathlib import Path

from bench import REPO
from bench.labelled import report as labelled_report

TARGETS = {"extract_vs_tokenizer": 3.0, "incremental_share": 0.05, "load_vs_executemany": 2.0,
           "build_vs_tokenizer": 3.0, "peak_memory_mb": 1024, "page_growth": 2.0}
BIG = 10000  # the national size the build and memory targets are set at


def machine() -> list[str]:
    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")), platform.processor())
    mem = next((int(ln.split()[1]) // 1024 for ln in open("/proc/meminfo") if ln.startswith("MemTotal")), 0)
    versions = ", ".join(f"{p} {metadata.version(p)}" for p in ("spacy", "datasette", "sqlmodel", "python-docx"))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return [f"- {platform.platform()}; CPU {cpu}, {os.cpu_count()} cores; {mem:,} MB RAM; load average at the end "
            f"{load} (other work ran on the machine: wall-clock figures include it, CPU seconds of each build are given)",
            f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; {versions}",
            f"- commit {commit}; run finished {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC"]


def _extraction(r: dict) -> float:
    """Extraction seconds against which the tokenizer is compared: the best side-by-side round
    (bench/extraction.py); a results.json from before those rounds has only the build's own."""
    return r["extraction"]["extract_best"] if "extraction" in r else r["full"].get("extract", 0)


def _held(ok: bool) -> str:
    return "holds" if ok else "**does not hold**"


def load(f: dict) -> float:
    """Seconds spent writing the rows into the file: the build's own process (inserts, and the
    copies of the partitions its workers resolved), plus its workers' inserts into those
    partition files, summed (work done in parallel counted whole)."""
    return f["write"] + f.get("workers:write", 0)


def memory(f: dict) -> float:
    """Peak memory of the build: the proportional set size summed over its processes,
    sampled (bench/memory.py); results of earlier runs have only their one process's RSS."""
    return f.get("peak_pss_mb") or f["peak_rss_mb"]


def build_ratio(r: dict) -> float:
    return r["full"]["total"] / r["tokenizer"]


def build_table(sizes: dict) -> list[str]:
    out = ["| documents | MB of text | workers | full build s | docs/s | `make_doc` s | build / tokenizer "
           "| extraction s | extraction / tokenizer "
           "| incremental s | incremental / full | incremental after a status edit s | status edit / full "
           "| load s | bare `executemany` s | load / bare | peak memory MB | CPU s full / incr. |",
           "|---:" * 18 + "|"]
    for r in sizes.values():
        f, i = r["full"], r["incremental"]
        out.append(f"| {r['label']} | {r['chars'] / 1e6:.1f} | {f.get('workers', 1)} | {f['total']:.1f} "
                   f"| {r['documents'] / f['total']:.0f} | {r['tokenizer']:.2f} | {build_ratio(r):.1f}x "
                   f"| {_extraction(r):.2f} | {_extraction(r) / r['tokenizer']:.1f}x "
                   f"| {i['total']:.2f} | {i['total'] / f['total']:.1%} "
                   + (f"| {r['incremental_edit']['total']:.2f} | {r['incremental_edit']['total'] / f['total']:.1%} "
                      if "incremental_edit" in r else "| not measured | – ")
                   + f"| {load(f):.2f} | {f['bare_executemany']:.2f} "
                   f"| {load(f) / f['bare_executemany']:.1f}x | {memory(f):.0f} | {f.get('cpu', 0):.1f} / {i.get('cpu', 0):.1f} |")
    return out


def memory_table(sizes: dict) -> list[str]:
    out = ["| documents | workers | peak PSS, all processes MB | peak RSS summed MB | processes | build process RSS MB "
           "| largest worker RSS MB |", "|---:" * 7 + "|"]
    for r in sizes.values():
        f = r["full"]
        if "peak_pss_mb" not in f:
            continue
        out.append(f"| {r['label']} | {f.get('workers', 1)} | {f['peak_pss_mb']:.0f} | {f['peak_rss_sum_mb']:.0f} "
                   f"| {f['processes']} | {f['peak_rss_mb']:.0f} | {f.get('worker_peak_rss_mb', 0):.0f} |")
    return out


_NOT_PHASES = ("counts", "peak_rss_mb", "worker_peak_rss_mb", "peak_pss_mb", "peak_rss_sum_mb", "processes",
               "bare_executemany", "cpu", "rounds", "workers")


def phase_table(sizes: dict, which: str, cpu: bool = False) -> list[str]:
    """Seconds per phase (wall-clock; `workers:` the per-source work summed over the sources);
    with `cpu`, the CPU seconds of the same."""
    def wanted(k: str) -> bool:
        return k not in _NOT_PHASES and k.startswith("cpu:") == cpu
    phases = sorted({k for r in sizes.values() for k in r[which] if wanted(k)},
                    key=lambda k: (k != "total", k.removeprefix("cpu:").startswith("workers:"), k))
    out = ["| phase | " + " | ".join(r["label"] for r in sizes.values()) + " |", "|---" + "|---:" * len(sizes) + "|"]
    for ph in phases:
        out.append(f"| {ph.removeprefix('cpu:')} | " + " | ".join(f"{r[which].get(ph, 0):.2f}" for r in sizes.values()) + " |")
    return out


def query_table(sizes: dict) -> list[str]:
    out = ["| documents | page | HTML median / p95 ms | JSON median / p95 ms | direct SQL median / p95 ms "
           "| HTML / SQL | JSON / SQL | stock Datasette HTML / JSON median ms |", "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in sizes.values():
        for q in r["queries"]:
            if q.get("error"):
                out.append(f"| {r['label']} | {q['name']} | {q['error']} | | {q['direct']['median_ms']:.2f} / "
                           f"{q['direct']['p95_ms']:.2f} | | | {_stock(q)} |")
                continue
            out.append(f"| {r['label']} | {q['name']} | {q['datasette']['median_ms']:.1f} / {q['datasette']['p95_ms']:.1f} "
                       f"| {_ms(q['json']['median_ms'])} / {_ms(q['json']['p95_ms'])} "
                       f"| {q['direct']['median_ms']:.2f} / {q['direct']['p95_ms']:.2f} | {q['ratio']:.1f}x "
                       f"| {_ms(q['ratio_json'], '{:.1f}x')} | {_stock(q)} |")
    return out


def _ms(value: float, fmt: str = "{:.1f}") -> str:
    """A figure, or a dash for one not measured (NaN: a page without a JSON twin)."""
    return "–" if value != value else fmt.format(value)


def _stock(q: dict) -> str:
    """The floor: the same page from a stock Datasette (results of earlier runs lack it)."""
    if "stock" not in q:
        return ""
    return " / ".join(s.get("error") or _ms(s["median_ms"]) for s in (q["stock"]["html"], q["stock"]["json"]))


def filing_table(sizes: dict) -> list[str]:
    out = ["| documents | kind | options | filings/s | paragraphs | python-docx, same text, docs/s | filing / bare |",
           "|---:|---|---|---:|---:|---:|---:|"]
    for r in sizes.values():
        for f in r.get("filings", []):
            opts = " ".join(f"--{k} {v}" for k, v in f["options"].items())
            if "skipped" in f:
                out.append(f"| {r['label']} | {f['kind']} | {opts} | skipped: {f['skipped']} | | | |")
            else:
                out.append(f"| {r['label']} | {f['kind']} | {opts} | {f['docs_per_s']:.1f} | {f['paragraphs']} "
                           f"| {f['bare_docs_per_s']:.1f} | {f['ratio']:.1f}x |")
    return out


def _workers(n: int) -> str:
    return f"{n} worker" + ("" if n == 1 else "s")


def _page_name(q: dict) -> str:
    return q["name"].split(" (")[0]


def page_growth(sizes: list[dict]) -> list[tuple[str, float, float, float]]:
    """(page, median at 1,000, at 10,000 documents, ratio), HTML, for the pages measured at both."""
    small = next((r for r in sizes if r["documents"] == 1000), None)
    big = next((r for r in sizes if r["documents"] == BIG), None)
    if small is None or big is None:
        return []
    at = {_page_name(q): q for q in small["queries"] if not q.get("error")}
    return [(_page_name(q), at[_page_name(q)]["datasette"]["median_ms"], q["datasette"]["median_ms"],
             q["datasette"]["median_ms"] / at[_page_name(q)]["datasette"]["median_ms"])
            for q in big["queries"] if not q.get("error") and _page_name(q) in at]


def slower_than_stock(r: dict) -> list[tuple[str, float, float]]:
    """(page, ours, stock Datasette's) HTML medians of the pages slower than stock's."""
    out = []
    for q in r["queries"]:
        stock = q.get("stock", {}).get("html", {})
        if q.get("error") or "median_ms" not in stock:
            continue
        if q["datasette"]["median_ms"] > stock["median_ms"]:
            out.append((_page_name(q), q["datasette"]["median_ms"], stock["median_ms"]))
    return out


def verdicts(data: dict) -> list[str]:
    sizes = list(data["sizes"].values())
    big = [r for r in sizes if r["documents"] >= 1000]
    last = sizes[-1]
    ext = max(_extraction(r) / r["tokenizer"] for r in sizes)
    worst_load = max(load(r["full"]) / r["full"]["bare_executemany"] for r in sizes)
    failed = [x["name"] for x in last["queries"] if x.get("error")]

    def each(f, fmt="{:.1f}x", rows=sizes):
        return " (" + ", ".join(f"{r['label']}: " + fmt.format(f(r)) for r in rows) + ")"

    out = [f"1. Extraction within {TARGETS['extract_vs_tokenizer']:.0f}x of `nlp.make_doc`: worst {ext:.1f}x: "
           f"{_held(ext <= TARGETS['extract_vs_tokenizer'])}" + each(lambda r: _extraction(r) / r["tokenizer"]) + "."]
    if big:
        share = max(r["incremental"]["total"] / r["full"]["total"] for r in big)
        out.append(f"2. Incremental build under 5 % of a full build at 1,000 documents and more: worst {share:.1%}: "
                   f"{_held(share < TARGETS['incremental_share'])}"
                   + each(lambda r: r["incremental"]["total"] / r["full"]["total"], "{:.1%}", big)
                   + " when the change is a blank line appended to one source.")
        edited = [r for r in big if "incremental_edit" in r]
        if edited:
            share_e = max(r["incremental_edit"]["total"] / r["full"]["total"] for r in edited)
            out.append(f"   After a real content edit (one approval's status changed in a list mid-corpus): worst "
                       f"{share_e:.1%}: {_held(share_e < TARGETS['incremental_share'])}"
                       + each(lambda r: r["incremental_edit"]["total"] / r["full"]["total"], "{:.1%}", edited) + ".")
        else:
            out.append("   After a real content edit: not measured in this run (an older run; rerun the benchmark).")
    else:
        out.append("2. Incremental build: no size of 1,000 documents or more was measured.")
    out.append(f"3. Load within 2x of a bare `executemany`: worst {worst_load:.1f}x: "
               f"{_held(worst_load <= TARGETS['load_vs_executemany'])}"
               + each(lambda r: load(r["full"]) / r["full"]["bare_executemany"]) + ".")
    growth = page_growth(sizes)
    slower = {r["label"]: slower_than_stock(r) for r in sizes}
    if growth:
        worst = max(g[3] for g in growth)
        out.append(f"4. Every page's median at {BIG:,} documents at most {TARGETS['page_growth']:.0f}x its median at 1,000: "
                   f"worst {worst:.1f}x: {_held(worst <= TARGETS['page_growth'] and not failed)} ("
                   + ", ".join(f"{n} {a:.0f} -> {b:.0f} ms, {x:.1f}x" for n, a, b, x in growth) + ")"
                   + (f"; failed: {', '.join(failed)}" if failed else "") + ".")
    else:
        out.append(f"4. Page growth from 1,000 to {BIG:,} documents: not measured in this run (both sizes are needed).")
    worse = [(label, page) for label, pages in slower.items() for page in pages]
    out.append("   No page slower than stock Datasette's same page: "
               + (_held(True) + " at every size" if not worse else
                  _held(False) + ": " + ", ".join(f"{p} at {label} documents ({a:.0f} ms, stock {b:.0f} ms)"
                                                 for label, (p, a, b) in worse)) + ".")
    out.append("5. Filing generation: documents per second per kind, below, against python-docx writing the same "
               "text (no target set).")
    at_big = [r for r in sizes if r["documents"] == BIG]
    mem = [(r["label"], r["full"].get("workers", 1), memory(r["full"])) for r in sizes]
    if at_big:
        peak = memory(at_big[0]["full"])
        out.append(f"6. Peak memory of the build at {BIG:,} documents at most {TARGETS['peak_memory_mb']:,} MB "
                   f"(all its processes): {peak:.0f} MB: {_held(peak <= TARGETS['peak_memory_mb'])} ("
                   + ", ".join(f"{label}: {m:.0f} MB with {_workers(w)}" for label, w, m in mem) + ").")
        ratio = build_ratio(at_big[0])
        out.append(f"7. Full build at {BIG:,} documents within {TARGETS['build_vs_tokenizer']:.0f}x of `nlp.make_doc` "
                   f"over the same text: {ratio:.1f}x ({at_big[0]['full']['total']:.0f} s, make_doc "
                   f"{at_big[0]['tokenizer']:.1f} s, {_workers(at_big[0]['full'].get('workers', 1))}): "
                   f"{_held(ratio <= TARGETS['build_vs_tokenizer'])}" + each(build_ratio) + ".")
    else:
        out.append("6. Peak memory of the build: " + ", ".join(f"{label}: {m:.0f} MB with {_workers(w)}" for label, w, m in mem)
                   + f" ({BIG:,} documents not measured in this run).")
        out.append("7. Full build against `nlp.make_doc`" + each(build_ratio)
                   + f" ({BIG:,} documents not measured in this run).")
    return out


def where_time_goes(data: dict) -> list[str]:
    """The largest phases of the full and the incremental build at the largest size."""
    last = list(data["sizes"].values())[-1]
    out = []
    for which in ("full", "incremental"):
        b = last[which]
        phases = {k: v for k, v in b.items() if isinstance(v, float) and k not in _NOT_PHASES
                  and k not in ("total", "write") and not k.startswith(("cpu:", "workers:"))}
        top = sorted(phases.items(), key=lambda kv: -kv[1])[:4]
        out.append(f"- {which} build at {last['label']} documents ({b['total']:.1f} s): "
                   + ", ".join(f"{k} {v:.1f} s ({v / b['total']:.0%})" for k, v in top) + ".")
        shared = {k[len("workers:"):]: v for k, v in b.items() if k.startswith("workers:")}
        if shared:
            cpu = {k[len("cpu:workers:"):]: v for k, v in b.items() if k.startswith("cpu:workers:")}
            out.append(f"  Its {b.get('workers', 1)} workers' share (summed over sources and partitions, wall-clock "
                       f"/ CPU s): " + ", ".join(f"{k} {v:.1f} / {cpu.get(k, 0):.1f}" for k, v in sorted(shared.items()))
                       + ".")
    return out


NOTES = [
    "- An incremental build patches a copy of the previous database (db/pipeline/patch.py): the changed source "
    "is re-parsed; rows quoting it after its edited stretch move in place with the text (db/pipeline/shift.py); "
    "only the row keys whose records say something else are resolved again; each build step's incremental form "
    "(db/pipeline/steps.py) redoes only what it reads that changed (cross-source conflicts: only the facts of "
    "those keys); the quotes of changed rows and every foreign key are checked, and the copy is renamed into "
    "place. What remains grows with the corpus: reading and hashing every source and the manifest, copying the "
    "file, the foreign-key check. A change to annotations, gazetteer, rules, decisions or the code gives a full "
    "build (tests/test_bench.py checks a patched build equals a cold one).",
    "- The entity patterns' regular expressions and word sets are matched as spaCy lexeme flags, worked out "
    "once per distinct word (extract/shared/entities.py); as Python predicates they were tried at every token "
    "for every pattern, about 4x tokenizing the seeds' prose. The first round of a process is slower than the "
    "next (regular expressions compiled, pattern files read): the column of the extraction in the build shows it.",
    "- The schema is written from the models' metadata on the build's own connection, in the rows' "
    "transaction (db/store/schema.py); through an SQLAlchemy engine it cost about 45 ms, 4-5x the bare load of "
    "the seeds' rows.",
    "- The table page's ratio is Datasette's fixed cost of a page of 100 rows of about 20 columns against SQL "
    "that takes a few milliseconds: per cell, a render_cell hook call and a display dict; per page, some twenty "
    "queries through its thread pool and a deep copy of the metadata for each permission check. Ours adds "
    "little to it now: the rows are written by one filter (web/plugins/table_rows.py) and the schema of the "
    "immutable database is read once (web/plugins/immutable_file.py); the stock Datasette column shows the floor. "
    "On the pages whose SQL does real work (facets, search, the canned query) Datasette adds little at 10,000 "
    "documents.",
    "- What those two plugins replaced, measured at 10,000 documents when they were written: Datasette's "
    "per-cell Jinja loop in async mode, about 15 ms of a 45 ms table page, more than its SQL; the render_cell "
    "hook called through pluggy for each of 2,000 cells, 4 to 7 ms of a 35 ms page (urlencode, datasette.urls "
    "and Markup.format cost several times the plain string operations that now build the links; escaping a "
    "cell's text without a Markup object halves that cost); the schema asked for every table page, about "
    "fifteen small queries and 3 ms of a 40 ms page.",
    "- Smaller figures behind choices in the code: libyaml's parser reads a national-size manifest about 10x "
    "faster than PyYAML's own (msakb/knowledge/manifest.py); a second blank spaCy pipeline took 0.2 s to "
    "construct, more than deriving one source's candidates (extract/candidates/cues.py); one incremental build "
    "is a second or two at 1,000 documents, so the benchmark keeps the fastest of its rounds.",
    "- The OEM canned query's SQL grows with the corpus (it reads every current edition); it stays under "
    "Datasette's 1 s limit at 10,000 documents since sources.series is indexed (before: 0.8 s at 1,000).",
]


def plot(data: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = list(data["sizes"].values())
    n = [r["documents"] for r in sizes]
    workers = max(r["full"].get("workers", 1) for r in sizes)
    fig, (a, m, b) = plt.subplots(1, 3, figsize=(17, 5))
    for label, key, style in [
            (f"full build ({_workers(workers)})", lambda r: r["full"]["total"], "-"),
            (f"{TARGETS['build_vs_tokenizer']:.0f}x make_doc (target)",
             lambda r: TARGETS["build_vs_tokenizer"] * r["tokenizer"], ":"),
            ("spaCy make_doc", lambda r: r["tokenizer"], "-"), ("extraction", _extraction, "-"),
            ("incremental build", lambda r: r["incremental"]["total"], "-"),
            ("load (write)", lambda r: load(r["full"]), "-"), ("bare executemany", lambda r: r["full"]["bare_executemany"], "-")]:
        a.plot(n, [key(r) for r in sizes], marker="o", linestyle=style, label=label)
    a.set(xscale="log", yscale="log", xlabel="documents", ylabel="seconds", title="Build")
    a.legend(fontsize=8)
    m.plot(n, [memory(r["full"]) for r in sizes], marker="o", label="peak PSS, all build processes")
    if any("peak_rss_sum_mb" in r["full"] for r in sizes):
        m.plot(n, [r["full"].get("peak_rss_sum_mb", 0) for r in sizes], marker="x", linestyle="--",
               label="peak RSS summed (upper bound)")
    m.axhline(TARGETS["peak_memory_mb"], color="grey", linestyle=":", label=f"{TARGETS['peak_memory_mb']} MB (target)")
    m.set(xscale="log", xlabel="documents", ylabel="MB", title="Peak memory of a full build")
    m.legend(fontsize=8)
    for k in range(len(sizes[0]["queries"])):
        name = _page_name(sizes[0]["queries"][k])
        pages = [next((q for q in r["queries"] if _page_name(q) == name), None) for r in sizes]
        pts = [(x, q) for x, q in zip(n, pages) if q is not None and not q.get("error")]
        b.plot([x for x, _ in pts], [q["datasette"]["median_ms"] for _, q in pts], marker="o", color=f"C{k}",
               label=f"{name}: msakb (HTML)")
        stock = [(x, q["stock"]["html"]["median_ms"]) for x, q in pts if "median_ms" in q.get("stock", {}).get("html", {})]
        if stock:
            b.plot([x for x, _ in stock], [v for _, v in stock], marker="x", linestyle="--", color=f"C{k}",
                   label=f"{name}: stock Datasette")
    b.set(xscale="log", yscale="log", xlabel="documents", ylabel="median ms", title="Pages")
    b.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(data: dict, path: Path, png: Path) -> None:
    sizes = data["sizes"]
    lines = ["# Benchmark results", "", f"Command: `{data['command']}` (figures from one run; "
             f"{data['repeat']} requests per page after two warm-ups).", "", "Machine:", *data.get("machine", machine()), "",
             "## Targets", *verdicts(data), ""]
    lines += [*(f"- {n}" for n in data["notes"]), ""] if data["notes"] else []
    lines += ["## Build", "", *build_table(sizes), "",
              "Full build = `msakb build` from a cold cache in a fresh process (bench/child.py), its sources parsed and its "
              "records resolved by `workers` processes (db/pipeline/workers.py; the default, one per core); `make_doc` = "
              "spaCy's bare tokenizer with the field's rules and no components, over the same texts, in one process, "
              "best of the rounds of bench/extraction.py (10 rounds under 1 MB of text, 3 under 10 MB, else 1). "
              "Extraction = time inside the parsers over every source, best of the same rounds, each from a fresh entity "
              "pipeline. Incremental = the fastest of five rebuilds (bench/measure.py INCREMENTAL_ROUNDS), each after a change of its own to one "
              "source (its sha256 updated): a blank line appended, or an approval's status changed in a list in the "
              "middle of the corpus; unchanged sources come from the record cache (`<db>.cache/`). Load = the seconds "
              "spent writing rows: the build's process inserting and copying in the partitions its workers resolved, "
              "plus the workers' own inserts, summed; bare = the same rows, read back as tuples, `executemany` into the "
              "same schema in one transaction, one process. Peak memory = the proportional set size of the build's "
              "processes together, sampled every 0.1 s (bench/memory.py), below with the sum of their resident sizes.",
              "", "### Memory of a full build", "", *memory_table(sizes), "",
              "PSS counts a page shared by n processes (the forked workers share the code and the entity pipeline) 1/n "
              "in each; the RSS sum counts it in every process, an upper bound. Build process and largest worker: "
              "`ru_maxrss` of each.", "",
              "### Where the time goes at the largest size", "", *where_time_goes(data), "",
              "### Where a full build spends its time (s)", "",
              "Wall-clock in the build's own process, phase after phase; `workers:` the per-source and per-partition "
              "work of its workers, summed (they work at once: their sum is more than the wall-clock of `parse` and "
              "`resolve`); `write` is inside the other phases.", "", *phase_table(sizes, "full"), "",
              "### CPU seconds of a full build", "", *phase_table(sizes, "full", cpu=True), "",
              "### Where an incremental build spends its time (s)", "", *phase_table(sizes, "incremental"), "",
              "## Queries", "", *query_table(sizes), "",
              "Datasette = the page through the in-process client of the instance `msakb serve` runs (web/ metadata "
              "and canned queries); direct = the SQL such a page needs (rows, count, one GROUP BY per metadata "
              "facet; the canned query's own SQL) on the same file with sqlite3. Stock Datasette = the floor: the same "
              "page from Datasette as it comes, on the same file with the same settings but without web/'s metadata, "
              "plugins and templates (so without label columns), asked for the same facets in the URL (`_facet=` for "
              "each metadata facet, in order) and the same search; the canned query's SQL through its arbitrary-SQL "
              "page.", ""]
    if any(r.get("filings") for r in sizes.values()):
        lines += ["## Filings", "", *filing_table(sizes), ""]
    if data.get("labelled"):
        lines += ["## The generic extractor on the labelled set", "", *labelled_report(data["labelled"]), "",
                  "tests/labelled/: documents written for the measure in the shapes utilities and legislatures publish, "
                  "each with the facts a careful reader marks, added to the seed corpus with `msakb add` and built "
                  "(`python -m bench.labelled --misses` lists what is missed). Recall = marked facts proposed as a "
                  "whole-statement candidate in the marked table with the marked values; precision = candidates "
                  "that are a marked fact.", ""]
    lines += ["## Limits", ""]
    for r in sizes.values():
        if r["planted"]:
            lines.append(f"- {r['label']} documents: every table has the rows the generator planted "
                         f"({', '.join(f'{t} {n:,}' for t, n in r['planted'].items())}), after the full and the incremental build.")
    s = data.get("serving")
    if s:
        lines.append(f"- Served while rebuilt ({s['size']} documents, `msakb serve --no-build` on 127.0.0.1, one request "
                     f"every 50 ms during a cold rebuild of {s['rebuild_s']:.0f} s): {s['requests_ok']} answered, "
                     f"{s['requests_failed']} failed; rebuild exit {s['rebuild_exit']}; answers after the rename: "
                     f"{s['answers_after_rename']}"
                     + (f"; serves the new build (its build_info.built_at): {s['serves_the_new_build']}"
                        if "serves_the_new_build" in s else "")
                     + f"; rows lost after the rebuild: {s['lost_after_rebuild'] or 'none'}.")
    lines += ["", "## Notes", "", *NOTES, "", f"![time against corpus size]({png.name})", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    plot(data, png)
