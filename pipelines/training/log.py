"""A run's lines (its first screen, progress, epochs, stops) go to one logger, LOGGER.

By default they are printed plainly on stdout, as a command's output; research writes each arm's
to a file of its own (`to_file`), a benchmark that times the trainer silences them (`silenced`),
and in a multi-worker job only the chief's are shown (`chief_only`): the other workers' lines
would repeat its own.
"""

import contextlib
import logging
import sys
from collections.abc import Iterator
from typing import TextIO

LOGGER = logging.getLogger("pipelines.training")


class _Plain(logging.Handler):
    """The message alone, flushed at once, to `stream` (None: sys.stdout as it is when the line
    is written, so that a caller's redirection of stdout is honoured)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        try:
            print(record.getMessage(), file=self.stream or sys.stdout, flush=True)
        except Exception:  # noqa: BLE001 - logging's contract: a handler never raises
            self.handleError(record)


LOGGER.addHandler(_Plain())
LOGGER.setLevel(logging.INFO)
LOGGER.propagate = False  # the run's output, not diagnostics for the root logger's handlers


def line(message: str) -> None:
    """One line of the run's output."""
    LOGGER.info(message)


@contextlib.contextmanager
def to_file(stream: TextIO) -> Iterator[None]:
    """The lines written inside the block go to `stream` instead of stdout."""
    handlers = LOGGER.handlers[:]
    for handler in handlers:
        LOGGER.removeHandler(handler)
    LOGGER.addHandler(_Plain(stream))
    try:
        yield
    finally:
        LOGGER.handlers[:] = handlers


@contextlib.contextmanager
def silenced(quiet: bool = True) -> Iterator[None]:
    """No lines inside the block (when `quiet`)."""
    before = LOGGER.disabled
    LOGGER.disabled = before or quiet
    try:
        yield
    finally:
        LOGGER.disabled = before


def chief_only(chief: bool) -> contextlib.AbstractContextManager:
    """The block's lines only from the chief of a multi-worker job."""
    return silenced(not chief)
