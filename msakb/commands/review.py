"""`msakb review`: the queue of candidate facts, and accept / reject / edit."""

import json
from pathlib import Path

import click

from msakb.commands.shared import db_option, kb_option, run
from msakb.knowledge.folder import writable

_SET = click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE", help="Set a value of the row (repeatable).")
_TABLE = click.option("--table", default=None, help="Put the fact in this table instead of the proposed one.")


@click.group(invoke_without_command=True)
@db_option
@kb_option
@click.option("--source", default=None, help="Only candidates of this source id.")
@click.option("--json", "as_json", is_flag=True, help="JSON (a list of candidates) instead of a table.")
@click.pass_context
def review(ctx, db_path: Path, kb, source, as_json: bool):
    """List candidate facts pending review (run `msakb build` first).

    The generic extractor proposes them from every source; accept one to make it a fact
    (an annotation in kb/, quote verified by the next build), reject it so it is not
    proposed again, or edit what it proposes.

    Example:

    \b
        msakb review --source nj-bpu-page --json
        msakb review accept c-1a2b3c4d5e6f --set category=eligibility
    """
    if ctx.invoked_subcommand is not None:
        return
    from msakb.knowledge.review import pending

    rows = run(pending, db_path, kb.path, source)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    click.echo(format_table(rows))


def format_table(rows: list[dict]) -> str:
    if not rows:
        return "no candidates pending review"
    out = [f"{len(rows)} candidate(s) pending review"]
    for r in rows:
        quote = " ".join(r["quote"].split())
        quote = quote if len(quote) <= 90 else quote[:87] + "..."
        out.append(f"{r['id']}  {r['source_id']}  {r['kind']}/{r['classification'] or '-'} -> {r['table_name']}"
                   f"  [{r['rule']}]\n    {quote!r}  (trigger: {r['trigger'][:40]!r})")
    return "\n".join(out)


@review.command()
@click.argument("candidate_id")
@_TABLE
@_SET
@db_option
@kb_option
def accept(candidate_id, table, sets, db_path: Path, kb):
    """Accept a candidate: it becomes an annotation in kb/annotations/review-<source>.yaml.

    Example:

        msakb review accept c-1a2b3c4d5e6f --set category=eligibility
    """
    from msakb.knowledge.review import accept as do_accept, parse_sets

    d = run(lambda: do_accept(db_path, writable(kb, "msakb review accept"), candidate_id, table, parse_sets(sets)))
    click.echo(f"accepted {d.id} as {d.table} {d.values['id']}; run msakb build to have it in the database")


@review.command()
@click.argument("candidate_id")
@click.option("--reason", default=None, help="Why (kept in kb/review/decisions.yaml).")
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
@_TABLE
@_SET
@db_option
@kb_option
def edit(candidate_id, table, sets, db_path: Path, kb):
    """Change what a candidate proposes (its table, its values) before or after accepting it.

    Example:

        msakb review edit c-1a2b3c4d5e6f --set category=disqualifier
    """
    from msakb.knowledge.review import edit as do_edit, parse_sets

    d = run(lambda: do_edit(db_path, writable(kb, "msakb review edit"), candidate_id, table, parse_sets(sets)))
    click.echo(f"edited {d.id} ({d.decision}): {d.table} {json.dumps(d.values, ensure_ascii=False)}")
