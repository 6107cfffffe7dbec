"""Who states each row and whom it binds (the attribution rule of the shared CONTRACT.md).

Every fact row carries `voice` (the role of who states it), `speaker` (their name) and
`attribution`: `own`, `order` or `report`. A row takes its source's voice and speaker (the
manifest's `voice`, and `speaker` or else the publisher) unless its parser or a reviewed
annotation gives the passage's own: a vendor's answer recorded in a working group's minutes,
an order quoted in them, a utility's requirements reproduced in an industry deck.

Where neither gives the attribution, it follows from the voice and from whom the row binds
(its `utility_id`, or the utility a `utilities` row is; its `state`, or the state a `states`
row is; the `regulator` of a decision or directive):
- a legislature's or a regulator's row is an `order`;
- a utility's row is `own` when it binds that utility or no one; about another utility, a
  state or a regulator's decision it is a `report`;
- a manufacturer's row is `own` (its products, its practice) unless it binds a utility, a
  state or a regulator: then a `report`;
- a working group's, the industry's or an installer's row is a `report`.

A utility's rows carry its state (from the gazetteer). Then every row is checked, whoever set
its attribution: no row stated by a working group, the industry, a manufacturer or an installer
is a utility's or a state's own rule or an order; a utility's `own` row binds that utility.
"""

from __future__ import annotations

from dataclasses import dataclass

from msakb.db.store.models import ATTRIBUTIONS, FACT_TABLES, VOICES
from msakb.errors import BuildError, SourceError
from msakb.knowledge.gazetteer import Gazetteer

RULE_SETTERS = ("legislature", "regulator")
BINDING_VOICES = ("legislature", "regulator", "utility")  # whose own words bind a utility or a state
_DEFAULT = {"legislature": "order", "regulator": "order", "utility": "own", "manufacturer": "own",
            "working_group": "report", "industry": "report", "installer": "report"}


# The tables whose rows carry their utility's state (asked for every record: a model's
# fields are slow to ask a pydantic class for).
_WITH_STATE = frozenset(t for t, m in FACT_TABLES.items() if "state" in m.model_fields)


class AttributionError(BuildError):
    """A row says it is a party's own rule or an order, and its voice or speaker cannot say so."""


@dataclass(frozen=True)
class SourceVoice:
    """Who speaks in a source by default: role, name, and the utility it is when a utility."""

    voice: str
    speaker: str
    utility: str | None = None


def source_voices(docs, gaz: Gazetteer) -> dict[str, SourceVoice]:
    """source id -> its default voice, from each source's manifest entry."""
    out = {}
    for d in docs:
        e = d.entry
        utility = None
        if e.voice == "utility":
            # a utility's own source: the manifest's `utility` speaks (its publisher may spell it
            # its own way, "Xcel Energy"), unless the speaker is another utility of the gazetteer
            named = speaker_utility(e.speaker_name, gaz)
            if e.utility and named not in (None, e.utility):
                raise SourceError(d.id, f"the manifest says the source is utility {e.utility!r}'s own, but its "
                                        f"speaker {e.speaker_name!r} is utility {named!r}: set `speaker:` to who "
                                        "speaks, or `voice:` to its role (a report about a utility is not its rule)")
            utility = e.utility or named
        out[d.id] = SourceVoice(e.voice, e.speaker_name, utility)
    return out


def spoken_by(voice: str, speaker: str, gaz: Gazetteer) -> SourceVoice:
    """The default voice of a source known only by its voice and speaker (a removed source's,
    from the previous database)."""
    return SourceVoice(voice, speaker, speaker_utility(speaker, gaz) if voice == "utility" else None)


def default_attribution(voice: str) -> str:
    """The attribution of a row that binds no one, by who states it."""
    return _DEFAULT[voice]


def speaker_utility(speaker: str, gaz: Gazetteer) -> str | None:
    """The utility a speaker's name is (its gazetteer name or one of its spellings), if any."""
    return gaz.utility_named(speaker) or gaz.utility_id(speaker)


def bound(table: str, values: dict) -> tuple[str | None, str | None, str | None]:
    """(utility, state, regulator) the row binds or is about."""
    utility = values.get("id") if table == "utilities" else values.get("utility_id")
    state = values.get("code") if table == "states" else values.get("state")
    return utility or None, state or None, values.get("regulator") or None


