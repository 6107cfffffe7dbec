"""The orders shape of the synthetic corpus: a working group's meeting summary that quotes
a regulator's order with numbered items, as the CT PURA summary in kb/sources/ does. The
meeting_summary parser makes one directive per item and one decision of the dated decision
the summary names; the state it names is a mention (a row, or a citation of it)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def _spelled(d: date) -> str:
    return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"


def meeting_summary(rng: random.Random, g: dict, i: int, state: str, state_name: str, decided: date,
                    plant: Counter) -> tuple[str, dict]:
    """The text of one summary and its manifest fields (everything but file and sha256)."""
    who = rng.choice(g["order_regulators"])
    number = rng.randint(1, 60)
    due = decided + timedelta(days=rng.randint(60, 200))
    docket = f"{26 + i // 10000:02d}-{(i // 100) % 100:02d}-{i % 100:02d}"  # one per summary: no cross-source clash
    compliance = f"{36 + i // 10000:02d}-{(i // 100) % 100:02d}-{i % 100:02d}"
    items = rng.sample(g["order_items"], rng.randint(2, 5))
    tails = [";"] * (len(items) - 2) + ["; and", "."]
    lines = [f"- ({k}) {item}{tail}" for k, (item, tail) in enumerate(zip(items, tails), 1)]
    text = (
        f"\n{state_name} Interconnection Working Group\n\nMSA Subgroup Meeting Summary\n\n"
        f"{who}'s {_spelled(decided)} Decision in Docket {docket} contains several Orders on meter socket "
        f"adapters. Order {number} in that Decision includes directives the EDCs must meet.\n\n"
        f"{number}. No later than {_spelled(due)}, the EDCs shall file the following for the Authority's review "
        f"and approval in this proceeding and as a compliance filing in Docket No. {compliance}:\n\n"
        + "\n".join(lines) + "\n\nNext steps\n\nThe subgroup will review the drafts at its next session.\n"
    )
    plant["directives"] += len(items)
    plant["decisions"] += 1
    entry = {"id": f"syn-{i:05d}-order-{state.lower()}", "title": "MSA Subgroup Meeting Summary",
             "publisher": f"{state_name} Interconnection Working Group", "jurisdiction": state, "utility": None,
             "as_of": decided + timedelta(days=7), "kind": "meeting_summary", "voice": "working_group"}
    return text, entry
