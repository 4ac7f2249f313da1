"""pipelines.train end to end, in subprocesses (tiny data, tiny input size)."""

import json
import os
import signal
import subprocess
import sys
import time

import keras

import keras_nets  # noqa: F401  (registers the LRN layer for loading)
import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# FC6/FC7 of 256 units instead of 4096: every step's all-reduce and every checkpoint 60 times
# smaller (the tests are about the training machinery, not the model's size).
# float32 on every host: auto would pick bfloat16 on CPUs that have it
TINY = ["--precision", "float32",
        "--shapes-train", "48", "--shapes-validation", "16", "--input-size", "67",
        "--batch-size", "8", "--no-export", "--seed", "3", "--fc-units", "256"]


# One embedded dataset directory for the whole session: each size of the dataset is drawn and
# prepared once (its own TFDS config), not once per test.
_SHARED = {}


@pytest.fixture(autouse=True, scope="session")
def shared_tfds(tmp_path_factory):
    _SHARED["tfds"] = tmp_path_factory.mktemp("tfds")
    return _SHARED["tfds"]


def data_dir(tmp_path):
    return str(_SHARED.get("tfds") or tmp_path / "tfds")


def train(tmp_path, *flags, check=True, env=None):
    cmd = [sys.executable, "-m", "pipelines.train", "--data-dir", data_dir(tmp_path), *TINY,
           *flags]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", **(env or {})))
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


def weights(run_dir):
    model = keras.saving.load_model(os.path.join(run_dir, "model.keras"), safe_mode=True)
    return [np.asarray(w) for w in model.weights]


def test_run_writes_config_metrics_checkpoints_tensorboard(tmp_path):
    run = tmp_path / "run"
    result = train(tmp_path, "--epochs", "2", "--run-dir", str(run))
    assert "epoch 2/2 step 6/6" in result.stdout
    config = json.loads((run / "config.json").read_text())
    assert config["recipe"]["name"] == "demo" and config["steps_per_epoch"] == 6
    metrics = [json.loads(l) for l in (run / "metrics.jsonl").read_text().splitlines()]
    assert [m["epoch"] for m in metrics] == [1, 2]
    assert {"loss", "val_top1_error", "val_top5_error", "learning_rate",
            "images_per_second"} <= set(metrics[0])
    assert any(f.startswith("ckpt-") for f in os.listdir(run / "checkpoints"))
    assert os.listdir(run / "tensorboard")


def validation(run_dir):
    """(top-1 error, top-5 error, images) of the last epoch in metrics.jsonl."""
    last = json.loads((run_dir / "metrics.jsonl").read_text().splitlines()[-1])
    return last["val_top1_error"], last["val_top5_error"], last["val_images"]


# 13 validation images with a global batch of 8: the last batch is partial and padded.
EXACT_VALIDATION = ["--shapes-validation", "13"]


def test_mirrored_on_two_devices_equals_one_device(tmp_path):
    common = ["--epochs", "1", "--steps", "3", "--dropout", "0", "--deterministic",
              *EXACT_VALIDATION]
    train(tmp_path, *common, "--strategy", "one-device", "--run-dir", str(tmp_path / "one"))
    result = train(tmp_path, *common, "--strategy", "mirrored", "--cpu-devices", "2",
                   "--run-dir", str(tmp_path / "two"))
    assert "2 replicas, 1 worker" in result.stdout  # the first screen's strategy line
    for a, b in zip(weights(tmp_path / "one"), weights(tmp_path / "two")):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    # The whole validation split once, under both strategies, with the same result.
    assert validation(tmp_path / "one")[2] == validation(tmp_path / "two")[2] == 13
    np.testing.assert_allclose(validation(tmp_path / "one"), validation(tmp_path / "two"))


@pytest.mark.parametrize("strategy", [[], ["--strategy", "mirrored", "--cpu-devices", "2"]],
                         ids=["one-device", "mirrored"])
