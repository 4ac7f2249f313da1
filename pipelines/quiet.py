"""Keep TensorFlow's start-up notices off a run's first screen; `--verbose` keeps them.

The notices come from TensorFlow's C++ side, written straight to file descriptor 2, and part of
them before absl's logging is initialised, where TF_CPP_MIN_LOG_LEVEL has no say. Measured with
TensorFlow 2.21 on a machine without GPUs (`import tensorflow; tf.config.list_physical_devices()`):
level 2 still prints "Could not find cuda drivers" twice (with absl's "All log messages before
absl::InitializeLog()" banner) and "failed call to cuInit: ... CUDA error"; level 3 still prints the
first two. So the import and the device probing (the cuInit call) run with fd 2 captured, and
what was captured is written back without those notices: anything else, a Python traceback
included, still reaches the screen.

For the rest of the run TF_CPP_MIN_LOG_LEVEL=2 (unless the user set it) keeps TensorFlow's C++
INFO and WARNING lines (XLA service start, tf.data buffer and cache notices) off the screen;
its errors still show. TensorFlow's Python deprecation notices stay off too: they are about
TensorFlow's own calls (its PreemptionCheckpointHandler reads its own deprecated
`total_run_calls` when a SIGTERM checkpoint is written), nothing a user of the CLIs can act on.

When a multi-worker job loses a worker, TensorFlow's C++ side logs the aborted collectives as
errors before Python hears of it, several lines per survivor; `peer_loss_held` holds such lines
back until the run says whether a worker was lost (then the run's own one line replaces them).
"""

import contextlib
import glob
import logging
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator

# absl's C++ log line: severity, MMDD (0000 before absl is initialised), time, thread, file:line]
_NATIVE_LINE = re.compile(r"^[IWEF]\d{4} [\d:.]+ +\d+ [\w./-]+:\d+\] ")
_NOTICES = (
    "WARNING: All log messages before absl::InitializeLog() is called",
    "To enable the following instructions:",  # the rest of cpu_feature_guard's INFO line
)


# Set by hide_startup_notices: the process hides TensorFlow's notices (a CLI without --verbose).
_hiding = False
# An aborted collective's C++ error line: what a lost peer starts with.
_PEER_ABORT = re.compile(
    rb"^E\d{4} [\d:.]+ +\d+ [\w./-]+:\d+\] .*\b(UNAVAILABLE|ABORTED|DEADLINE_EXCEEDED)\b")
# Written by the run into the forwarder's pipe: the held lines were about a lost worker.
_LOST = b"\x00pipelines.quiet: a worker was lost\n"


def _gpu_machine() -> bool:
    """An NVIDIA driver is loaded: there a failed cuInit is the user's business."""
    return os.path.exists("/proc/driver/nvidia") or bool(glob.glob("/dev/nvidia[0-9]*"))


def is_notice(line: str, gpu_machine: bool = False) -> bool:
    """A start-up line that is not the user's business: C++ INFO/WARNING lines, absl's banner,
    and the failed cuInit of a machine without GPUs (an error only where a GPU is expected)."""
    if line.startswith(_NOTICES):
        return True
    match = _NATIVE_LINE.match(line)
    if not match:
        return False
    if line[0] in "IW":
        return True
    return "failed call to cuInit" in line and not gpu_machine


@contextlib.contextmanager
def _native_stderr_filtered(keep: Callable[[str], bool]) -> Iterator[None]:
    """fd 2 into a temporary file for the block, then the lines for which keep(line) is true
    back onto stderr (a file, not a pipe: nothing has to read while TensorFlow writes)."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode(errors="replace")
            sys.stderr.write("".join(l for l in text.splitlines(True) if keep(l)))
            sys.stderr.flush()


# What libjpeg and libpng print on stderr for a damaged image TensorFlow decodes, beside the
# error the caller reports for that image itself (pipelines.predict: one line per bad file).
_DECODER_WARNINGS = ("Improper call to JPEG library", "Corrupt JPEG data",
                     "Premature end of JPEG file", "libpng warning", "libpng error")


def is_decoder_warning(line: str) -> bool:
    return line.startswith(_DECODER_WARNINGS)


@contextlib.contextmanager
def decoder_warnings_hidden() -> Iterator[None]:
    """The block's native stderr without libjpeg's and libpng's lines about damaged images."""
    with _native_stderr_filtered(lambda line: not is_decoder_warning(line)):
        yield


