"""The build's steps after the records are resolved into rows, in the order they run: this
list is the one place a step is named. What a step is, and the order its parts run in:
db/pipeline/step.py.

To add a step: write its module (in db/derive/ for derived tables) with the functions it
needs and its `STEP = Step(name, reads=..., derives=..., derive=..., writes_after=...,
post_write=..., patch=...)`, then add `STEP` here where what it reads has been written. Its
`patch` (how an incremental build brings it up to date) is what keeps incremental builds
possible; tests/test_bench.py compares a patched build with a full one.
"""

from __future__ import annotations

from msakb.db.derive import (aliases, candidates, cross_conflicts, fts, history, labels, reviewed_conflicts, rules,
                             summaries)
from msakb.db.pipeline.step import Step

STEPS: tuple[Step, ...] = (
    rules.STEP,  # eligibility rules (kb/rules/*.yaml) -> rules
    history.STEP,  # approval_changes between editions; post-write: the current_* views
    candidates.STEP,  # the review queue: candidate facts of every source
    cross_conflicts.STEP,  # conflicts between sources (conflict_checks.yaml)
    reviewed_conflicts.STEP,  # reviewed conflicts between sources (kb/conflicts/)
    aliases.STEP,  # every spelling of utilities, devices, manufacturers, states -> aliases (before labels)
    labels.STEP,  # post-write: devices.name, Datasette's label for a device
    fts.STEP,  # post-write: full-text indexes (after labels: devices.name is indexed)
    summaries.STEP,  # post-write: the pages' summary tables, indexes and search by any spelling (after labels, history)
)
