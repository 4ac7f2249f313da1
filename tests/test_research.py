"""research: every experiment's arms are runs the product's trainer can build (registered models,
model options its builders take), the claims name arms that exist, identical arms share a run,
a local run writes its verdict file and a relaunch reads the finished runs back."""

import dataclasses
import json

import pytest

from cli import exit_2_error
from research import run
from research.experiments import NAMES, config
from pipelines.training.config import RunConfig


@pytest.mark.parametrize("name", NAMES)
def test_every_arm_is_a_run_config_of_a_registered_model_that_builds(name):
    from keras_nets import get_spec
    experiment = config(name)
    assert len(experiment.arms) >= 2
    for claim, better, other in experiment.claims:
        assert better in experiment.arms and other in experiment.arms, claim
    for label, arm in experiment.arms.items():
        assert isinstance(arm, RunConfig) and arm.runtime.export_dir is None, label
        assert arm.data.steps_per_epoch * arm.recipe.epochs == experiment.steps
        params, macs = run.model_size(arm)
        assert params > 0 and macs > 0, label
        assert get_spec(arm.model.name).name == arm.model.name


def test_the_ablations_change_the_model_or_the_recipe_they_name():
    arms = config("alexnet").arms
    base = arms["two towers, overlapping 3x3/2 pool"]
    assert arms["two towers, 2x2/2 pool"].model.model_options == {"overlapping_pooling": False}
    assert arms["one tower, half the kernels"].model.name == "alexnet_one_tower"
    assert arms["no dropout"].recipe.dropout == 0.0 and base.recipe.dropout == 0.5
    assert not arms["no PCA lighting"].recipe.lighting and base.recipe.lighting
    sizes = {label: run.model_size(arm) for label, arm in arms.items()}
    assert sizes["one tower, half the kernels"][0] != sizes["no dropout"][0]
    assert sizes["no dropout"] == sizes["two towers, overlapping 3x3/2 pool"]


def test_an_arm_is_its_config_not_its_seed_or_run_directory():
    lrn, depth = config("lrn").arms, config("depth").arms
    same = depth["A"].replace(seed=3, run_dir="elsewhere")
    assert run.arm_key("A", same) == run.arm_key("A", depth["A"])  # one run for equal configs
    assert run.arm_key("A", lrn["A"]) != run.arm_key("A", depth["A"])  # mean_rgb vs standardize
    assert run.arm_key("D", depth["D"]) != run.arm_key("D", depth["B"])


def test_local_shrinks_every_arm():
    for name in NAMES:
        full, local = config(name), config(name, local=True)
        assert local.local and local.steps < full.steps
        for label, arm in local.arms.items():
            if arm.data.dataset == "shapes":  # the embedded dataset drawn smaller too
                assert arm.recipe.num_train < full.arms[label].recipe.num_train


def test_a_local_run_writes_the_result_and_a_relaunch_reads_it_back(tmp_path, capsys):
    argv = ["lrn", "--local", "--arms", "A", "--out", str(tmp_path), "--no-plot"]
    assert run.main(argv) == 0
    first = json.loads((tmp_path / "lrn.json").read_text())
    arm = first["results"]["A"]
    assert arm["seeds"] == [0] and 0 <= arm["val_accuracy"][0] <= 1
    assert arm["wall_seconds"][0] > 0
    assert first["claims"] == []  # A-LRN not run: no verdict
    assert run.main(argv) == 0
    assert "read back" in capsys.readouterr().out
    again = json.loads((tmp_path / "lrn.json").read_text())["results"]["A"]
    assert again["val_accuracy"] == arm["val_accuracy"]
    assert again["wall_seconds"] == arm["wall_seconds"]  # the training's, recorded in the run


@pytest.mark.parametrize("argv", [["resnet"], ["lrn", "--seeds", "a"], ["lrn", "--seeds", ","],
                                  ["lrn", "--arms", "B"]])
def test_bad_arguments_exit_2(argv, capsys, tmp_path):
    exit_2_error(run.main, argv + ["--out", str(tmp_path)], capsys)


def test_the_digits_experiment_writes_its_folder_and_the_arms_curves(tmp_path, monkeypatch):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    import os
    from PIL import Image
    from research.experiments import kernel_size_digits as digits
    monkeypatch.setattr(digits, "FOLDER", str(tmp_path / "digits"))
    assert run.main(["kernel-size-digits", "--local", "--arms", "7x7", "--out", str(tmp_path)]) == 0
    assert sorted(os.listdir(tmp_path / "digits" / "validation")) == [str(d) for d in range(10)]
    arm = json.loads((tmp_path / "kernel-size-digits.json").read_text())["results"]["7x7"]
    assert arm["config"]["dataset"] == str(tmp_path / "digits")
    assert len(arm["curves"][0]) == digits.LOCAL_EPOCHS  # one accuracy per epoch
    assert Image.open(tmp_path / "kernel-size-digits.png").size[0] >= 1800  # the curves panel
