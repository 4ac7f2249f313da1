"""The learning rate: cosine with linear warm-up, or the papers' divide-by-10 on plateau."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import keras
import tensorflow as tf

if TYPE_CHECKING:
    from pipelines.training.recipes import Recipe


class WarmupPlateau(keras.optimizers.schedules.LearningRateSchedule):
    """The papers' constant lr after a linear warm-up over `warmup_steps` steps, times `factor`
    (a variable the plateau rule divides by 10): lr * min(1, (step + 1) / warmup) * factor."""

    def __init__(self, learning_rate: float, warmup_steps: int, factor: tf.Variable) -> None:
        self.learning_rate, self.warmup_steps, self.factor = learning_rate, warmup_steps, factor

    def __call__(self, step: int | tf.Tensor) -> tf.Tensor:
        ramp = tf.minimum(1.0, (tf.cast(step, tf.float32) + 1.0) / float(self.warmup_steps))
        return self.learning_rate * ramp * tf.cast(self.factor, tf.float32)

    def get_config(self) -> dict[str, float]:
        return dict(learning_rate=self.learning_rate, warmup_steps=self.warmup_steps)


class FineTune(keras.optimizers.schedules.LearningRateSchedule):
    """`learning_rate` for the first `head_steps` (the new head alone), then
    `finetune_learning_rate` decaying to 0 along a cosine by `total_steps`. A function of the
    optimizer's step alone, which the checkpoint holds: a relaunch continues in the same phase
    at the same rate."""

    def __init__(self, learning_rate: float, head_steps: int, finetune_learning_rate: float,
                 total_steps: int) -> None:
        self.learning_rate, self.head_steps = learning_rate, head_steps
        self.finetune_learning_rate, self.total_steps = finetune_learning_rate, total_steps

    def __call__(self, step: int | tf.Tensor) -> tf.Tensor:
        step = tf.cast(step, tf.float32)
        done = (step - self.head_steps) / float(max(1, self.total_steps - self.head_steps))
        cosine = 0.5 * (1.0 + tf.cos(math.pi * tf.clip_by_value(done, 0.0, 1.0)))
        return tf.where(step < self.head_steps, self.learning_rate,
                        self.finetune_learning_rate * cosine)

    def get_config(self) -> dict[str, float]:
        return dict(learning_rate=self.learning_rate, head_steps=self.head_steps,
                    finetune_learning_rate=self.finetune_learning_rate,
                    total_steps=self.total_steps)


class Schedule:
    """AlexNet section 5 / VGG 3.1: lr / 10 when the validation error stops improving, at most
    `max_lr_drops` times (after a linear warm-up when the recipe has warmup_steps); or (demo
    recipes) linear warm-up then cosine decay to 0.

    The plateau state (best validation error, epochs without improvement, drops) lives in
    variables that the checkpoint holds, so a resumed run takes the same decisions.
    """

    def __init__(self, recipe: Recipe, total_steps: int, head_steps: int = 0) -> None:
        self.recipe = recipe
        self.best = tf.Variable(1.0, trainable=False, dtype=tf.float64)
        self.stalled = tf.Variable(0, trainable=False, dtype=tf.int64)
        self.drops = tf.Variable(0, trainable=False, dtype=tf.int64)
        self.factor = tf.Variable(1.0, trainable=False, dtype=tf.float32)
        if recipe.schedule == "finetune":
            self.learning_rate = FineTune(recipe.learning_rate, head_steps,
                                          recipe.finetune_learning_rate or recipe.learning_rate,
                                          total_steps)
        elif recipe.schedule == "cosine":
            # The warm-up takes at most a fifth of the run: a short first try still trains at
            # the recipe's rate, instead of ending inside the ramp.
            warmup = min(recipe.warmup_steps, total_steps // 5)
            self.learning_rate = keras.optimizers.schedules.CosineDecay(
                0.0, max(1, total_steps - warmup), warmup_target=recipe.learning_rate,
                warmup_steps=warmup) if warmup else keras.optimizers.schedules.CosineDecay(
                recipe.learning_rate, max(1, total_steps))
        elif recipe.warmup_steps:
            self.learning_rate = WarmupPlateau(recipe.learning_rate, recipe.warmup_steps,
                                               self.factor)
        else:
            self.learning_rate = recipe.learning_rate

    def after_epoch(self, optimizer: keras.optimizers.Optimizer, val_error: float) -> None:
        if self.recipe.schedule != "plateau":
            return
        if val_error < self.best.numpy() - 1e-4:
            self.best.assign(val_error)
            self.stalled.assign(0)
            return
        self.stalled.assign_add(1)
        if self.stalled.numpy() >= self.recipe.plateau_patience and \
                self.drops.numpy() < self.recipe.max_lr_drops:
            if isinstance(self.learning_rate, WarmupPlateau):
                self.factor.assign(self.factor * 0.1)
            else:
                optimizer.learning_rate = float(current_lr(optimizer)) * 0.1
            self.drops.assign_add(1)
            self.stalled.assign(0)

    def variables(self) -> dict[str, tf.Variable]:
        return dict(best=self.best, stalled=self.stalled, drops=self.drops, lr_factor=self.factor)


def current_lr(optimizer: keras.optimizers.Optimizer) -> float:
    """The learning rate now (a schedule's value at the optimizer's step, or the constant)."""
    lr = optimizer.learning_rate
    return float(lr.numpy() if hasattr(lr, "numpy") else lr)
