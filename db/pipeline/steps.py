"""Import every module that registers a build step in db/pipeline/hooks.py. Add a line per module."""

# (modules that register derivers or post-write steps are imported here, in build order)
from msakb.db.derive import labels  # noqa: F401,E402,I001  devices.name for Datasette's labels
from msakb.db.derive import fts  # noqa: F401,E402  full-text indexes (after labels: devices.name is indexed)
from msakb.db.derive import rules  # noqa: F401,E402  eligibility rules (kb/rules/*.yaml) -> rules table
from msakb.db.derive import history  # noqa: F401,E402  approval_changes between editions; current_* views
from msakb.db.derive import candidates  # noqa: F401,E402  review queue: candidate facts of every source
from msakb.db.derive import cross_conflicts  # noqa: F401,E402  conflicts between sources (conflict_checks.yaml)
from msakb.db.derive import reviewed_conflicts  # noqa: F401,E402  reviewed conflicts between sources (kb/conflicts/)
