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

TARGETS = {"extract_vs_tokenizer": 3.0, "incremental_share": 0.05, "load_vs_executemany": 2.0, "query_vs_sql": 5.0}


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


def build_table(sizes: dict) -> list[str]:
    out = ["| documents | MB of text | full build s | docs/s | extraction in the build s | extraction s | `make_doc` s "
           "| extraction / tokenizer "
           "| incremental s | incremental / full | incremental after a status edit s | status edit / full "
           "| load s | bare `executemany` s | load / bare | peak RSS MB | CPU s full / incr. |",
           "|---:" * 17 + "|"]
    for r in sizes.values():
        f, i = r["full"], r["incremental"]
        out.append(f"| {r['label']} | {r['chars'] / 1e6:.1f} | {f['total']:.1f} | {r['documents'] / f['total']:.0f} "
                   f"| {f.get('extract', 0):.2f} | {_extraction(r):.2f} | {r['tokenizer']:.2f} | {_extraction(r) / r['tokenizer']:.1f}x "
                   f"| {i['total']:.2f} | {i['total'] / f['total']:.1%} "
                   + (f"| {r['incremental_edit']['total']:.2f} | {r['incremental_edit']['total'] / f['total']:.1%} "
                      if "incremental_edit" in r else "| not measured | – ")
                   + f"| {f['write']:.2f} | {f['bare_executemany']:.2f} "
                   f"| {f['write'] / f['bare_executemany']:.1f}x | {f['peak_rss_mb']:.0f} | {f.get('cpu', 0):.1f} / {i.get('cpu', 0):.1f} |")
    return out


def phase_table(sizes: dict, which: str) -> list[str]:
    phases = sorted({k for r in sizes.values() for k in r[which] if k not in ("counts", "peak_rss_mb", "bare_executemany", "cpu", "rounds")},
                    key=lambda k: (k != "total", k))
    out = ["| phase | " + " | ".join(r["label"] for r in sizes.values()) + " |", "|---" + "|---:" * len(sizes) + "|"]
    for ph in phases:
        out.append(f"| {ph} | " + " | ".join(f"{r[which].get(ph, 0):.2f}" for r in sizes.values()) + " |")
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


def verdicts(data: dict) -> list[str]:
    sizes = list(data["sizes"].values())
    big = [r for r in sizes if r["documents"] >= 1000]
    last = sizes[-1]
    ext = max(_extraction(r) / r["tokenizer"] for r in sizes)
    load = max(r["full"]["write"] / r["full"]["bare_executemany"] for r in sizes)
    failed = [x["name"] for x in last["queries"] if x.get("error")]
    q = max((x["ratio"] for x in last["queries"] if not x.get("error")), default=float("nan"))
    qj = max((x["ratio_json"] for x in last["queries"] if not x.get("error") and x["ratio_json"] == x["ratio_json"]),
             default=float("nan"))
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
    out.append(f"3. Load within 2x of a bare `executemany`: worst {load:.1f}x: {_held(load <= TARGETS['load_vs_executemany'])}"
               + each(lambda r: r["full"]["write"] / r["full"]["bare_executemany"]) + ".")
    out.append(f"4. Datasette within 5x of the same SQL at {last['label']} documents: HTML pages worst {q:.1f}x: "
               f"{_held(q <= TARGETS['query_vs_sql'] and not failed)}; JSON API worst {qj:.1f}x: "
               f"{_held(qj <= TARGETS['query_vs_sql'] and not failed)}" + (f"; failed: {', '.join(failed)}" if failed else "")
               + " (HTML / JSON: " + ", ".join(f"{x['name'].split(' (')[0]} {x['ratio']:.1f}x / {_ms(x['ratio_json'], '{:.1f}x')}"
                                                for x in last["queries"] if not x.get("error")) + ").")
    first = next((r for r in sizes if r["planted"]), sizes[0])
    if first is not last:
        growth = ", ".join(f"{a['name'].split(' (')[0]} {a['datasette']['median_ms']:.0f} -> {b['datasette']['median_ms']:.0f} ms"
                           for a, b in zip(first["queries"], last["queries"]))
        out.append(f"   Growth from {first['label']} to {last['label']} documents (HTML medians): {growth}.")
    rss = [(r["documents"], r["full"]["peak_rss_mb"]) for r in sizes]
    grows = all(b[1] / a[1] <= b[0] / a[0] for a, b in zip(rss, rss[1:]) if b[0] > a[0])
    out.append("6. Peak memory grows no faster than the corpus: " + ", ".join(f"{n:,} docs {m:.0f} MB" for n, m in rss)
               + f": {_held(grows)}.")
    return out


