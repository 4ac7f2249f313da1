"""The input normalisation belongs to the recipe and travels with the model: a run trained under
each normalisation saves it (config.json, the model's Keras config, the SavedModel), and the export answers
raw JPEG bytes with the Keras model's probabilities under that normalisation."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_nets  # noqa: F401  (registers the LRN layer for loading)
from imagefiles import encode, noise_image
from pipelines.serving.loader import load
from pipelines.data import crops as pp

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# float32 on every host: auto would pick bfloat16 on CPUs that have it
TINY = ["--precision", "float32",
        "--shapes-train", "48", "--shapes-validation", "16", "--input-size", "67",
        "--batch-size", "8", "--width", "0.25", "--epochs", "1", "--steps", "2", "--seed", "3"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """{normalization: (run dir, SavedModel version dir)}: the demo recipe (He init, whose
    outputs depend on the input from step 0; the paper's N(0, 0.01) with biases of 1 gives
    nearly the same output for every image) under the papers' mean_rgb and its own standardize,
    each trained two steps and exported."""
    root = tmp_path_factory.mktemp("runs")
    out = {}
    for flags, normalization in ((["--normalization", "mean_rgb"], "mean_rgb"),
                                 ([], "standardize")):
        run, export = root / normalization, root / f"sm_{normalization}"
        cmd = [sys.executable, "-m", "pipelines.train", "--data-dir", str(root / "tfds"), *TINY,
               *flags, "--run-dir", str(run), "--export-dir", str(export)]
        result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600,
                                env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
        assert result.returncode == 0, result.stderr[-3000:]
        out[normalization] = (str(run), str(export / "alexnet" / "1"))
    return out


def test_each_recipe_carries_its_normalization():
    from pipelines.train import parse_args, run_config
    paper = run_config(parse_args(["--recipe", "paper"])[1]).recipe
    vgg = run_config(parse_args(["--recipe", "paper", "--model", "vgg_a"])[1]).recipe
    demo = run_config(parse_args([])[1]).recipe
    assert (paper.normalization, vgg.normalization, demo.normalization) == (
        "mean_rgb", "mean_rgb", "standardize")
    flag = run_config(parse_args(["--normalization", "caffe_bgr"])[1]).recipe
    assert flag.normalization == "caffe_bgr"


@pytest.mark.parametrize("normalization", ["mean_rgb", "standardize"])
def test_normalization_is_saved_with_every_form_of_the_model(runs, normalization):
    run, saved = runs[normalization]
    config = json.loads(open(os.path.join(run, "config.json")).read())
    assert config["preprocessing"]["normalization"] == config["recipe"]["normalization"] \
        == normalization
    for path in (run, os.path.join(run, "model.keras"), saved):
        pre = load(path).preprocessing
        assert pre.normalization == normalization, path
        assert (pre.input_size, pre.eval_scale) == (67, 76), path
        assert pre.dataset["name"] == "shapes" and pre.dataset["sizes"]["num_train"] == 48


@pytest.mark.parametrize("normalization", ["mean_rgb", "standardize"])
def test_export_gives_the_keras_probabilities_on_raw_jpeg_bytes(runs, normalization):
    run, saved = runs[normalization]
    model = keras.saving.load_model(os.path.join(run, "model.keras"), safe_mode=True)
    jpegs = [encode(noise_image(90 + 10 * i, 120), "JPEG") for i in range(3)]
    served = tf.saved_model.load(saved).signatures["serving_default"](images=tf.constant(jpegs))
    got = np.asarray(served["probabilities"])

    def keras_probs(name):
        batch = tf.stack([pp.center(tf.constant(j), 67, 76, normalization=name)
                          for j in jpegs])
        return np.asarray(model(batch, training=False))

    np.testing.assert_allclose(got, keras_probs(normalization), atol=1e-4)
    other = "standardize" if normalization == "mean_rgb" else "mean_rgb"
    assert not np.allclose(got, keras_probs(other), atol=1e-4)  # the normalisation matters here


def test_evaluate_gives_the_same_errors_from_the_run_and_from_the_export(runs, capsys):
    from pipelines.evaluate import main as evaluate_main
    run, saved = runs["mean_rgb"]
    data = ["--data-dir", os.path.join(os.path.dirname(run), "tfds"),
            "--shapes-train", "48", "--shapes-validation", "16", "--protocols", "center,ten_crop"]
    rows = []
    for source in (run, os.path.join(run, "model.keras"), saved):
        assert evaluate_main([source, *data]) == 0
        out = capsys.readouterr().out
        assert "normalization mean_rgb" in out
        rows.append([line for line in out.splitlines() if "Q=76" in line])
    assert len(rows[0]) == 2 and rows[0] == rows[1]  # the same Keras model: the same figures
    # The SavedModel computes in another graph: a near-tie among the top-5 of this barely trained
    # net may flip one of the 16 images, never more.
    for keras_row, saved_row in zip(rows[0], rows[2]):
        errors = [float(v) for v in keras_row.split()[-2:]], [float(v) for v in saved_row.split()[-2:]]
        assert all(abs(k - s) <= 100 / 16 + 1e-6 for k, s in zip(*errors)), (keras_row, saved_row)
