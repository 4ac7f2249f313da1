"""The papers' learning-rate schedule and the typed recipes."""

import dataclasses

import numpy as np
import pytest

from pipelines.training.config import RunConfig
from pipelines.training.recipes import DEMO, PAPER


def test_plateau_schedule_divides_by_ten_at_most_three_times():
    from pipelines.training.recipes import PAPER
    from pipelines.training.optimizer import make_optimizer
    from pipelines.training.schedule import Schedule
    recipe = PAPER["alexnet"]
    schedule = Schedule(recipe, total_steps=100)
    optimizer = make_optimizer(recipe, schedule.learning_rate)
    lrs = []
    for error in (0.9, 0.8, 0.8, 0.8, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7):
        schedule.after_epoch(optimizer, error)
        lrs.append(float(np.asarray(optimizer.learning_rate)))
    np.testing.assert_allclose(lrs[:3], 0.01)
    np.testing.assert_allclose(lrs[3], 0.001)  # two epochs without improvement
    np.testing.assert_allclose(lrs[-1], 1e-5, rtol=1e-5)  # three drops, no more
    assert int(schedule.drops.numpy()) == 3


def test_plateau_after_a_warm_up_ramps_then_divides_by_ten():
    from pipelines.training.optimizer import make_optimizer
    from pipelines.training.schedule import Schedule, current_lr
    recipe = dataclasses.replace(PAPER["alexnet"], warmup_steps=4)
    schedule = Schedule(recipe, total_steps=100)
    optimizer = make_optimizer(recipe, schedule.learning_rate)
    ramp = [float(schedule.learning_rate(step)) for step in range(6)]
    np.testing.assert_allclose(ramp, [0.0025, 0.005, 0.0075, 0.01, 0.01, 0.01], rtol=1e-6)
    optimizer.iterations.assign(10)
    for error in (0.9, 0.9, 0.9):
        schedule.after_epoch(optimizer, error)
    np.testing.assert_allclose(current_lr(optimizer), 0.001, rtol=1e-5)
    assert "lr_factor" in schedule.variables()  # the checkpoint holds the drops


def test_demo_recipe_is_the_paper_recipe_with_named_overrides():
    for family in ("alexnet", "vgg"):
        paper, demo = PAPER[family], DEMO[family]
        changed = {f.name for f in dataclasses.fields(paper)
                   if getattr(paper, f.name) != getattr(demo, f.name)}
        assert {"name", "init", "optimizer", "learning_rate", "schedule"} <= changed
    assert PAPER["alexnet"].batch_size == 128 and PAPER["vgg"].batch_size == 256
    assert PAPER["alexnet"].epochs == 90 and PAPER["vgg"].epochs == 74


def test_configs_are_frozen_and_typed():
    config = RunConfig.make(PAPER["alexnet"], model="alexnet")
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.runtime.seed = 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.recipe.epochs = 1
    assert config.to_json()["recipe"]["learning_rate"] == 0.01


@pytest.mark.parametrize("total, warmup", [(1750, 100), (40, 8), (3, 0)])
def test_cosine_warm_up_takes_at_most_a_fifth_of_the_run(total, warmup):
    from pipelines.training.schedule import Schedule
    recipe = DEMO["alexnet"]  # warm-up 100 steps, then cosine to 0
    lr = Schedule(recipe, total_steps=total).learning_rate
    rates = [float(lr(step)) for step in range(total + 1)]
    peak = rates.index(max(rates))
    assert peak == warmup and max(rates) == pytest.approx(recipe.learning_rate)
    assert all(a <= b for a, b in zip(rates[:peak], rates[1:peak + 1]))  # the ramp rises
    assert rates[-1] == pytest.approx(0.0, abs=1e-9)  # and the run ends at 0
