"""Checkpoints of a run: model, optimizer slots, progress counters, schedule state, dropout RNG."""

import os
import tempfile

import tensorflow as tf

from pipelines.training.distribute import is_chief


def checkpoint_dir(run_dir, strategy):
    path = os.path.join(run_dir, "checkpoints")
    if is_chief(strategy):
        return path
    # Every worker writes (collective ops), only the chief's copy is kept.
    return tempfile.mkdtemp(prefix="worker_ckpt_")


def make_manager(run_dir, strategy, *, model, optimizer, max_to_keep=3, **state):
    """A tf.train.CheckpointManager over the model, the optimizer and named state variables;
    dropout's seed-generator state is included, so a resumed run draws the same masks."""
    rng = {f"rng_{i}": v.value for i, v in enumerate(
        v for v in model.variables if "seed_generator_state" in v.path)}
    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer, **state, **rng)
    return tf.train.CheckpointManager(checkpoint, checkpoint_dir(run_dir, strategy),
                                      max_to_keep=max_to_keep)


def restore_latest(manager, log):
    """Restore the newest readable checkpoint; a corrupt one is reported and the previous used."""
    for path in reversed(manager.checkpoints):
        try:
            manager.checkpoint.restore(path).expect_partial()
            return path
        except Exception as err:  # a truncated or garbled file fails in several ways
            log(f"warning: checkpoint {path} is unreadable ({err.__class__.__name__}); "
                "trying the previous one")
    return None