def attribute(table: str, values: dict, default: SourceVoice, gaz: Gazetteer, where: str,
              other: SourceVoice | None = None) -> dict:
    """The row's values with its voice, speaker, attribution and (for a utility's row) state
    filled in; `where` names the record in an error. `other` is the default voice of the
    source of a conflict's second passage. The record's own values are not changed."""
    out = dict(values)
    voice = out.get("voice") or default.voice
    speaker = out.get("speaker") or default.speaker
    if voice not in VOICES:
        raise AttributionError(f"{where}: {table} row {_key(table, out)!r} has voice {voice!r}; "
                               f"one of {', '.join(VOICES)}")
    if table in _WITH_STATE and out.get("utility_id"):
        u = gaz.utilities.get(out["utility_id"])
        if u is not None:
            if out.get("state") and u["state"] and out["state"] != u["state"]:
                raise AttributionError(f"{where}: {table} row {_key(table, out)!r} is {out['utility_id']!r}'s, "
                                       f"in {u['state']}, but gives state {out['state']!r}")
            out["state"] = out.get("state") or u["state"]
    utility = default.utility if (voice, speaker) == (default.voice, default.speaker) else None
    if voice == "utility" and utility is None:
        utility = speaker_utility(speaker, gaz)
    attribution = out.get("attribution") or _derived(table, out, voice, utility)
    out.update(voice=voice, speaker=speaker, attribution=attribution)
    if table == "conflicts":
        o = other or default
        out["other_voice"] = out.get("other_voice") or o.voice
        out["other_speaker"] = out.get("other_speaker") or o.speaker
        out["other_attribution"] = out.get("other_attribution") or default_attribution(out["other_voice"])
    check(table, out, utility, where)
    return out


def _derived(table: str, values: dict, voice: str, utility: str | None) -> str:
    attribution = default_attribution(voice)
    if attribution != "own":
        return attribution
    bound_utility, bound_state, regulator = bound(table, values)
    if regulator:
        return "report"
    if voice == "utility":
        if bound_utility:
            return "own" if bound_utility == utility else "report"
        return "report" if bound_state else "own"
    return "report" if (bound_utility or bound_state) else "own"  # a manufacturer's


def check(table: str, row: dict, utility: str | None, where: str) -> None:
    """An AttributionError unless the row's attribution is one its voice and speaker may have."""
    key = _key(table, row)
    voice, attribution = row["voice"], row["attribution"]
    if attribution not in ATTRIBUTIONS:
        raise AttributionError(f"{where}: {table} row {key!r} has attribution {attribution!r}; "
                               f"one of {', '.join(ATTRIBUTIONS)}")
    if attribution == "order" and voice not in RULE_SETTERS:
        raise AttributionError(f"{where}: {table} row {key!r} is an order but its voice is {voice!r}: only a "
                               "legislature or a regulator orders; say `attribution: report` or give the order's voice")
    bound_utility, bound_state, _ = bound(table, row)
    if attribution in ("own", "order") and (bound_utility or bound_state) and voice not in BINDING_VOICES:
        raise AttributionError(
            f"{where}: {table} row {key!r} is stated by {row['speaker']} ({voice}) about "
            f"{bound_utility or bound_state}, so it is a report, not {attribution!r}: a third party's account of a "
            "utility's or a state's rule never passes as that rule")
    if attribution == "own" and voice == "utility" and bound_utility and bound_utility != utility:
        raise AttributionError(
            f"{where}: {table} row {key!r} binds {bound_utility!r} but is stated by {row['speaker']} "
            f"({utility or 'no utility the gazetteer knows'}): one utility's account of another's rule is a report")


def _key(table: str, row: dict):
    return row.get("code" if table == "states" else "id")


def rank(row: dict) -> int:
    """Precedence of a statement: a party's own or an order (1) outranks a report (0)."""
    return 0 if row["attribution"] == "report" else 1


def fill(rows: dict[str, list[dict]], voices: dict[str, SourceVoice]) -> None:
    """Rows a deriver wrote without attribution (candidates: a passage proposed for review)
    take their source's voice and speaker and its voice's default attribution."""
    for table, table_rows in rows.items():
        if table not in FACT_TABLES:
            continue
        for r in table_rows:
            if r.get("voice") is None:
                v = voices[r["source_id"]]
                r.update(voice=v.voice, speaker=v.speaker, attribution=default_attribution(v.voice))
            if table == "conflicts" and r.get("other_voice") is None and r.get("other_source_id"):
                v = voices[r["other_source_id"]]
                r.update(other_voice=v.voice, other_speaker=v.speaker, other_attribution=default_attribution(v.voice))
