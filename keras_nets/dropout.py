"""Dropout that draws its own mask on every replica (AlexNet section 4.2: 0.5 on FC6 and FC7).

Keras' Dropout takes its seed from a SeedGenerator whose state is one variable shared by all
replicas, so under a distribution strategy every replica draws the same mask. Here the training
step names the replica (`replica_seed_offset(replica_id)`) and the layer folds that id into the
seed it draws: each replica gets its own mask, replica 0 the one Keras' Dropout would draw, and
the shared state still advances once per step, so a checkpoint restores the same sequence.
"""

import contextlib
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import keras
from keras import ops

STRIDE = 1_000_003  # a prime: replicas' seeds stay apart from each other's and from the counter
_current = threading.local()  # replicas may trace in threads of their own


@contextlib.contextmanager
def replica_seed_offset(replica_id: int | Any) -> Iterator[None]:
    """Inside this block ReplicaDropout layers draw the masks of replica `replica_id` (an int or
    a scalar integer tensor)."""
    previous = getattr(_current, "offset", None)
    _current.offset = replica_id
    try:
        yield
    finally:
        _current.offset = previous


class ReplicaSeedGenerator(keras.random.SeedGenerator):
    """A SeedGenerator whose draws depend on the replica named by `replica_seed_offset`."""

    def next(self, ordered: bool = True) -> Any:
        seed = super().next(ordered)
        replica = getattr(_current, "offset", None)
        if replica is None:
            return seed
        fold = ops.convert_to_tensor([STRIDE, 0], dtype=seed.dtype)
        return seed + fold * ops.cast(replica, seed.dtype)


@keras.saving.register_keras_serializable(package="keras_nets")
class ReplicaDropout(keras.layers.Dropout):
    """keras.layers.Dropout (same rate, noise_shape, seed, call and config) drawing per-replica
    masks through a ReplicaSeedGenerator."""

    def __init__(self, rate: float, noise_shape: Sequence[int | None] | None = None,
                 seed: int | None = None, **kwargs: Any) -> None:
        # Layer.__init__, not Dropout's: Dropout would create (and lock in) a plain generator.
        keras.layers.Layer.__init__(self, **kwargs)
        if not 0 <= rate < 1:
            raise ValueError(f"rate must be in [0, 1), got {rate}")
        self.rate, self.seed = rate, seed
        self.noise_shape = self._validate_noise_shape(noise_shape)
        if rate > 0:
            self.seed_generator = ReplicaSeedGenerator(seed)
        self.supports_masking = True
