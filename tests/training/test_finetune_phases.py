"""The finetune recipe's two phases: the learning rate and the body's masked gradients."""

import numpy as np
import pytest
import tensorflow as tf

from pipelines.training.recipes import recipe_for
from pipelines.training.schedule import FineTune, Schedule
from pipelines.training.steps import mask_frozen


def test_finetune_rate_is_the_heads_then_a_tenth_decaying_to_zero():
    recipe = recipe_for("finetune", "alexnet")
    assert recipe.normalization is None  # the weights' own, filled in by pipelines.train
    schedule = Schedule(recipe, total_steps=100, head_steps=20).learning_rate
    assert isinstance(schedule, FineTune)
    rate = lambda step: float(schedule(tf.constant(step, tf.int64)))
    assert rate(0) == rate(19) == pytest.approx(recipe.learning_rate)
    assert rate(20) == pytest.approx(recipe.finetune_learning_rate)
    assert rate(60) == pytest.approx(recipe.finetune_learning_rate / 2)
    assert rate(100) == pytest.approx(0.0, abs=1e-9)


def test_frozen_gradients_are_zero_in_the_head_phase_only():
    grads = [tf.ones([2, 2]), tf.fill([3], 2.0), None]
    frozen = [True, False, True]
    head = mask_frozen(grads, frozen, tf.constant(True))
    np.testing.assert_array_equal(head[0], np.zeros([2, 2]))
    np.testing.assert_array_equal(head[1], np.full([3], 2.0))
    assert head[2] is None
    after = mask_frozen(grads, frozen, tf.constant(False))
    np.testing.assert_array_equal(after[0], np.ones([2, 2]))
