"""The one base of the errors a caller can fix: a request that cannot be done as asked (a
weights file of another net, data that is not there, a damaged file). The project's commands
answer each with one line and exit code 2 (pipelines.cli.user_errors); any other exception is a
bug and keeps its traceback."""


class UserError(ValueError):
    """A one-line answer to the user: what is wrong and, where it helps, what to do."""
