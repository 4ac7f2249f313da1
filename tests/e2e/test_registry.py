"""Every model of the registry builds and trains under `python -m pipelines.train`."""

import json
import os
import subprocess
import sys

import keras

import keras_nets
from keras_nets import SPECS, get_spec

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# One process for all models (one TensorFlow start-up); each run is the product's own CLI.
EVERY_MODEL = """
import json, sys
import keras
from pipelines.train import main
runs = json.loads(sys.argv[1])
codes = {}
for name, argv in runs.items():
    keras.utils.clear_session()
    codes[name] = main(argv)
print("CODES " + json.dumps(codes))
"""


def test_every_registry_name_trains_one_step_at_tiny_width(tmp_path):
    runs = {}
    for name, spec in SPECS.items():
        size = 67 if spec.fixed_scale else 32
        runs[name] = ["--model", name, "--data-dir", str(tmp_path / "tfds"), "--shapes-train",
                      "16", "--shapes-validation", "8", "--input-size", str(size),
                      "--batch-size", "4", "--epochs", "1", "--steps", "1", "--width", "0.0625",
                      "--fc-units", "32",
                      "--no-export", "--run-dir", str(tmp_path / name)]
    result = subprocess.run([sys.executable, "-c", EVERY_MODEL, json.dumps(runs)], cwd=ROOT,
                            capture_output=True, text=True, timeout=900,
                            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert result.returncode == 0, result.stderr[-3000:]
    codes = json.loads(result.stdout.split("CODES ")[-1])
    assert codes == {name: 0 for name in SPECS}
    for name, spec in SPECS.items():
        config = json.loads((tmp_path / name / "config.json").read_text())
        assert config["preprocessing"]["model"] == name and config["steps_per_epoch"] == 1
        model = keras.saving.load_model(str(tmp_path / name / "model.keras"), safe_mode=True)
        first_conv = "conv1_tower0" if name == "alexnet" else (
            "conv1" if name == "alexnet_one_tower" else "block1_conv1")
        assert model.get_layer(first_conv).kernel.shape[-1] < 8  # width 1/16 was applied
        assert model.output.shape[-1] == 10
        hidden = "fc6" if name.startswith("alexnet") else "fc1"
        assert model.get_layer(hidden).kernel.shape[-1] == 32  # --fc-units was applied


def test_aliases_resolve_to_one_entry_and_cli_choices_come_from_the_registry():
    assert get_spec("vgg16") is get_spec("VGG_D") is SPECS["vgg_d"]
    assert get_spec("vgg11_lrn").name == "vgg_a_lrn"
    from pipelines.train import parse_args
    for name in keras_nets.MODEL_NAMES:
        assert parse_args(["--model", name])[1].model == name
    assert SPECS["alexnet"].eval_scale(227) == 256 and SPECS["vgg_d"].eval_scale(224) == 256
    assert SPECS["alexnet"].eval_scale(131) == 148
    assert SPECS["vgg_d"].hosted_weights == ("imagenet",) and not SPECS["vgg_a"].hosted_weights


# A model the project has never seen, registered in one place: the CLIs train, evaluate, export
# and serve it by name, with no other module touched.
NEW_MODEL = r"""
import json, sys
import keras
from keras import layers
import keras_nets
from keras_nets import ImageClassifier, ModelSpec, register


def build_tiny(input_shape, num_classes=10, init="he", dropout=0.0, width=1.0, fc_units=16,
               **unused):
    inputs = keras.Input(input_shape, name="image")
    x = layers.Conv2D(max(1, round(8 * width)), 3, activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(fc_units, activation="relu", name="fc1")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return ImageClassifier(inputs, outputs, name="tiny")


register(ModelSpec("tiny", build_tiny, input_size=24, recipes="vgg",
                   train_protocol="scale_jitter", fixed_scale=False,
                   test_protocols=("center", "ten_crop", "multi_scale"), resize_side=28,
                   normalization="standardize", paper="a test's own model"))
root = sys.argv[1]
from pipelines.train import main as train
from pipelines.evaluate import main as evaluate
from pipelines.predict import main as predict
code = train(["--model", "tiny", "--data-dir", root + "/tfds", "--shapes-train", "16",
              "--shapes-validation", "8", "--input-size", "24", "--scale-min", "28",
              "--scale-max", "32", "--batch-size", "4", "--epochs", "1", "--steps", "2",
              "--run-dir", root + "/run", "--export-dir", root + "/sm"])
print("TRAIN", code, flush=True)
print("EVALUATE", evaluate([root + "/run", "--data-dir", root + "/tfds",
                            "--protocols", "center,multi_scale,dense"]), flush=True)
print("EVALUATE_EXPORT", evaluate([root + "/sm/tiny", "--data-dir", root + "/tfds",
                                   "--protocols", "center"]), flush=True)
print("PREDICT", predict([root + "/sm/tiny", sys.argv[2]]), flush=True)
"""


def test_a_registered_model_trains_evaluates_and_exports_by_name(tmp_path):
    from imagefiles import encode, noise_image
    image = tmp_path / "photo.jpg"
    image.write_bytes(encode(noise_image(50, 70), "JPEG"))
    result = subprocess.run([sys.executable, "-c", NEW_MODEL, str(tmp_path), str(image)],
                            cwd=ROOT, capture_output=True, text=True, timeout=900,
                            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    out = result.stdout
    assert result.returncode == 0, result.stderr[-3000:]
    for step in ("TRAIN 0", "EVALUATE 0", "EVALUATE_EXPORT 0", "PREDICT 0"):
        assert step in out, (step, out[-2000:], result.stderr[-2000:])
    # Its own rules: the jittered scales it trained at give the test scales (VGG 4.2's rule on
    # S in [28, 32]) and the normalisation of its entry.
    assert "tiny, 24 px, normalization standardize, training scale 28-32" in out
    for row in ("centre crop, Q=30", "centre crop, Q=28", "centre crop, Q=32"):
        assert row in out, row
    assert "dense" in out and "not a protocol of tiny" in out
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["preprocessing"]["test_scales"] == [28, 30, 32]
    model = keras.saving.load_model(str(tmp_path / "run" / "model.keras"), safe_mode=True)
    assert model.preprocessing.model == "tiny" and len(model.preprocessing.class_names) == 10
    assert out.count(f"{image}: ") == 1
