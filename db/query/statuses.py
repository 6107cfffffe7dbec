"""The order of normalised approval statuses, most favourable first: a device a utility lists
twice (two technologies) shows the first of its statuses in summaries, maps and matrices."""

STATUS_ORDER = ("approved", "pilot", "under_review", "not_approved", "withdrawn")


def status_rank(status: str | None) -> int:
    """Position of `status` in STATUS_ORDER; unknown statuses come last."""
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER)
