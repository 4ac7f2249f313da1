"""pipelines.train --weights: fine-tuning Caffe's AlexNet (a small caffemodel written here) on the
embedded dataset's classes with the finetune recipe, in subprocesses."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

import keras_nets  # noqa: F401  (registers the layers for loading)
from cli import exit_2_error
from keras_nets.alexnet import CAFFE_OPTIONS
from keras_nets.convert.caffe import alexnet_arrays
from keras_nets.convert.caffe_schema import write_caffemodel

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FC = 64
# Two epochs of 3 steps: the first is the head's alone (--head-epochs 1), the second every layer's.
# float32 on every host: auto would pick bfloat16 on CPUs that have it
TINY = ["--precision", "float32",
        "--model", "alexnet", "--recipe", "finetune", "--width", "0.0625", "--fc-units", str(FC),
        "--shapes-train", "24", "--shapes-validation", "8", "--input-size", "67",
        "--batch-size", "8", "--no-export", "--seed", "3", "--epochs", "2", "--head-epochs", "1",
        "--deterministic", "--checkpoint-every", "2"]


@pytest.fixture(scope="module")
def caffemodel(tmp_path_factory):
    """bvlc_alexnet's layers at width 1/16 for a 67 px crop (pool5 1x1: fc6 reads 16 values)."""
    rng = np.random.default_rng(0)
    shapes = {"conv1": (6, 3, 11, 11), "conv2": (16, 3, 5, 5), "conv3": (24, 16, 3, 3),
              "conv4": (24, 12, 3, 3), "conv5": (16, 12, 3, 3), "fc6": (FC, 16),
              "fc7": (FC, FC), "fc8": (1000, FC)}
    blobs = {name: [rng.normal(0, np.sqrt(1 / np.prod(s[1:])), s).astype("float32"),
                    rng.normal(0, 0.1, s[0]).astype("float32")] for name, s in shapes.items()}
    path = tmp_path_factory.mktemp("weights") / "bvlc_alexnet.caffemodel"
    write_caffemodel(str(path), blobs, v1=True)
    return str(path), blobs


def train(tmp_path, weights, *flags):
    cmd = [sys.executable, "-m", "pipelines.train", "--data-dir", str(tmp_path / "tfds"), *TINY,
           "--weights", weights, *flags]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def load(run_dir):
    return keras.saving.load_model(os.path.join(run_dir, "model.keras"), safe_mode=True)


def checkpoint_holds(run, array):
    """Whether a variable of the run's latest checkpoint equals `array`."""
    import tensorflow as tf
    reader = tf.train.load_checkpoint(str(run / "checkpoints"))
    return any(shape == list(array.shape) and np.array_equal(reader.get_tensor(key), array)
               for key, shape in reader.get_variable_to_shape_map().items())


def test_head_first_then_all_layers_and_kill_9_resume(tmp_path, caffemodel):
    """Two epochs of 3 steps: the first trains the new head alone (--head-epochs 1), the second
    every layer. Killed at its first checkpoint (step 2, in the head phase) and relaunched with
    the same command, the run ends where the uninterrupted one does."""
    path, blobs = caffemodel
    whole = tmp_path / "whole"
    result = train(tmp_path, path, "--run-dir", str(whole))
    assert "new: fc8; 1 epoch of the new layers alone first" in result.stdout
    config = json.loads((whole / "config.json").read_text())
    assert config["recipe"]["normalization"] == "caffe_alexnet_bgr"
    assert config["model_options"] == CAFFE_OPTIONS and config["weights"] == path
    trained = load(whole)
    assert trained.preprocessing.normalization == "caffe_alexnet_bgr"
    assert trained.get_layer("lrn1").alpha == pytest.approx(2e-5)  # Caffe's options, saved
    assert trained.get_layer("fc8").kernel.shape[-1] < 1000  # the embedded dataset's classes
    expected = alexnet_arrays(blobs, trained)
    for name in ("conv1_tower0", "conv5_tower1", "fc6", "fc7"):  # the second epoch trained them
        assert not np.array_equal(trained.get_layer(name).kernel, expected[name][0])

    run = tmp_path / "killed"
    cmd = [sys.executable, "-m", "pipelines.train", "--data-dir", str(tmp_path / "tfds"), *TINY,
           "--weights", path, "--run-dir", str(run)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    deadline = time.time() + 300
    while time.time() < deadline and not (run / "checkpoints" / "checkpoint").exists():
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (run / "model.keras").exists()
    # Two head-phase steps left every pretrained layer as converted.
    for name in ("conv1_tower0", "conv5_tower1", "fc6", "fc7"):
        assert checkpoint_holds(run, expected[name][0]), name
    assert "resumed from" in train(tmp_path, path, "--run-dir", str(run)).stdout
    for a, b in zip(trained.weights, load(run).weights):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


def test_weights_errors_are_one_line_exit_2(tmp_path, capsys, monkeypatch):
    from keras_nets.convert import keras_applications
    from pipelines.train import main
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    with socket.socket() as s:  # no network: the hosted file's fetch is refused, locally
        s.bind(("127.0.0.1", 0))
        hosted = f"http://127.0.0.1:{s.getsockname()[1]}/"
    monkeypatch.setattr(keras_applications, "HOSTED", hosted)
    text = tmp_path / "notes.txt"
    text.write_text("not weights")
    cases = [(["--weights", str(tmp_path / "missing.caffemodel")], "no such file"),
             (["--weights", str(text)], "not a weights file"),
             (["--weights", "imagenet"], "no hosted ImageNet weights for alexnet"),
             (["--model", "vgg16", "--weights", "imagenet"],
              f"not in the Keras cache and the download failed (URL fetch failure on {hosted}"),
             (["--recipe", "finetune"], "give --weights"),
             (["--model", "vgg_d", "--weights", str(text), "--init-from", str(text)],
              "give one")]
    for argv, match in cases:
        assert match in exit_2_error(main, argv, capsys), argv
