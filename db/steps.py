"""Import every module that registers a build step in db/hooks.py. Add a line per module."""

# (modules that register derivers or post-write steps are imported here)
