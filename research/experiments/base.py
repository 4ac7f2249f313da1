"""What the experiments share: the Experiment record, the embedded dataset they train on and
how an arm becomes a RunConfig."""

import dataclasses
from collections.abc import Callable
from typing import Any

from pipelines.training.config import RunConfig
from pipelines.training.recipes import Recipe

# More images than the builder's default 1,500 (fewer repeats of each image, so the arms differ by
# what they learn rather than by what they memorise) and 1,000 validation images, so one seed's
# accuracy has a standard error of about 1.5 points. The builder's scenes are rendered with their
# shorter side at the smallest training scale, as the default run's data are.
TRAIN_IMAGES, VALIDATION_IMAGES = 6000, 1000
# S / crop: VGG 3.1's 256 / 224 for the smallest scale (also AlexNet's 256 / 227, rounded); the
# jitter stops at 1.5 rather than VGG's 2, so that little of the rendered resolution is invented.
SCALE_MIN, SCALE_MAX = 1.14, 1.5
# `steps` in five epochs: every arm's curve in its result (the validation pass and the checkpoint
# at an epoch's end cost a run seconds); the verdicts read only the final accuracy.
EPOCHS = 5
BATCH = 32
# --local: every arm a few steps on a few hundred images, one seed: a check that it runs.
LOCAL = dict(steps=8, num_train=256, num_validation=64)


@dataclasses.dataclass(frozen=True)
class Experiment:
    name: str
    setting: str  # what every arm shares, in words
    arms: dict  # label -> RunConfig (research.run fills in seed and run_dir)
    claims: tuple  # (claim with the paper's section, arm claimed better, the other arm)
    steps: int
    command: str  # its measured cost: research/README.md and the result file's wall_seconds
    local: bool = False
    prepare: Callable[[], None] | None = None  # makes the arms' data (an image folder) once


def recipe(base: Recipe, size: int, steps: int, local: bool = False, jitter: bool = False,
           **overrides: Any) -> Recipe:
    """`base` (a pipelines.training.config recipe) at `size` px for `steps` steps of batch 32 on
    the experiments' embedded dataset, cosine decay after a warm-up; overrides last."""
    side = round(size * SCALE_MIN)
    sizes = dict(num_train=LOCAL["num_train"], num_validation=LOCAL["num_validation"]) if local \
        else dict(num_train=TRAIN_IMAGES, num_validation=VALIDATION_IMAGES)
    return dataclasses.replace(
        base, name=f"{base.name}+experiment", batch_size=BATCH, epochs=1 if local else EPOCHS,
        min_steps=None, input_size=size,
        scale_min=side, scale_max=round(size * SCALE_MAX) if jitter else side, shapes_side=side,
        schedule="cosine", warmup_steps=min(100, steps // 5), **sizes, **overrides)


def arm(model: str, recipe: Recipe, steps: int, width: float = 1.0, fc_units: int = 4096,
        **model_options: Any) -> RunConfig:
    """One arm: a RunConfig without seed and run directory; no export, a checkpoint every 100
    steps (a relaunch resumes there); float32 on every machine, as the claims were measured."""
    return RunConfig.make(recipe, model=model, width=width, fc_units=fc_units,
                          model_options=model_options,
                          steps_per_epoch=max(1, steps // recipe.epochs),
                          export_dir=None, checkpoint_every=100, run_dir="",
                          precision="float32")


def steps_for(steps: int, local: bool) -> int:
    return LOCAL["steps"] if local else steps
