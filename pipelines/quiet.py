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
its errors still show.
"""

import contextlib
import glob
import os
import re
import sys
import tempfile

# absl's C++ log line: severity, MMDD (0000 before absl is initialised), time, thread, file:line]
_NATIVE_LINE = re.compile(r"^[IWEF]\d{4} [\d:.]+ +\d+ [\w./-]+:\d+\] ")
_NOTICES = (
    "WARNING: All log messages before absl::InitializeLog() is called",
    "To enable the following instructions:",  # the rest of cpu_feature_guard's INFO line
)


def _gpu_machine():
    """An NVIDIA driver is loaded: there a failed cuInit is the user's business."""
    return os.path.exists("/proc/driver/nvidia") or bool(glob.glob("/dev/nvidia[0-9]*"))


def is_notice(line, gpu_machine=False):
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
def _native_stderr_filtered(keep):
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


def hide_startup_notices(verbose=False):
    """Import TensorFlow and probe its devices with the notices filtered out (before anything
    else imports TensorFlow; a no-op when verbose or when it is already imported)."""
    if verbose or "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    gpu_machine = _gpu_machine()
    with _native_stderr_filtered(lambda line: not is_notice(line, gpu_machine)):
        import tensorflow as tf
        # Listing physical devices loads the CUDA platform (the cuInit call) without creating
        # TensorFlow's context, so split_cpu and MultiWorkerMirroredStrategy can still follow.
        tf.config.list_physical_devices()
