"""benchmarks.gpu under the JAX backend on a machine without TensorFlow (tiny settings on the
CPU: a check of the script, no figure checked), and its PyTorch peer benchmarks.torch_alexnet:
the same two-tower AlexNet as keras_nets' `alexnet`, parameter for parameter and output for
output."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import keras_nets  # noqa: E402
from benchmarks.torch_alexnet import TwoTowerAlexNet, count_macs, from_keras  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Imported first by every Python process started with this folder on PYTHONPATH: TensorFlow and
# TensorFlow Datasets then import as on a machine where they are not installed (a None entry in
# sys.modules: `import` raises ModuleNotFoundError, importlib.util.find_spec says None).
NO_TENSORFLOW = ('import sys\n'
                 'sys.modules["tensorflow"] = sys.modules["tensorflow_datasets"] = None\n')


def test_the_pytorch_two_tower_net_has_keras_nets_alexnets_parameters_and_macs():
    keras_model = keras_nets.build_model("alexnet")
    net = TwoTowerAlexNet()
    assert sum(p.numel() for p in net.parameters()) == keras_model.count_params() == 60_965_224
    assert count_macs(net, 227) == keras_nets.count_macs(keras_model) == 724_406_816
    assert net.conv2.groups == net.conv4.groups == net.conv5.groups == 2
    assert net.conv1.groups == net.conv3.groups == 1  # conv1 reads the image, conv3 both towers


def test_with_keras_weights_it_computes_keras_outputs():
    """Logits of a batch of 2, inputs scaled by 10 so that the LRN bites: an LRN over both towers'
    maps instead of each tower's differed by 2e-3 of the largest logit, torch's alpha left at the
    paper's 1e-4 (divided by n) by 9e-2; the same net agrees to about 2e-6."""
    keras_model = keras_nets.build_alexnet(classifier_activation=None)
    net = TwoTowerAlexNet()
    net.load_state_dict(from_keras(keras_model))
    net.eval()
    x = (np.random.default_rng(0).standard_normal((2, 227, 227, 3)) * 10).astype("float32")
    expected = np.asarray(keras_model(x, training=False))
    with torch.no_grad():
        logits = net(torch.from_numpy(x.transpose(0, 3, 1, 2))).numpy()
    assert np.abs(logits - expected).max() <= 1e-5 * np.abs(expected).max()


def test_the_benchmark_runs_under_jax_where_tensorflow_is_not_installed(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(NO_TENSORFLOW)
    env = dict(os.environ, KERAS_BACKEND="jax", PYTHONPATH=str(tmp_path / "site"))
    out = tmp_path / "gpu.json"
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.gpu", "--models", "alexnet", "--batch", "2",
         "--steps", "1", "--warmup", "1", "--input-size", "67", "--width", "0.25", "--cpu",
         "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data["backend"] == "jax" and data["framework"].startswith("JAX ")
    assert [(r["model"], r["precision"], r["xla"]) for r in data["rows"]] == [
        ("alexnet", "float32", True), ("alexnet", "mixed_bfloat16", True)]
    assert all(r["images_per_s"] > 0 for r in data["rows"])
    # torchvision is not among the test extras: its alexnet is reported missing, the exact peer
    # (torch alone) runs
    peers = {(r["model"], r["precision"]) for r in data["peers"]}
    assert {("alexnet_two_tower", "float32"), ("alexnet_two_tower", "autocast_bfloat16")} <= peers