def where_time_goes(data: dict) -> list[str]:
    """The largest phases of the full and the incremental build at the largest size."""
    last = list(data["sizes"].values())[-1]
    out = []
    for which in ("full", "incremental"):
        b = last[which]
        phases = {k: v for k, v in b.items() if isinstance(v, float) and k not in
                  ("total", "peak_rss_mb", "bare_executemany", "cpu", "extract", "rounds")}
        top = sorted(phases.items(), key=lambda kv: -kv[1])[:4]
        out.append(f"- {which} build at {last['label']} documents ({b['total']:.1f} s): "
                   + ", ".join(f"{k} {v:.1f} s ({v / b['total']:.0%})" for k, v in top) + ".")
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
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.8))
    for label, key in [("full build", lambda r: r["full"]["total"]), ("incremental build", lambda r: r["incremental"]["total"]),
                       ("extraction", _extraction), ("spaCy make_doc", lambda r: r["tokenizer"]),
                       ("load (write)", lambda r: r["full"]["write"]), ("bare executemany", lambda r: r["full"]["bare_executemany"])]:
        a.plot(n, [key(r) for r in sizes], marker="o", label=label)
    a.set(xscale="log", yscale="log", xlabel="documents", ylabel="seconds", title="Build")
    a.legend(fontsize=8)
    for k in range(len(sizes[0]["queries"])):
        name = sizes[0]["queries"][k]["name"].split(" (")[0]
        b.plot(n, [r["queries"][k]["datasette"]["median_ms"] for r in sizes], marker="o", color=f"C{k}",
               label=f"{name}: Datasette (HTML)")
        b.plot(n, [r["queries"][k]["direct"]["median_ms"] for r in sizes], marker="x", linestyle="--", color=f"C{k}",
               label=f"{name}: same SQL")
    b.set(xscale="log", yscale="log", xlabel="documents", ylabel="median ms", title="Queries")
    b.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(data: dict, path: Path, png: Path) -> None:
    sizes = data["sizes"]
    lines = ["# Benchmark results", "", f"Command: `{data['command']}` (figures from one run; "
             f"{data['repeat']} requests per page after two warm-ups).", "", "Machine:", *data.get("machine", machine()), "",
             "## Targets", *verdicts(data), "5. Filing generation: documents per second per kind, below, against "
             "python-docx writing the same text (no target set).", ""]
    lines += [*(f"- {n}" for n in data["notes"]), ""] if data["notes"] else []
    lines += ["## Build", "", *build_table(sizes), "",
              "Extraction = time inside the parsers over every source, best of the rounds of bench/extraction.py (a fresh "
              "process; each round from a fresh entity pipeline, then `make_doc`, spaCy's bare tokenizer with the field's "
              "rules and no components, from a fresh pipeline over the same texts: 10 rounds under 1 MB of text, 3 under "
              "10 MB, else 1); extraction in the build = the same parsers timed once inside the full build, the first "
              "work of its process. Incremental = the fastest of three rebuilds, each after a change of its own to one "
              "source (its sha256 updated): a blank line appended, or an approval's status changed in a list in the "
              "middle of the corpus; unchanged sources come from the record cache (`<db>.cache/`). Load = `write_database` "
              "(schema + rows); bare = the same rows, read back as tuples, `executemany` into the same schema in one "
              "transaction. Peak RSS = `ru_maxrss` of the build's own process.", "",
              "### Where the time goes at the largest size", "", *where_time_goes(data), "",
              "### Where a full build spends its time (s)", "", *phase_table(sizes, "full"), "",
              "### Where an incremental build spends its time (s)", "", *phase_table(sizes, "incremental"), "",
              "## Queries", "", *query_table(sizes), "",
              "Datasette = the page through the in-process client of the instance `msakb serve` runs (web/ metadata "
              "and canned queries); direct = the SQL such a page needs (rows, count, one GROUP BY per metadata "
              "facet; the canned query's own SQL) on the same file with sqlite3. Stock Datasette = the floor: the same "
              "page from Datasette as it comes, on the same file with the same settings but without web/'s metadata, "
              "plugins and templates (so without facets and label columns; the canned query's SQL through its "
              "arbitrary-SQL page).", ""]
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
