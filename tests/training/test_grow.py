"""VGG 3.1 growing as one run (pipelines.training.grow): the first stage is the shallower net's
own recipe on the deeper run's input, in a run directory of its own inside the deeper run's."""

import dataclasses
import json
import os
import re

from pipelines.training import grow
from pipelines.training.config import RunConfig
from pipelines.training.recipes import DEMO, recipe_for

GROWN = [m for m in ("vgg_b", "vgg_c", "vgg_d", "vgg_e") if DEMO.get(m) and DEMO[m].grow_from]


def test_the_deep_nets_default_runs_grow_from_a_trained_a():
    # Measured (docs/training.md, "The default run of each model"): D and E from scratch learn
    # far more slowly than from A.
    assert {"vgg_d", "vgg_e"} <= set(GROWN)
    assert all(DEMO[m].grow_from == "vgg_a" for m in GROWN)


def test_the_first_stage_is_a_own_recipe_on_the_deeper_runs_input():
    recipe = dataclasses.replace(recipe_for("demo", "vgg", "vgg_e"), input_size=40,
                                 scale_min=44, scale_max=44, flip=False)
    config = RunConfig.make(recipe, model="vgg_e", width=0.5, fc_units=256, seed=4,
                            run_dir="runs/e", export_dir="saved_models")
    stage = grow.shallower_run(config)
    a = recipe_for("demo", "vgg", "vgg_a")
    run_dir = stage.runtime.run_dir
    assert stage.model.name == "vgg_a" and run_dir == os.path.join("runs/e", "grown_from_vgg_a")
    assert stage.runtime.export_dir is None and stage.model.init_from is None
    # The same shapes and seed.
    assert (stage.model.width, stage.model.fc_units, stage.runtime.seed) == (0.5, 256, 4)
    assert (stage.recipe.input_size, stage.recipe.scale_min, stage.recipe.flip) == (40, 44, False)
    assert (stage.recipe.learning_rate, stage.recipe.epochs, stage.recipe.min_steps) == \
        (a.learning_rate, a.epochs, a.min_steps)  # A's own budget and rate
    assert stage.recipe.grow_from is None
    assert grow.grown(config, stage).model.init_from == os.path.join(run_dir, "model.keras")


def test_epochs_given_apply_to_both_stages():
    recipe = dataclasses.replace(recipe_for("demo", "vgg", "vgg_d"), epochs=1, min_steps=None,
                                 grow_epochs=1)
    stage = grow.shallower_run(RunConfig.make(recipe, model="vgg_d", steps_per_epoch=3))
    assert (stage.recipe.epochs, stage.recipe.min_steps, stage.data.steps_per_epoch) == \
        (1, None, 3)


def test_a_net_started_otherwise_has_no_first_stage():
    recipe = recipe_for("demo", "vgg", "vgg_d")
    assert grow.shallower_run(RunConfig.make(recipe, model="vgg_d", init_from="a.keras")) is None
    assert grow.shallower_run(RunConfig.make(recipe, model="vgg_d", weights="imagenet")) is None
    assert grow.shallower_run(RunConfig.make(recipe_for("demo", "vgg"), model="vgg_a")) is None
    assert grow.shallower_run(RunConfig.make(recipe_for("paper", "vgg"), model="vgg_d")) is None


def _vgg_macs(blocks, size, classes=1000):
    """VGG Table 1 by hand: 3x3 convs, same padding, a 2x2 pool after each block, FC 4096."""
    total, channels = 0, 3
    for block in blocks:
        for width in block:
            total += size * size * 9 * channels * width
            channels = width
        size //= 2
    return total + size * size * channels * 4096 + 4096 * 4096 + 4096 * classes


def test_the_first_screen_ratio_is_the_two_nets_compute_per_image():
    a = [[64], [128], [256] * 2, [512] * 2, [512] * 2]
    d = [[64] * 2, [128] * 2, [256] * 3, [512] * 3, [512] * 3]
    config = RunConfig.make(recipe_for("demo", "vgg", "vgg_d"), model="vgg_d")
    config = config.replace(recipe=dataclasses.replace(config.recipe, input_size=32))
    ratio = grow.compute_ratio(config, grow.shallower_run(config))
    assert abs(ratio - _vgg_macs(d, 32) / _vgg_macs(a, 32)) < 1e-9 and 1.9 < ratio < 1.92


def test_a_grown_run_trains_a_then_d_and_a_relaunch_retrains_neither(tmp_path):
    from tests.e2e.test_train import train
    run = tmp_path / "d"
    tiny = ["--model", "vgg_d", "--width", "0.125", "--fc-units", "32", "--input-size", "32",
            "--epochs", "1", "--steps", "2", "--run-dir", str(run)]
    first = train(tmp_path, *tiny)
    assert "VGG 3.1: vgg_d starts from a trained vgg_a" in first.stdout
    assert "x vgg_a's compute per image); vgg_a's ETA adds vgg_d's estimate" in first.stdout
    assert re.search(r"epoch 1/1 step 2/2 .* ETA \S+ \(then vgg_d: both \S+\)", first.stdout)
    assert first.stdout.count("epoch 1/1 step 2/2") == 2  # A's step, then D's
    stage = run / "grown_from_vgg_a"
    a = json.loads((stage / "config.json").read_text())
    d = json.loads((run / "config.json").read_text())
    assert (a["model"], a["recipe"]["epochs"], a["recipe"]["learning_rate"]) == ("vgg_a", 1, 3e-4)
    assert d["init_from"] == str(stage / "model.keras") and d["recipe"]["grow_from"] == "vgg_a"
    assert (stage / "model.keras").exists() and (run / "model.keras").exists()
    again = train(tmp_path, *tiny)
    assert "step 2/2" not in again.stdout  # both stages were done: continued, not retrained
