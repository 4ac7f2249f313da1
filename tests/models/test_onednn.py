"""TensorFlow's oneDNN kernels are on once keras_nets or the pipelines load it (where TensorFlow
would leave them off: AMD and older Intel CPUs), and the user's TF_ENABLE_ONEDNN_OPTS wins."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROBE = ("import {package}, tensorflow\n"
         "from tensorflow.python.util import _pywrap_util_port\n"
         "print('oneDNN', _pywrap_util_port.IsMklEnabled())")


@pytest.mark.parametrize("package", ["keras_nets", "pipelines", "benchmarks"])
@pytest.mark.parametrize("user", [None, "0"])
def test_onednn_on_unless_the_user_says(package, user):
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    if user is not None:
        env["TF_ENABLE_ONEDNN_OPTS"] = user
    result = subprocess.run([sys.executable, "-c", PROBE.format(package=package)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300,
                            env=dict(env, TF_CPP_MIN_LOG_LEVEL="3"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"oneDNN {user is None}" in result.stdout, result.stdout
