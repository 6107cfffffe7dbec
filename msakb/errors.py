"""The project's own exceptions. Each message says what is wrong, where, and what to do.

The CLI turns any MsakbError into one line on stderr and exit status 1.
"""


class MsakbError(Exception):
    """Root of every error msakb raises on purpose."""


class ManifestError(MsakbError):
    """The source manifest is malformed or disagrees with the files on disk."""


class SourceError(MsakbError):
    """A source document cannot be read or parsed.

    `source` is the manifest id (or file name), `line` the 1-based line of the problem.
    """

    def __init__(self, source, message, line=None):
        self.source = source
        self.line = line
        self.message = message
        where = f"{source}" + (f", line {line}" if line else "")
        super().__init__(f"{where}: {message}")


class ProvenanceError(MsakbError):
    """A row's quote is not the slice of its source that its offsets name."""


class AnnotationError(MsakbError):
    """A reviewed annotation in kb/ is malformed or its quote is not in its source."""


class BuildError(MsakbError):
    """The build could not produce a consistent database."""


class UnknownIdError(MsakbError):
    """An id given on the command line names nothing in the knowledge base."""

    def __init__(self, what, value, choices):
        shown = ", ".join(sorted(choices)[:40])
        more = "" if len(choices) <= 40 else f" (and {len(choices) - 40} more)"
        super().__init__(f"unknown {what} {value!r}; valid choices: {shown}{more}")


class FilingError(MsakbError):
    """A filing cannot be rendered (missing template value, bad template, bad input)."""
