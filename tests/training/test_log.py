"""A run's lines (pipelines.training.log): on stdout by default, to a caller's file, silenced for a
benchmark and for the workers of a multi-worker job that are not the chief."""

import io
import logging

from pipelines.training import log


def test_lines_go_to_stdout_as_it_is_when_written(capsys):
    log.line("epoch 1: loss 2.30")
    assert capsys.readouterr().out == "epoch 1: loss 2.30\n"


def test_a_file_takes_the_lines_of_its_block_only(capsys):
    stream = io.StringIO()
    with log.to_file(stream):
        log.line("into the file")
    log.line("back on stdout")
    assert stream.getvalue() == "into the file\n"
    assert capsys.readouterr().out == "back on stdout\n"


def test_silenced_blocks_and_a_worker_that_is_not_the_chief_write_nothing(capsys):
    with log.silenced():
        log.line("timed, not shown")
        with log.chief_only(True):  # an inner block does not undo the outer silence
            log.line("still silent")
    with log.chief_only(False):
        log.line("a worker's repeat")
    with log.chief_only(True):
        log.line("the chief's line")
    assert capsys.readouterr().out == "the chief's line\n"


def test_the_root_loggers_handlers_do_not_repeat_the_runs_lines(capsys):
    root = io.StringIO()
    handler = logging.StreamHandler(root)
    logging.getLogger().addHandler(handler)
    try:
        log.line("once")
    finally:
        logging.getLogger().removeHandler(handler)
    assert root.getvalue() == "" and capsys.readouterr().out == "once\n"
