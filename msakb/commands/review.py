"""`msakb review`: the queue of candidate facts, grouped by the table they propose, and
accept (one, several, or a source's whole table at once) / reject / edit."""

import json
from itertools import groupby
from pathlib import Path

import click

from msakb.commands.shared import CliError, db_option, kb_option, run
from msakb.knowledge.folder import writable

_SET = click.option("--set", "sets", multiple=True, metavar="[ID:]FIELD=VALUE",
                    help="Set a value of the row; prefixed with a candidate id, of that candidate only (repeatable).")
# Values too long for the one-line summary of a proposal (the quote says them).
_LONG = {"text", "definition", "status_text", "activity", "justification", "name", "kind", "voice", "speaker",
         "attribution"}


@click.group(invoke_without_command=True)
@db_option
@kb_option
@click.option("--source", default=None, help="Only candidates of this source id.")
@click.option("--table", default=None, help="Only candidates proposing a row of this table.")
@click.option("--json", "as_json", is_flag=True, help="JSON (a list of candidates) instead of a table.")
@click.pass_context
def review(ctx, db_path: Path, kb, source, table, as_json: bool):
    """List candidate facts pending review (run `msakb build` first), grouped by the table
    they propose, each with the conflicts it has with other sources' facts.

    The generic extractor proposes them from every source: one per statement, quoting it
    whole, with the values it would add. Accept them to make them facts (annotations in the
    knowledge folder, quotes verified by the next build), reject one so it is not proposed
    again, or edit what it proposes.

    Example:

    \b
        msakb review --source kilowire-connectder-ev-article
        msakb review accept --source kilowire-connectder-ev-article --table restrictions --all
        msakb review accept c-1a2b3c4d5e6f --set category=eligibility
    """
    if ctx.invoked_subcommand is not None:
        return
    from msakb.knowledge.review import pending

    rows = run(pending, db_path, kb.path, source, table)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    click.echo(format_queue(rows))


def _summary(r: dict) -> str:
    v = r["proposed"]
    shown = [f"{k}={v[k]}" for k in sorted(v) if v[k] is not None and k not in _LONG]
    parts = r["fields"].get("parts")
    if parts:
        shown.append(f"{len(parts)} parts")
    limits = r["fields"].get("limits")
    if limits:
        shown.append("limits: " + ", ".join(f"{x['field']} {x['op']} {x['value']}" for x in limits))
    if v.get("attribution"):
        shown.append(f"({v['attribution']}: {v.get('speaker')}, {v.get('voice')})")
    new = [s["values"] for s in r["support"] if s["table"] == "devices"]
    if new:
        shown.append("new device " + ", ".join(f"{k}={new[0][k]}" for k in ("manufacturer", "product", "model", "family_id")
                                               if new[0].get(k)))
    return "  ".join(shown)


def _clip(text: str, n: int = 100) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= n else text[: n - 3] + "...")


def format_queue(rows: list[dict]) -> str:
    if not rows:
        return "no candidates pending review"
    out = [f"{len(rows)} candidate(s) pending review"]
    for source, of_source in groupby(rows, key=lambda r: r["source_id"]):
        of_source = sorted(of_source, key=lambda r: (r["table_name"], r["char_start"]))
        out.append(f"\n{source}")
        for table, group in groupby(of_source, key=lambda r: r["table_name"]):
            group = list(group)
            out.append(f"  {table} ({len(group)}): accept all with "
                       f"msakb review accept --source {source} --table {table} --all")
            for r in group:
                out.append(f"    {r['id']}  {r['kind']}/{r['classification'] or '-'}  {_summary(r)}  [{r['rule']}]")
                out.append(f"        {_clip(r['quote'])}")
                for x in r.get("conflicts", []):
                    how = ("the next build finds it" if x["found_by"] == "rule"
                           else "accepting records it in conflicts/")
                    out.append(f"        conflicts with {x['other_source_id']}: {x['field']} {x['existing']} there, "
                               f"{x['proposed']} here ({how}): {_clip(x['other_quote'], 80)}")
    return "\n".join(out)


