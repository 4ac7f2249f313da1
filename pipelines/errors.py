"""What a command answers with one line and exit code 2: the request cannot be done as asked
(data that is not there, a damaged file, a run directory in use or made by another run, a
cluster that cannot be found). Every command catches UserError (keras_nets.errors, the one base
the library's errors share) through pipelines.cli.user_errors, so that a bug still shows its
traceback and a user's mistake never does."""

from keras_nets.errors import UserError

__all__ = ["UserError", "DamagedFile", "MissingFile"]


class DamagedFile(UserError):
    """A file that exists but cannot be read as what it should be: what is wrong, what to do."""


class MissingFile(UserError):
    """A file or directory the user named that is not there (or not yet: a run with no model)."""
