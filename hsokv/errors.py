"""User errors: what a person can fix by editing params, a data file or a checkpoint.

Each message names the key or file and what would be valid, so a stage prints it and exits 2
(hsokv.cli) instead of a traceback. Anything else that goes wrong is a bug and keeps its
traceback. The ValueError / RuntimeError second bases keep older `except` clauses working.
"""


class HsokvError(Exception):
    """The one base of every user error; hsokv.cli catches it."""


class ConfigError(HsokvError, ValueError):
    """A params file or value that cannot be used; the message names the key and what is valid."""


class WordSpecError(HsokvError, ValueError):
    """An invalid word-spec file; the message names the file, the entry and the problem."""


class DataSourceError(HsokvError, RuntimeError):
    """No source could provide verified copies of the files asked for."""


class GlueDataError(HsokvError, ValueError):
    """A GLUE file that is missing, malformed, or inconsistent with the task; names the file."""


class CorpusError(HsokvError, ValueError):
    """A corpus file that cannot be used; the message names the file and what is expected."""


class BackboneError(HsokvError, RuntimeError):
    """A backbone that cannot be built here (package missing, weights failing their checksum)."""


class CheckpointError(HsokvError, ValueError):
    """A checkpoint that cannot be loaded safely; the message names the file."""


class ClusterError(HsokvError, RuntimeError):
    """A Ray cluster left without a node that can run the remaining tasks; names the address."""
