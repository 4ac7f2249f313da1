"""Checkpoints of a run: model, optimizer slots, progress counters, schedule state, dropout RNG.

Every worker restores from the chief's directory (`RUN_DIR/checkpoints`), so all of them resume
at the same step. Every worker must also write (saving runs collective ops); the other workers
write into `RUN_DIR/workertemp_<id>/`, removed after each save, as TF's
PreemptionCheckpointHandler and Keras' BackupAndRestore do.
"""

from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING

import tensorflow as tf

from pipelines.training.distribute import is_chief
from pipelines.training.log import line

if TYPE_CHECKING:
    import keras


def checkpoint_dir(run_dir: str) -> str:
    return os.path.join(run_dir, "checkpoints")


def has_checkpoint(run_dir: str) -> bool:
    return tf.train.get_checkpoint_state(checkpoint_dir(run_dir)) is not None


class Checkpoints:
    """A CheckpointManager for the chief's directory (every worker reads it) and, on the other
    workers, one for their temporary directory (written, then removed)."""

    def __init__(self, run_dir: str, strategy: tf.distribute.Strategy, *, model: keras.Model,
                 optimizer: keras.optimizers.Optimizer, max_to_keep: int = 3,
                 **state: tf.Variable) -> None:
        # Dropout's seed-generator state is included, so a resumed run draws the same masks.
        rng = {f"rng_{i}": v.value for i, v in enumerate(
            v for v in model.variables if "seed_generator_state" in v.path)}
        self.checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer, **state, **rng)
        self.directory = checkpoint_dir(run_dir)
        self.reader = tf.train.CheckpointManager(self.checkpoint, self.directory, max_to_keep)
        self.temp = None
        if not is_chief(strategy):
            self.temp = os.path.join(run_dir, f"workertemp_{strategy.cluster_resolver.task_id}")
        self.writer = self.reader if self.temp is None else tf.train.CheckpointManager(
            self.checkpoint, os.path.join(self.temp, "checkpoints"), max_to_keep=1)

    def save(self, cleanup: bool = True) -> str:
        """Write a checkpoint (every worker, together); returns the chief's path."""
        path = self.writer.save()
        if self.temp is not None:
            if cleanup:
                self.remove_temporary()
            return os.path.join(self.directory, os.path.basename(path))
        return path

    def remove_temporary(self) -> None:
        if self.temp is not None:
            shutil.rmtree(self.temp, ignore_errors=True)

    def restore_latest(self) -> str | None:
        """Restore the newest readable checkpoint; a corrupt one is reported and the previous
        used. Returns its path, or None when there is none."""
        for path in reversed(self.reader.checkpoints):
            try:
                self.checkpoint.restore(path).expect_partial()
                return path
            except Exception as err:  # a truncated or garbled file fails in several ways
                line(f"warning: checkpoint {path} is unreadable ({err.__class__.__name__}); "
                    "trying the previous one")
        return None
