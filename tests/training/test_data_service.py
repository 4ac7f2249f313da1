"""--data-service: training fed by tf.data service (a dispatcher and two workers on 127.0.0.1)."""

import os
import subprocess
import sys

import pytest

from pipelines.data import service

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# In one process: the servers (ephemeral ports, reached as 127.0.0.1), then pipelines.train.
# The workers count the batches they produced, so the test knows the data came through them.
WITH_SERVICE = r"""
import sys
import tensorflow as tf
from pipelines.data import service
dispatcher = service.start_dispatcher()
port = dispatcher.target.rpartition(":")[2]
workers = [service.start_worker(f"127.0.0.1:{port}", host="127.0.0.1") for _ in range(2)]
distribute, calls = service.distribute, []
def counting(dataset, address, job_name=None):
    calls.append(address)
    return distribute(dataset.map(lambda x, y: (x, y)), address, job_name)
service.distribute = counting
from pipelines.train import main
code = main(sys.argv[1:] + ["--data-service", f"127.0.0.1:{port}"])
print("WORKERS", dispatcher._num_workers(), "CALLS", calls)
sys.exit(code)
"""


def test_training_reads_from_two_service_workers(tmp_path):
    flags = ["--data-dir", str(tmp_path / "tfds"), "--shapes-train", "48", "--shapes-validation",
             "16", "--input-size", "67", "--width", "0.25", "--batch-size", "8", "--epochs", "1",
             "--steps", "3", "--no-export", "--run-dir", str(tmp_path / "run")]
    result = subprocess.run([sys.executable, "-c", WITH_SERVICE, *flags], cwd=ROOT,
                            capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "epoch 1/1 step 3/3" in result.stdout
    assert "WORKERS 2 CALLS ['127.0.0.1:" in result.stdout
    assert os.path.exists(tmp_path / "run" / "model.keras")


def test_service_addresses():
    assert service.service_address("127.0.0.1:5050") == "grpc://127.0.0.1:5050"
    assert service.service_address("grpc://host:1") == "grpc://host:1"
    for bad in ("5050", "host:", "host:port"):
        with pytest.raises(ValueError, match="HOST:PORT"):
            service.service_address(bad)


@pytest.mark.parametrize("argv,message", [
    (["-m", "pipelines.train", "--data-service", "nohost"], "--data-service must be HOST:PORT"),
    (["-m", "pipelines.data.service", "worker", "--dispatcher", "x"], "must be HOST:PORT"),
    (["-m", "pipelines.data.service", "worker"], "--dispatcher")])
def test_bad_arguments_exit_2_with_one_line(argv, message):
    result = subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("python -m pipelines.") and ": error: " in last and message in last