def hide_startup_notices(verbose: bool = False) -> None:
    """Import TensorFlow and probe its devices with the notices filtered out, and keep its
    deprecation notices off for the rest of the process (before anything else imports
    TensorFlow; a no-op when verbose or when it is already imported)."""
    global _hiding
    if verbose or "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    gpu_machine = _gpu_machine()
    with _native_stderr_filtered(lambda line: not is_notice(line, gpu_machine)):
        import tensorflow as tf
        # Listing physical devices loads the CUDA platform (the cuInit call) without creating
        # TensorFlow's context, so split_cpu and MultiWorkerMirroredStrategy can still follow.
        tf.config.list_physical_devices()
    tf.get_logger().addFilter(is_not_deprecation)
    _hiding = True


def is_not_deprecation(record: logging.LogRecord) -> bool:
    """A logging filter: False for TensorFlow's deprecation notices (tensorflow.python.util.
    deprecation's templates: "... is deprecated ...", "Please fix your imports ...")."""
    template = record.msg if isinstance(record.msg, str) else ""
    return not ("is deprecated" in template or template.startswith("Please fix your imports"))


class PeerLoss:
    """What `peer_loss_held` yields: `lost()` says the held lines were about a lost worker."""

    def __init__(self) -> None:
        self.was_lost = False

    def lost(self) -> None:
        self.was_lost = True


@contextlib.contextmanager
def peer_loss_held(thread_errors: tuple[type[BaseException], ...] = (),
                   hold_seconds: float = 30.0) -> Iterator[PeerLoss]:
    """Hold back the noise a lost peer makes, for a block of a multi-worker run: C++ error lines
    of an aborted collective (fd 2 goes through a forwarding process, which holds them from the
    first such line for up to hold_seconds), and exceptions of `thread_errors` in other threads
    (TensorFlow's watcher threads). When the block calls `lost()`, they are dropped: the run
    says in one line which worker was lost; otherwise they reach stderr as they would have.

    Only where hide_startup_notices hid the notices (a CLI without --verbose): elsewhere the
    block runs as it is. The forwarder is a process of its own so that nothing written just
    before a crash is lost with the crashing process; it ignores the terminal's and the
    scheduler's signals and ends when the pipe closes."""
    loss = PeerLoss()
    if not _hiding:
        yield loss
        return
    held_threads, thread_hook = [], threading.excepthook

    def hold_thread_error(args: threading.ExceptHookArgs) -> None:
        if isinstance(args.exc_value, thread_errors):
            held_threads.append(args)
        else:
            thread_hook(args)

    sys.stderr.flush()
    saved = os.dup(2)
    read, write = os.pipe()
    try:
        forwarder = subprocess.Popen(
            [sys.executable, "-I", "-S", os.path.abspath(__file__), "--forward",
             str(hold_seconds)], stdin=read, stdout=saved, stderr=saved,
            start_new_session=True)
    except OSError:  # no process to spare: the noise shows, the run goes on
        forwarder = None
    os.close(read)
    if forwarder is not None:
        os.dup2(write, 2)
    os.close(write)
    threading.excepthook = hold_thread_error
    try:
        yield loss
    finally:
        threading.excepthook = thread_hook
        sys.stderr.flush()
        if forwarder is not None:
            if loss.was_lost:
                os.write(2, _LOST)
            os.dup2(saved, 2)
            with contextlib.suppress(subprocess.TimeoutExpired):
                forwarder.wait(timeout=5)  # it ends once it has written what it holds
        os.close(saved)
        if not loss.was_lost:
            for args in held_threads:
                thread_hook(args)


def _forward(hold_seconds: float) -> None:
    """The forwarding process of peer_loss_held: stdin (the run's fd 2) to stdout, holding
    lines from an aborted collective's error line on, dropping them at _LOST, writing them out
    when nothing was said within hold_seconds or the pipe closed."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    held, since, pending, dropping = [], None, b"", False
    while True:
        wait = None if since is None else max(0.0, since + hold_seconds - time.monotonic())
        if not select.select([0], [], [], wait)[0]:
            _write_all(b"".join(held))  # held long enough: not a lost worker after all
            held, since = [], None
            continue
        data = os.read(0, 1 << 16)
        if not data:
            break
        *lines, pending = (pending + data).split(b"\n")
        out = []
        for line in (line + b"\n" for line in lines):
            if line == _LOST:
                held, dropping = [], True
            elif dropping:
                continue
            elif since is None and not _PEER_ABORT.match(line):
                out.append(line)
            else:
                since = since or time.monotonic()
                held.append(line)
        if since is None and not pending.startswith(b"E"):
            # An unfinished line goes on now, unless it may be an aborted collective's.
            out.append(pending)
            pending = b""
        _write_all(b"".join(out))
    if not dropping:
        _write_all(b"".join(held) + pending)


def _write_all(data: bytes) -> None:
    while data:
        data = data[os.write(1, data):]


if __name__ == "__main__" and sys.argv[1:2] == ["--forward"]:
    _forward(float(sys.argv[2]))