@review.command()
@click.argument("candidate_ids", nargs=-1)
@click.option("--source", default=None, help="With --all: the source whose candidates to accept.")
@click.option("--all", "all_", is_flag=True, help="Accept every pending candidate of --source (of --table, --kind).")
@click.option("--table", default=None,
              help="With --all: only candidates proposing this table. With ids: put the facts in this table instead.")
@click.option("--kind", default=None, help="With --all: only candidates of this kind (approval, eligibility, ...).")
@click.option("--except", "excluding", multiple=True, metavar="ID", help="With --all: leave this candidate pending (repeatable).")
@_SET
@db_option
@kb_option
def accept(candidate_ids, source, all_, table, kind, excluding, sets, db_path: Path, kb):
    """Accept candidates: each becomes an annotation in the knowledge folder
    (annotations/review-<source>.yaml) that the next `msakb build` reads as a fact, quote
    verified, keeping the rule that proposed it. A conflict with another source that no
    build rule finds is recorded with it (conflicts/review-<source>.yaml).

    Give candidate ids, or --source with --all (and --table or --kind to take one kind of
    proposal): all or none are accepted; a row that does not fit its table stops the batch,
    naming the candidate. Override a value for all with --set FIELD=VALUE, for one with
    --set ID:FIELD=VALUE.

    Example:

    \b
        msakb review accept --source kilowire-connectder-ev-article --table restrictions --all \\
            --except c-1a2b3c4d5e6f --set c-0f9e8d7c6b5a:category=eligibility
        msakb review accept c-1a2b3c4d5e6f --set category=eligibility
    """
    from msakb.knowledge.review import accept_many, parse_sets, select

    if all_ and candidate_ids:
        raise CliError("give candidate ids or --all, not both")
    if all_ and not source:
        raise click.UsageError("--all needs --source (the source whose candidates to accept)")
    if not all_ and not candidate_ids:
        raise click.UsageError("give candidate ids, or --source SOURCE --all")
    if not all_ and (excluding or kind):
        raise click.UsageError("--except and --kind go with --all")
    folder = run(writable, kb, "msakb review accept")
    common, per_item = run(parse_sets, sets)
    if all_:
        ids = run(select, db_path, folder, source, table, kind, tuple(excluding))
        if not ids:
            click.echo(f"no pending candidates of {source}" + (f" in {table}" if table else "") + " to accept")
            return
        done = run(accept_many, db_path, folder, ids, None, common, per_item)
    else:
        done = run(accept_many, db_path, folder, list(candidate_ids), table, common, per_item)
    if len(done) == 1:
        d = done[0]
        click.echo(f"accepted {d.id} as {d.table} {d.values['id']}; run msakb build to have it in the database")
        return
    for d in done:
        click.echo(f"accepted {d.id} as {d.table} {d.values['id']}")
    click.echo(f"accepted {len(done)} candidates; run msakb build to have them in the database")


@review.command()
@click.argument("candidate_id")
@click.option("--reason", default=None, help="Why (kept in review/decisions.yaml).")
@db_option
@kb_option
def reject(candidate_id, reason, db_path: Path, kb):
    """Reject a candidate: it is not proposed again.

    Example:

        msakb review reject c-1a2b3c4d5e6f --reason "describes another state"
    """
    from msakb.knowledge.review import reject as do_reject

    d = run(do_reject, db_path, run(writable, kb, "msakb review reject"), candidate_id, reason)
    click.echo(f"rejected {d.id}")


@review.command()
@click.argument("candidate_id")
@click.option("--table", default=None, help="Put the fact in this table instead of the proposed one.")
@click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE", help="Set a value of the row (repeatable).")
@db_option
@kb_option
def edit(candidate_id, table, sets, db_path: Path, kb):
    """Change what a candidate proposes (its table, its values) before or after accepting it.

    Example:

        msakb review edit c-1a2b3c4d5e6f --set category=disqualifier
    """
    from msakb.knowledge.review import edit as do_edit, parse_sets

    common, per_item = run(parse_sets, sets)
    if per_item:
        raise CliError("edit changes one candidate: give --set FIELD=VALUE without an id")
    d = run(lambda: do_edit(db_path, writable(kb, "msakb review edit"), candidate_id, table, common))
    click.echo(f"edited {d.id} ({d.decision}): {d.table} {json.dumps(d.values, ensure_ascii=False)}")
