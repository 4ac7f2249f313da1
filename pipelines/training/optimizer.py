"""The one optimizer factory: the papers' SGD (keras_nets.paper_sgd) or the demo's Adam, with
each variable's update compiled by XLA (`compile_updates`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import keras
import tensorflow as tf

from keras_nets import paper_sgd

if TYPE_CHECKING:
    from pipelines.training.recipes import Recipe


def make_optimizer(recipe: Recipe,
                   learning_rate: float | keras.optimizers.schedules.LearningRateSchedule,
                   compiled: bool = True) -> keras.optimizers.Optimizer:
    """SGD with momentum 0.9 (weight decay lives in keras_nets.paper_objective) or Adam; under
    float16 compute wrapped in Keras' dynamic loss scaling. compiled: `compile_updates`."""
    if recipe.optimizer == "sgd":
        optimizer = paper_sgd(learning_rate)
    elif recipe.optimizer == "adam":
        optimizer = keras.optimizers.Adam(learning_rate)
    else:
        raise ValueError(f"optimizer must be 'sgd' or 'adam', got {recipe.optimizer!r}")
    if compiled:
        compile_updates(optimizer)
    if keras.config.dtype_policy().compute_dtype == "float16":
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


MIN_COMPILED_SIZE = 65536  # values (256 KB of float32): smaller variables keep Keras' update ops


def compile_updates(optimizer: keras.optimizers.Optimizer) -> keras.optimizers.Optimizer:
    """Run the optimizer's update of each variable as one XLA-compiled function.

    Keras' update_step is a handful of element-wise ops, and on the TensorFlow backend each one
    is a separate pass over the variable's memory (Adam: about ten passes over m, v, the gradient
    and the weights). XLA fuses them into one loop. The update is memory-bound, so this matters
    most where the model has many weights per FLOP, as the 67 px demo AlexNet (20 M weights, 59 M
    MACs per image); `python -m benchmarks.regressions --checks updates` measures it (figures in
    docs/benchmarks.md). The same arithmetic, so the same
    results up to floating-point rounding. One compiled function per variable (per replica's
    copy under MirroredStrategy, which Keras updates one at a time): each captures its slots.
    Variables under MIN_COMPILED_SIZE values (biases, small kernels) keep Keras' ops: their update
    costs little either way, and each compiled function costs about 0.1 s of XLA compilation at
    the first step (which small runs, such as the tests', would notice).
    """
    plain = optimizer.update_step
    compiled = {}

    def update_step(gradient: tf.Tensor | tf.IndexedSlices, variable: keras.Variable,
                    learning_rate: float | tf.Tensor | keras.Variable) -> None:
        small = variable.shape.num_elements() < MIN_COMPILED_SIZE
        if small or isinstance(gradient, tf.IndexedSlices):  # sparse updates: Keras' own path
            return plain(gradient, variable, learning_rate)
        key = id(variable)
        if key not in compiled:
            compiled[key] = tf.function(
                lambda g, lr, var=variable: plain(g, var, lr), jit_compile=True)
        if isinstance(learning_rate, keras.Variable):
            learning_rate = learning_rate.value
        return compiled[key](gradient, tf.convert_to_tensor(learning_rate))

    optimizer.update_step = update_step
    return optimizer
