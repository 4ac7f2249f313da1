"""What a run reports: a progress line with ETA, metrics.jsonl, TensorBoard scalars."""

from __future__ import annotations

import json
import os
import time
from typing import TYPE_CHECKING

import numpy as np
import tensorflow as tf

from pipelines.training import distribute
from pipelines.training.log import line
from pipelines.training.rundir import METRICS

if TYPE_CHECKING:
    from pipelines.training.config import Resolved, RunConfig


class EpochMeter:
    """Sums of (loss, top-1 hits, top-5 hits, images) over an epoch, and a throttled progress line
    with images/s and the ETA of the whole run. `then` (name, images): a later stage (the deeper
    net of a grown run, pipelines.training.grow) as this run's images of the same cost, whose
    time the line adds to this run's as the ETA of both."""

    def __init__(self, epoch: int, epochs: int, first_step: int, steps_per_epoch: int,
                 global_batch: int, every_seconds: float = 10.0,
                 then: tuple[str, float] | None = None) -> None:
        self.epoch, self.epochs, self.first = epoch, epochs, first_step
        self.spe, self.batch = steps_per_epoch, global_batch
        self.every, self.then = every_seconds, then
        self.sums = np.zeros(4)
        self.start = time.time()
        self.last_print = 0.0

    def add(self, step: int, loss: float, hits: np.ndarray, show: bool = True) -> None:
        """After `step` (0-based): the loss and hits summed over the steps since the last add."""
        self.sums += (loss, *hits)
        elapsed = time.time() - self.start
        if not show or not (elapsed - self.last_print > self.every or step + 1 == self.spe):
            return
        self.last_print = elapsed
        done = step + 1 - self.first
        rate = done * self.batch / elapsed
        left = self.spe - step - 1 + (self.epochs - self.epoch - 1) * self.spe
        eta = f"ETA {duration(left * self.batch / max(rate, 1e-9))}"
        if self.then:
            name, images = self.then
            both = (left * self.batch + images) / max(rate, 1e-9)
            eta += f" (then {name}: both {duration(both)})"
        line(f"epoch {self.epoch + 1}/{self.epochs} step {step + 1}/{self.spe} "
             f"loss {self.sums[0] / done:.4f} top1-err {1 - self.sums[1] / self.sums[3]:.3f} "
             f"{rate:.1f} img/s {eta}")

    def summary(self) -> dict[str, float]:
        steps = max(self.spe - self.first, 1)
        images = max(self.sums[3], 1)
        return dict(epoch=self.epoch + 1, loss=self.sums[0] / steps,
                    top1_error=1 - self.sums[1] / images, top5_error=1 - self.sums[2] / images,
                    images_per_second=steps * self.batch / (time.time() - self.start))


class MetricsWriter:
    """One line per epoch to the log, to metrics.jsonl and to TensorBoard (chief only)."""

    def __init__(self, run_dir: str, chief: bool) -> None:
        self.run_dir, self.chief = run_dir, chief
        self.writer = tf.summary.create_file_writer(os.path.join(run_dir, "tensorboard")) \
            if chief else tf.summary.create_noop_writer()

    def write(self, metrics: dict[str, float]) -> None:
        if not self.chief:
            return
        line("epoch {epoch}: loss {loss:.4f} val top-1 error {val_top1_error:.3f} "
                 "top-5 error {val_top5_error:.3f} lr {learning_rate:.2e}".format(**metrics))
        with open(os.path.join(self.run_dir, METRICS), "a") as f:
            f.write(json.dumps(metrics) + "\n")
        with self.writer.as_default(step=metrics["epoch"]):
            for key, value in metrics.items():
                if key != "epoch":
                    tf.summary.scalar(key, value)
        self.writer.flush()


def first_screen(config: RunConfig, resolved: Resolved) -> list[str]:
    """A run's opening lines: the model, recipe, data, strategy, precision and run directory
    (config.json holds the whole resolved config).

    No lines on a worker of a multi-worker job other than the chief: the chief's screen is the
    job's (under `srun -n2` each line would otherwise come twice)."""
    if resolved.workers > 1 and not distribute.is_chief():
        return []
    recipe, inputs = config.recipe, resolved.preprocessing
    size = inputs["input_size"]
    classes = len(inputs["class_names"])
    epochs = f"{recipe.epochs} epoch{'s' * (recipe.epochs != 1)}"
    net, runtime = config.model, config.runtime
    model = f"model {net.name}: width {net.width:g}, FC {net.fc_units} units"
    replicas, workers = resolved.replicas, resolved.workers
    return [
        f"{model}, {classes} classes, {size}x{size} input",
        f"recipe {recipe.name}: {epochs} of {resolved.steps_per_epoch} steps"
        f"{passes(config, resolved)}, "
        f"global batch {recipe.batch_size}, {recipe.optimizer} lr {recipe.learning_rate:g} "
        f"({recipe.schedule})",
        f"data {config.data.dataset}: {resolved.train_images or '?'} training images"
        f"{' (decoded once, kept in memory)' if resolved.decoded_cache else ''}, "
        f"{inputs['normalization']} normalisation",
        f"strategy {resolved.strategy_resolved or runtime.strategy}: {replicas} "
        f"replica{'s' * (replicas != 1)}, {workers} worker{'s' * (workers != 1)}; "
        f"precision {resolved.precision_resolved or runtime.precision} "
        f"({resolved.precision_why or 'asked for'}){', XLA' if runtime.xla else ''}",
        f"run dir {runtime.run_dir} (the full config: "
        f"{os.path.join(runtime.run_dir, 'config.json')})",
    ]


def passes(config: RunConfig, resolved: Resolved) -> str:
    """", N passes over the training images each" when an epoch is longer than one pass (a
    small dataset stretched to the recipe's step budget, Recipe.for_data); "" otherwise."""
    images = resolved.train_images
    epoch = resolved.steps_per_epoch * config.recipe.batch_size  # images an epoch trains on
    if not images or epoch <= images:
        return ""
    return f" ({epoch / images:.3g} passes over the training images each)"


def duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m" if seconds >= 3600 else \
        f"{seconds // 60}m{seconds % 60:02d}s"
