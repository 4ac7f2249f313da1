"""What a command answers with one line and exit code 2: the request cannot be done as asked
(data that is not there, a damaged file, a run directory in use or made by another run, a
cluster that cannot be found). Every command catches UserError, so that a bug still shows its
traceback and a user's mistake never does."""


class UserError(ValueError):
    """A one-line answer to the user (pipelines.cli.fail)."""


class DamagedFile(UserError):
    """A file that exists but cannot be read as what it should be: what is wrong, what to do."""
