"""`msakb check`: eligibility of each known device for a site, with the rules that say no."""

from __future__ import annotations

import json
from pathlib import Path

import click

from msakb.commands.shared import CliError, db_option, run
from msakb.db.query.conditions import site_fields
from msakb.errors import MsakbError

VERDICT = {"eligible": "eligible", "not_eligible": "NOT eligible", "unknown": "unknown"}


def _site_options(f):
    """One option per site field of db/query/site_fields.yaml (the conduit fields share --conduit)."""
    try:
        fields = site_fields()
    except MsakbError:  # a broken site_fields.yaml: `msakb check` says so when run (parse_site); other verbs work
        return f
    for name, spec in reversed(list(fields.items())):
        opt = spec["option"]
        if " " in opt:
            continue
        kind = click.Choice([str(c) for c in spec["choices"]], case_sensitive=False) if spec["type"] == "choice" else None
        if spec["type"] == "yes_no":
            kind = click.Choice(["yes", "no"], case_sensitive=False)
        metavar = {"number": "NUMBER", "integer": "INTEGER", "text": "TEXT"}.get(spec["type"])
        f = click.option(opt, name, type=kind, default=None, metavar=metavar, help=spec["help"])(f)
    return f


@click.command()
@db_option
@click.option("--utility", help="utility id (utilities table), e.g. sce or pseg")
@click.option("--state", help="two-letter state: check every utility of the state")
@click.option("--device", help="only this device (or family) id")
@_site_options
@click.option("--conduit", "conduits", multiple=True, metavar="USE=TYPE",
              help="conduit by use: power=liquid-tight (energized DER/EV conductors), comm=emt (communication cables); repeatable")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
def check(db_path: Path, utility, state, device, conduits, as_json, **fields):
    """Say, for each device known for the utility, whether the site is eligible.

    Every rule (kb/rules/*.yaml) that fails is shown with its source and quote; a field a
    rule needs but the site does not give is asked for by name, never assumed.

    Example:

    \b
        msakb check --utility sce --service-amps 200 --phase single \\
          --voltage 120/240 --meter-form 2S --instrument-rated no \\
          --der-kind battery --der-amps 40 --connection load \\
          --conduit power=liquid-tight --conduit comm=none --panel "Eaton BR2040B200"
    """
    from msakb.db.query.eligibility import check as do_check
    from msakb.db.query.eligibility import parse_site

    raw = dict(fields)
    for c in conduits:
        use, sep, kind = c.partition("=")
        if not sep or use.strip().lower() not in ("power", "comm"):
            raise CliError(f"--conduit {c!r}: expected power=TYPE or comm=TYPE")
        raw[f"conduit_{use.strip().lower()}"] = kind.strip().lower()
    site = run(parse_site, raw)
    results = run(do_check, db_path, site, utility=utility, state=state, device=device)
    if as_json:
        click.echo(json.dumps({"site": site, "results": results}, indent=2, allow_nan=False))
        return
    click.echo(render(results))


def render(results: list[dict]) -> str:
    """A readable table, then per device the failing rules (cited) and the fields needed."""
    if not results:
        return "no devices with a current approval for that utility or state"
    head = ("utility", "device", "status", "verdict")
    rows = [(r["utility_id"], r["device"], "/".join(sorted({a["status"] for a in r["approvals"]})), VERDICT[r["verdict"]])
            for r in results]
    widths = [max(len(x[i]) for x in (head, *rows)) for i in range(4)]
    fmt = lambda x: "  ".join(s.ljust(w) for s, w in zip(x, widths)).rstrip()  # noqa: E731
    out = [fmt(head), fmt(tuple("-" * w for w in widths))] + [fmt(x) for x in rows]
    for r in results:
        if r["verdict"] == "eligible":
            continue
        out.append("")
        out.append(f"{r['device']} ({r['utility_id']}): {VERDICT[r['verdict']]}")
        for f in r["failures"]:
            out.append(f"  fails {f['rule']}: {f['says']}")
            older = "" if f["current_edition"] else ", an older edition: a newer one exists"
            out.append(f"    {f['source_title']} ({f['source_id']}{older}): \"{f['quote']}\"")
            for e in f["evidence"]:
                out.append(f"    evidence, {e['table']} {e['id']}: \"{e['quote']}\"")
        for n in r["needs"]:
            how = f" (give {n['option']})" if n["option"] else ""
            out.append(f"  needs {n['field']}{how}: {n['help']}")
        if r["note"]:
            out.append(f"  {r['note']}")
    return "\n".join(out)
