"""The training objective of both papers and the top-k error metrics.

AlexNet paper 5 (and VGG 3.1): SGD, momentum 0.9, weight decay 5e-4, exactly
    v <- 0.9 v - 0.0005 lr w - lr dL/dw ;  w <- w + v.
Keras' SGD(momentum=0.9) performs v <- 0.9 v - lr g ; w <- w + v, so adding
(0.0005 / 2) * sum(w^2) to the cross-entropy (g = dL/dw + 0.0005 w) gives the paper's update.
Keras' own `weight_decay` argument is decoupled (applied outside the momentum) and is not it.
"""

from collections.abc import Sequence
from typing import Any

import keras
from keras import ops

WEIGHT_DECAY = 5e-4
MOMENTUM = 0.9


def decayed_weights(model: keras.Model, include_biases: bool = False) -> list[keras.Variable]:
    """The variables under weight decay: kernels (and biases if asked), never LRN constants."""
    return [v for v in model.trainable_weights
            if include_biases or not v.path.endswith("bias")]


def weight_decay_penalty(variables: Sequence[keras.Variable],
                         weight_decay: float = WEIGHT_DECAY) -> Any:
    """(weight_decay / 2) * sum of squares: its gradient is weight_decay * w."""
    if not variables or not weight_decay:
        return ops.convert_to_tensor(0.0)
    return 0.5 * weight_decay * ops.sum(
        ops.stack([ops.sum(ops.square(ops.cast(v, "float32"))) for v in variables]))


def cross_entropy(labels: Any, probabilities_or_logits: Any, from_logits: bool = False) -> Any:
    """Per-example softmax cross-entropy for integer labels."""
    return keras.losses.sparse_categorical_crossentropy(
        labels, ops.cast(probabilities_or_logits, "float32"), from_logits=from_logits)


def paper_objective(model: keras.Model, labels: Any, outputs: Any,
                    weight_decay: float = WEIGHT_DECAY, from_logits: bool = False,
                    global_batch_size: int | None = None, num_replicas: int = 1) -> Any:
    """Mean cross-entropy + weight decay penalty, scaled for one replica of a distributed step.

    Under a strategy with N replicas each computes sum(CE) / global_batch + penalty / N, so the
    all-reduced (summed) gradients equal the single-device gradients of the whole batch.
    """
    ce = cross_entropy(labels, outputs, from_logits)
    batch = global_batch_size or ops.shape(ce)[0]
    penalty = weight_decay_penalty(decayed_weights(model), weight_decay)
    return ops.sum(ce) / ops.cast(batch, "float32") + penalty / num_replicas


def paper_sgd(learning_rate: float | keras.optimizers.schedules.LearningRateSchedule = 0.01
              ) -> keras.optimizers.SGD:
    """SGD with the papers' momentum 0.9 (the weight decay lives in `paper_objective`)."""
    return keras.optimizers.SGD(learning_rate=learning_rate, momentum=MOMENTUM)


@keras.saving.register_keras_serializable(package="keras_nets")
class TopKError(keras.metrics.SparseTopKCategoricalAccuracy):
    """Top-k error (1 - top-k accuracy) for integer labels: the metric of both papers."""

    def __init__(self, k: int = 5, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(k=k, name=name or f"top{k}_error", **kwargs)

    def result(self) -> Any:
        return 1.0 - super().result()


def top_k_hits(labels: Any, probabilities: Any, ks: Sequence[int] = (1, 5)) -> Any:
    """[hits in the top k for each k..., batch size] as float32: the counts behind TopKError,
    summable across batches and replicas (k is capped at the number of classes)."""
    labels = ops.reshape(labels, (-1,))
    classes = probabilities.shape[-1]
    hits = [ops.sum(keras.metrics.sparse_top_k_categorical_accuracy(
        labels, ops.cast(probabilities, "float32"), k=min(k, classes))) for k in ks]
    return ops.stack([ops.cast(h, "float32") for h in hits]
                     + [ops.cast(ops.shape(labels)[0], "float32")])


def top_k_error_metrics() -> list[TopKError]:
    return [TopKError(1), TopKError(5)]
