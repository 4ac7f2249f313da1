"""The kernel-size experiment's model (VGG 2.3): a small CNN of three stages, each one conv or a
stack of convs, then 2x2 max-pooling; global average pooling and softmax. Registered as
"small_cnn" so that train_and_evaluate trains it by name; the stacks are a builder option."""

from collections.abc import Sequence

import keras
from keras import layers

from keras_nets import ImageClassifier
from keras_nets.initializers import kernel_init
from keras_nets.registry import SPECS, ModelSpec, register

CHANNELS = (32, 64, 128)


def build_small_cnn(input_shape: Sequence[int] = (48, 48, 3), num_classes: int = 10,
                    stacks: Sequence[Sequence[int]] = ((3,),) * 3, width: float = 1.0,
                    init: str = "he", dropout: float = 0.0, fc_units: int | None = None,
                    name: str = "small_cnn") -> ImageClassifier:
    """stacks: per stage the kernel sizes of its convs ((3, 3) is two 3x3 convs: a 5x5 field).
    dropout and fc_units are the trainer's options for the papers' FC layers; this net has none
    (global pooling feeds the softmax), so they are accepted and unused."""
    x = inputs = keras.Input(tuple(input_shape), name="image")
    for stage, (stack, c) in enumerate(zip(stacks, CHANNELS), 1):
        for i, k in enumerate(stack, 1):
            x = layers.Conv2D(max(1, round(c * width)), int(k), padding="same",
                              activation="relu", kernel_initializer=kernel_init(init),
                              name=f"s{stage}_conv{i}")(x)
        x = layers.MaxPooling2D(2, name=f"s{stage}_pool")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return ImageClassifier(inputs, outputs, name=name)


# VGG 2.3 compares its nets at the VGG crop (224) under VGG's training and test protocols.
SPEC = SPECS.get("small_cnn") or register(ModelSpec(
    "small_cnn", build_small_cnn, 224, "vgg", "scale_jitter", fixed_scale=False,
    test_protocols=("center",), paper="Simonyan & Zisserman 2015, section 2.3 (kernel sizes)"))
