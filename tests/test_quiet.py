"""pipelines.quiet: the CLIs' --help without TensorFlow's start-up notices, its deprecation
notices hidden, and the forwarder that holds back a lost worker's C++ error lines."""

import logging
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUIET = os.path.join(ROOT, "pipelines", "quiet.py")
# An aborted collective's C++ line at TF_CPP_MIN_LOG_LEVEL 2 (TensorFlow 2.21, a SIGKILLed peer),
# and the line its message continues on.
ABORT = ("E0000 00:00:1796411251.350661    5706 ring_alg.cc:291] Aborting RingReduce with "
         "UNAVAILABLE: Collective ops is aborted by: Error reported from /job:worker/task:1: The "
         "following tasks are unhealthy (stopped sending heartbeats):\n")
CONTINUED = "/job:worker/replica:0/task:1\n"


def user_environment():
    """The user's environment: no TF_CPP_MIN_LOG_LEVEL (the tests' conftest sets it)."""
    return {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}


@pytest.mark.parametrize("cli", ["pipelines.evaluate", "pipelines.train"])
def test_help_shows_no_tensorflow_notices(cli):
    result = subprocess.run([sys.executable, "-m", cli, "--help"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300, env=user_environment())
    assert result.returncode == 0 and "usage:" in result.stdout
    assert result.stderr == ""


def test_tensorflow_deprecation_notices_are_filtered_and_other_warnings_kept():
    import tensorflow as tf
    from tensorflow.python.util import deprecation

    from pipelines.quiet import is_not_deprecation

    @deprecation.deprecated(None, "Use something else.")
    def old():
        return 1

    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = tf.get_logger()
    logger.addHandler(handler)
    logger.addFilter(is_not_deprecation)
    try:
        old()
        logger.warning("a warning of another kind")
    finally:
        logger.removeFilter(is_not_deprecation)
        logger.removeHandler(handler)
    assert [r.getMessage() for r in records] == ["a warning of another kind"]


def forward(chunks, hold_seconds=30.0, pause=0.0):
    """What the forwarding process writes for `chunks` fed to it in order (pause: seconds to
    wait before the last chunk)."""
    import time
    proc = subprocess.Popen([sys.executable, "-I", "-S", QUIET, "--forward", str(hold_seconds)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    for i, chunk in enumerate(chunks):
        if i == len(chunks) - 1 and pause:
            time.sleep(pause)
        proc.stdin.write(chunk.encode() if isinstance(chunk, str) else chunk)
        proc.stdin.flush()
    out, _ = proc.communicate(timeout=30)
    return out.decode()


def test_forwarder_passes_lines_and_drops_the_held_ones_when_told():
    from pipelines.quiet import _LOST
    assert forward(["before\n", "E is a letter, not a log line\n", "50%\r"]) == \
        "before\nE is a letter, not a log line\n50%\r"
    assert forward(["before\n", ABORT, CONTINUED, _LOST]) == "before\n"


def test_forwarder_writes_the_held_lines_when_no_worker_was_lost():
    from pipelines.quiet import _LOST
    # the pipe closes without a word: everything, in order
    assert forward(["before\n", ABORT, CONTINUED, "after\n"]) == \
        "before\n" + ABORT + CONTINUED + "after\n"
    # nothing said within the hold time: written out, and a later word comes too late
    assert forward([ABORT, CONTINUED, _LOST], hold_seconds=0.2, pause=1.5) == ABORT + CONTINUED


# peer_loss_held in a process of its own (it moves file descriptor 2): a C++-style abort line
# and a thread's error, then lost() or not; "the run's line" is written after the block.
HELD = """
import os, sys, threading
from pipelines import quiet
quiet._hiding = True  # as after hide_startup_notices
lose = sys.argv[1] == "lost"
try:
    with quiet.peer_loss_held((ValueError,)) as peers:
        os.write(2, sys.argv[2].encode())
        def watcher():
            raise ValueError("the watcher's connection was reset")
        thread = threading.Thread(target=watcher)
        thread.start()
        thread.join()
        if lose:
            peers.lost()
            raise SystemExit(75)
finally:
    print("the run's line", file=sys.stderr)
"""


@pytest.mark.parametrize("lost", [True, False], ids=["lost", "not lost"])
def test_peer_loss_held_drops_the_noise_only_when_a_worker_was_lost(lost):
    result = subprocess.run(
        [sys.executable, "-c", HELD, "lost" if lost else "kept", ABORT + CONTINUED], cwd=ROOT,
        capture_output=True, text=True, timeout=60)
    assert result.returncode == (75 if lost else 0)
    if lost:
        assert result.stderr == "the run's line\n"
    else:
        assert result.stderr.startswith(ABORT + CONTINUED), result.stderr
        assert "ValueError: the watcher's connection was reset" in result.stderr
        assert result.stderr.endswith("the run's line\n")


def test_only_the_image_decoders_lines_about_damaged_images_are_dropped():
    from pipelines.quiet import is_decoder_warning
    assert is_decoder_warning("Improper call to JPEG library in state 201\n")
    assert is_decoder_warning("Premature end of JPEG file\n")
    assert is_decoder_warning("Corrupt JPEG data: 22 extraneous bytes before marker 0xd9\n")
    assert not is_decoder_warning("python -m pipelines.predict: error: x.jpg: truncated JPEG\n")
    assert not is_decoder_warning("Traceback (most recent call last):\n")
