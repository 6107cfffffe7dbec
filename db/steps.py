"""Import every module that registers a build step in db/hooks.py. Add a line per module."""

# (modules that register derivers or post-write steps are imported here)
from . import labels  # noqa: F401,E402  devices.name for Datasette's labels
from . import fts  # noqa: F401,E402  full-text indexes (after labels: devices.name is indexed)
from . import rules  # noqa: F401,E402  eligibility rules (kb/rules/*.yaml) -> rules table
from . import history  # noqa: F401,E402  approval_changes between editions; current_* views
from . import candidates  # noqa: F401,E402  review queue: candidate facts of every source (extract/candidates.py)
from . import cross_conflicts  # noqa: F401,E402  conflicts between sources (db/conflict_checks.yaml)
from . import reviewed_conflicts  # noqa: F401,E402  reviewed conflicts between sources (kb/conflicts/*.yaml)