def test_kill_9_then_resume_equals_uninterrupted(tmp_path, strategy):
    """Dropout 0.5 (the recipe's) on, drawn per replica: resuming restores the masks too."""
    common = ["--epochs", "2", "--deterministic", "--checkpoint-every", "2", *strategy]
    train(tmp_path, *common, "--run-dir", str(tmp_path / "whole"))
    run = tmp_path / "killed"
    cmd = [sys.executable, "-m", "pipelines.train", "--data-dir", data_dir(tmp_path), *TINY,
           *common, "--run-dir", str(run)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    deadline = time.time() + 300
    while time.time() < deadline:  # kill once a mid-epoch checkpoint exists
        if (run / "checkpoints" / "checkpoint").exists():  # written after the checkpoint itself
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (run / "model.keras").exists()
    result = train(tmp_path, *common, "--run-dir", str(run))  # the same command again
    assert "resumed from" in result.stdout
    # Two uninterrupted mirrored runs on CPU already differ here by 1.1e-6 in one element of
    # 221,184 (the same two values, whole and resumed swapped, in two runs), so the mirrored
    # bound is the cross-strategy tests' (a lost dropout mask or step moves every weight).
    rtol, atol = (1e-4, 1e-5) if strategy else (1e-5, 1e-6)
    for a, b in zip(weights(tmp_path / "whole"), weights(run)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def test_sigterm_writes_a_checkpoint_and_exits_with_the_restart_code(tmp_path):
    run = tmp_path / "run"
    cmd = [sys.executable, "-m", "pipelines.train", "--data-dir", data_dir(tmp_path), *TINY,
           "--epochs", "50", "--run-dir", str(run), "--checkpoint-every", "0"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    for line in proc.stdout:
        if line.startswith("epoch 1/50 step"):
            break
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 143  # TF's restart code: a scheduler relaunches the job
    assert "SIGTERM: wrote checkpoint" in out
    assert not notices(err), err[-3000:]
    assert any(f.startswith("ckpt-") for f in os.listdir(run / "checkpoints"))


# Fault injection from the test side: the train step is wrapped so that the loss of one step
# becomes NaN (Keras' clipped cross-entropy stays finite when the weights explode), then the
# product's own CLI runs in this process.
NAN_AT_STEP = """
import math, sys
import tensorflow as tf
from pipelines.training import steps
make = steps.make_train_step
def nan_at(step_number):
    def make_faulty(*args, **kwargs):
        step, calls = make(*args, **kwargs), [0]
        def faulty(iterator, n):
            totals = step(iterator, n)
            calls[0] += 1
            return tf.concat([[math.nan], totals[1:]], 0) if calls[0] == step_number else totals
        return faulty
    return make_faulty
steps.make_train_step = nan_at(int(sys.argv[1]))
from pipelines.train import main
sys.exit(main(sys.argv[2:]))
"""


def test_nan_stops_with_an_error_and_keeps_the_checkpoint(tmp_path):
    run = tmp_path / "run"
    cmd = [sys.executable, "-c", NAN_AT_STEP, "9", "--data-dir", data_dir(tmp_path), *TINY,
           "--epochs", "3", "--run-dir", str(run)]  # 6 steps an epoch: call 9 is epoch 2, step 3
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert result.returncode == 3, result.stderr[-3000:]
    assert "loss is nan at epoch 2, step 3" in result.stderr.lower()
    assert sorted(f for f in os.listdir(run / "checkpoints") if f != "checkpoint") == [
        "ckpt-1.data-00000-of-00001", "ckpt-1.index"]  # the end of epoch 1, nothing after


def test_corrupt_latest_checkpoint_falls_back_with_a_warning(tmp_path):
    run = tmp_path / "run"
    train(tmp_path, "--epochs", "2", "--run-dir", str(run))
    latest = sorted(f for f in os.listdir(run / "checkpoints") if f.endswith(".index"))[-1]
    data = [f for f in os.listdir(run / "checkpoints")
            if f.startswith(latest[:-6]) and "data" in f][0]
    (run / "checkpoints" / data).write_bytes(b"garbage")
    result = train(tmp_path, "--epochs", "2", "--run-dir", str(run), "--resume")
    assert "is unreadable" in result.stdout and "resumed from" in result.stdout


BAD_FLAGS = [
    (["--epochs", "0"], "--epochs must be >= 1"),
    (["--model", "resnet"], "invalid choice"),
    (["--resume"], "--resume needs --run-dir"),
    (["--init-from", "x.keras"], "grown from a shallower net (VGG)"),
    (["--model", "vgg_b", "--init-from", "x.keras"], "--init-from x.keras: no such file"),
    (["--dataset", "/no/such/folder"], "no such folder"),
    (["--scale-min", "40"], "jittered scale (VGG)"),
    (["--model", "vgg_a", "--scale-min", "300", "--scale-max", "200"], "--scale-min must be <="),
    (["--model", "vgg_a", "--scale-min", "600"], "give both"),
    (["--normalization", "unit"], "invalid choice"),
]

# Every bad command line through the CLI's own main in one process (one TensorFlow start-up):
# its return value or SystemExit code, and what it wrote to stderr.
EACH_COMMAND = """
import contextlib, io, json, sys
from pipelines.train import main
results = []
for argv in json.loads(sys.argv[1]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit:
            code = exit.code
    results.append([code, err.getvalue()])
print("RESULTS " + json.dumps(results))
"""


def test_bad_flags_one_line_exit_2(tmp_path):
    argvs = [["--data-dir", data_dir(tmp_path), *TINY, *flags] for flags, _ in BAD_FLAGS]
    result = subprocess.run([sys.executable, "-c", EACH_COMMAND, json.dumps(argvs)], cwd=ROOT,
                            capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads(result.stdout.split("RESULTS ")[-1])
    for (flags, message), (code, stderr) in zip(BAD_FLAGS, results):
        assert code == 2, (flags, stderr)
        assert message in stderr, (flags, stderr)
        assert len([l for l in stderr.splitlines() if "error:" in l]) == 1, (flags, stderr)


def free_ports(n):
    import socket
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def notices(text):
    """TensorFlow's warnings and deprecation notices among a run's lines."""
    return [l for l in text.splitlines() if "WARNING" in l or "deprecated" in l
            or l.startswith("Instructions for updating")]


def screen_and_progress(output):
    """A run's first-screen lines and its progress and epoch lines."""
    heads = ("model ", "recipe ", "data ", "strategy ", "run dir ", "epoch ")
    return [line for line in output.splitlines() if line.startswith(heads)]


def start_workers(tmp_path, run, flags, workers=2, env=None, stderr=subprocess.STDOUT):
    """`workers` trainer processes on 127.0.0.1, one TF_CONFIG each. env: variables to set
    over the tests' (None: unset), e.g. TF_CPP_MIN_LOG_LEVEL=None for a user's default."""
    cluster = {"worker": [f"127.0.0.1:{p}" for p in free_ports(workers)]}
    procs = []
    for index in range(workers):
        tf_config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        cmd = [sys.executable, "-m", "pipelines.train", "--data-dir", data_dir(tmp_path),
               *TINY, *flags, "--strategy", "multi-worker", "--run-dir", str(run)]
        environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_CONFIG": tf_config,
                       **(env or {})}
        procs.append(subprocess.Popen(
            cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr, text=True,
            env={k: v for k, v in environment.items() if v is not None}))
    return procs


def test_two_workers_agree_and_equal_a_single_process(tmp_path):
    common = ["--epochs", "1", "--steps", "3", "--dropout", "0", "--deterministic",
              *EXACT_VALIDATION]
    train(tmp_path, *common, "--strategy", "one-device", "--run-dir", str(tmp_path / "single"))
    run = tmp_path / "multi"
    procs = start_workers(tmp_path, run, common)
    outputs = [p.communicate(timeout=400)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs[0][-2000:] + outputs[1][-2000:]
    assert "2 replicas, 2 workers" in outputs[0]  # the first screen's strategy line
    assert json.loads((run / "config.json").read_text())["workers"] == 2
    chief, other = weights(run), weights(run / "worker1")
    for a, b, c in zip(chief, other, weights(tmp_path / "single")):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(a, c, rtol=1e-4, atol=1e-5)
    assert validation(run)[2] == 13  # each worker its shard, padded: the whole split once
    np.testing.assert_allclose(validation(run), validation(tmp_path / "single"))
    assert not [f for f in os.listdir(run) if f.startswith("workertemp")]


def test_sigterm_to_one_worker_then_relaunch_equals_uninterrupted(tmp_path):
    """Two workers, dropout on, deterministic: SIGTERM to worker 1 mid-epoch ends in a checkpoint
    of both at the same step and exit 143; relaunching both commands unchanged resumes both from
    the chief's checkpoint and ends with the weights of an uninterrupted run."""
    common = ["--epochs", "2", "--steps", "16", "--width", "0.25", "--deterministic",
              "--checkpoint-every", "0"]
    whole = tmp_path / "whole"
    outputs = [p.communicate(timeout=400)[0] for p in start_workers(tmp_path, whole, common)]
    assert os.path.exists(whole / "model.keras"), outputs[0][-2000:] + outputs[1][-2000:]
    run = tmp_path / "multi"
    procs = start_workers(tmp_path, run, common)
    for line in procs[0].stdout:
        if line.startswith("epoch 1/2 step"):
            break
    procs[1].send_signal(signal.SIGTERM)
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [143, 143], outputs[1][-3000:]
    # TensorFlow's handler reads its own deprecated total_run_calls as it saves: hidden
    assert not [n for o in outputs for n in notices(o)], outputs[0][-3000:] + outputs[1][-3000:]
    assert any(f.startswith("ckpt-") for f in os.listdir(run / "checkpoints"))
    assert not (run / "model.keras").exists()
    procs = start_workers(tmp_path, run, common)
    outputs = [p.communicate(timeout=400)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs[0][-2000:] + outputs[1][-2000:]
    # The chief says where the job resumed (worker 1 stays quiet: its line would be the same);
    # that both resumed from that checkpoint shows in their weights, equal to the bit below.
    assert "at epoch" in outputs[0].split("resumed from", 1)[1].split("\n")[0], outputs[0]
    assert "resumed from" not in outputs[1], outputs[1][-2000:]
    for a, b, c in zip(weights(whole), weights(run), weights(run / "worker1")):
        np.testing.assert_array_equal(b, c)  # the two resumed workers agree exactly
        # all-reduce sums may round differently after a restart (differences ~3e-6 seen)
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert not [f for f in os.listdir(run) if f.startswith("workertemp")]
