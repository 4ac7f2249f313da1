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
        size = 67 if spec.family == "alexnet" else 32
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
        assert config["family"] == spec.family and config["steps_per_epoch"] == 1
        model = keras.saving.load_model(str(tmp_path / name / "model.keras"), safe_mode=True)
        first_conv = "conv1_tower0" if name == "alexnet" else (
            "conv1" if spec.family == "alexnet" else "block1_conv1")
        assert model.get_layer(first_conv).kernel.shape[-1] < 8  # width 1/16 was applied
        assert model.output.shape[-1] == 10
        hidden = "fc6" if spec.family == "alexnet" else "fc1"
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
