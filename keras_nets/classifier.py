"""The classifier both papers share (FC-4096, FC-4096, FC-classes) and the input-shape check."""

from collections.abc import Sequence

import keras
from keras import layers

from keras_nets.dropout import ReplicaDropout
from keras_nets.initializers import bias_init, kernel_init

POOLINGS = (None, "avg", "max")


def input_spec(input_shape: Sequence[int | None] | None,
               default: Sequence[int | None]) -> tuple[int | None, ...]:
    """A validated (H, W, 3) tuple; H or W may be None only when the caller allows it."""
    shape = tuple(default if input_shape is None else input_shape)
    if len(shape) != 3 or shape[-1] != 3:
        raise ValueError(f"input_shape must be (height, width, 3), got {input_shape}")
    return shape


def head_dtype() -> str | None:
    """The classifier computes in float32 under a mixed-precision policy."""
    policy = keras.config.dtype_policy()
    return "float32" if policy.compute_dtype != "float32" else None


def classifier(x: keras.KerasTensor, *, names: Sequence[str], num_classes: int,
               include_top: bool, pooling: str | None, classifier_activation: str | None,
               dropout: float, init: str, hidden_bias_one: bool = False,
               fc_units: int = 4096) -> keras.KerasTensor:
    """FC-4096, FC-4096 (ReLU, dropout per replica), FC-classes; or global pooling when there is no top.

    `names` gives the three FC layers' names, e.g. ("fc6", "fc7", "fc8") or VGG's
    ("fc1", "fc2", "predictions").
    """
    if not include_top:
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        if pooling == "avg":
            return layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if pooling == "max":
            return layers.GlobalMaxPooling2D(name="max_pool")(x)
        return x
    if num_classes < 1:
        raise ValueError(f"num_classes must be >= 1, got {num_classes}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    x = layers.Flatten(name="flatten")(x)
    for name in names[:2]:
        x = layers.Dense(fc_units, activation="relu", name=name,
                         kernel_initializer=kernel_init(init),
                         bias_initializer=bias_init(init, hidden_bias_one))(x)
        if dropout:
            # Each replica draws its own masks (keras_nets.dropout).
            x = ReplicaDropout(dropout, name=f"{name}_dropout")(x)
    return layers.Dense(num_classes, activation=classifier_activation, name=names[2],
                        kernel_initializer=kernel_init(init), dtype=head_dtype())(x)
