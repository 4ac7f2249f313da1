"""The trainer's optimizer: XLA-compiled updates do what Keras' own update ops do (the Dense
kernel, 64 x MIN_COMPILED_SIZE / 64 values, is compiled; the conv and the biases are not)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from pipelines.training.recipes import DEMO, PAPER
from pipelines.training.optimizer import MIN_COMPILED_SIZE, make_optimizer


def run_updates(recipe, compiled, learning_rates):
    """The weights of a small conv net after one update per learning rate (same gradients)."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6, 6, 3)), keras.layers.Conv2D(4, 3),
                              keras.layers.Flatten(), keras.layers.Dense(MIN_COMPILED_SIZE // 64)])
    optimizer = make_optimizer(recipe, learning_rates[0], compiled=compiled)
    x = tf.constant(np.random.default_rng(1).standard_normal((8, 6, 6, 3)), tf.float32)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x)))
        optimizer.apply(tape.gradient(loss, model.trainable_variables), model.trainable_variables)

    for lr in learning_rates:
        optimizer.learning_rate = lr  # as the plateau rule does between epochs
        step()
    return [v.numpy() for v in model.trainable_variables]


@pytest.mark.parametrize("recipe", [PAPER["alexnet"], DEMO["alexnet"]], ids=["sgd", "adam"])
def test_compiled_updates_equal_keras_updates(recipe):
    lrs = [1e-2, 1e-2, 1e-3, 1e-3]
    plain, compiled = run_updates(recipe, False, lrs), run_updates(recipe, True, lrs)
    moved = max(np.abs(a - b).max() for a, b in zip(plain, run_updates(recipe, False, lrs[:1])))
    assert moved > 1e-4  # the later steps, at their own learning rates, changed the weights
    for a, b in zip(plain, compiled):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-7)
