"""AlexNet (Krizhevsky, Sutskever & Hinton 2012), two towers as trained on two GPUs, or one."""

import keras
from keras import layers

from keras_nets.classifier import classifier, input_spec
from keras_nets.image_classifier import ImageClassifier
from keras_nets.initializers import bias_init, kernel_init
from keras_nets.layers import LocalResponseNormalization

# Paper section 3.5 and Figure 2: filters of the whole net per conv layer (halved per tower),
# kernel size, stride, and whether the layer reads both towers.
CONV_LAYERS = (
    ("conv1", 96, 11, 4, True),
    ("conv2", 256, 5, 1, False),
    ("conv3", 384, 3, 1, True),
    ("conv4", 384, 3, 1, False),
    ("conv5", 256, 3, 1, False),
)
BIAS_ONE = ("conv2", "conv4", "conv5")  # paper section 5


def conv1_padding_for(size):
    """A 224 input (the paper's text) is padded by 3 so that conv1 gives 55x55, as 227 does."""
    return 3 if size == 224 else 0


def stage_sizes(size, conv1_padding=0, pool_size=3):
    """Spatial size after conv1, pool1, conv2, pool2, conv3, conv4, conv5, pool5."""
    conv1 = (size + 2 * conv1_padding - 11) // 4 + 1
    pool = lambda n: (n - pool_size) // 2 + 1
    pool1 = pool(conv1)
    pool2 = pool(pool1)
    pool5 = pool(pool2)
    return (conv1, pool1, pool1, pool2, pool2, pool2, pool2, pool5)


def build_alexnet(split=True, num_classes=1000, input_shape=None, include_top=True,
                  pooling=None, classifier_activation="softmax", dropout=0.5, lrn=True,
                  init="he", conv1_padding="auto", overlapping_pooling=True, width=1.0,
                  fc_units=4096, filters=None, name=None):
    """The AlexNet of paper section 3.5 as a Keras functional model.

    split=True: two towers of explicit ordinary convolutions (48+48 ... filters) joined before conv3
    and before the FC layers; split=False: the same layers unsplit (96-256-384-384-256).
    init: "he" (default, trains from scratch), "glorot", or "paper" (N(0, 0.01), biases 1 in
    conv2/4/5 and FC6/7). width scales every conv's filters (ablations, fast tests).
    filters: the five convs' total filter counts instead of 96-256-384-384-256 (before width);
    section 3.2's one-GPU comparison net is split=False, filters=(48, 128, 192, 192, 256):
    half the kernels, except conv5, and the same FC layers (the section's footnote).
    """
    filters = tuple(filters) if filters is not None else tuple(c[1] for c in CONV_LAYERS)
    if len(filters) != len(CONV_LAYERS) or min(filters) < 1:
        raise ValueError(f"filters: five positive counts (conv1..conv5), got {filters}")
    shape = input_spec(input_shape, (227, 227, 3))
    pad = conv1_padding_for(shape[0]) if conv1_padding == "auto" else int(conv1_padding)
    pool_size = 3 if overlapping_pooling else 2
    for dim in shape[:2]:
        if dim is not None and stage_sizes(dim, pad, pool_size)[-1] < 1:
            raise ValueError(f"input_shape {shape} is too small for AlexNet: conv1 (11x11/4) and "
                             f"three {pool_size}x{pool_size}/2 poolings need at least "
                             f"{_min_size(pad, pool_size)} pixels per side")
    towers = (0, 1) if split else (None,)
    suffix = lambda t: "" if t is None else f"_tower{t}"

    inputs = keras.Input(shape, name="image")
    x = layers.ZeroPadding2D(pad, name="conv1_pad")(inputs) if pad else inputs
    maps = {t: x for t in towers}
    for (layer_name, _, kernel, stride, reads_both), total in zip(CONV_LAYERS, filters):
        if reads_both and split and layer_name != "conv1":
            joined = layers.Concatenate(name=f"join_{layer_name}")([maps[t] for t in towers])
            maps = {t: joined for t in towers}
        per_tower = max(1, round(total * width / len(towers)))
        for t in towers:
            maps[t] = layers.Conv2D(
                per_tower, kernel, strides=stride, activation="relu",
                padding="valid" if layer_name == "conv1" else "same",
                kernel_initializer=kernel_init(init),
                bias_initializer=bias_init(init, layer_name in BIAS_ONE),
                name=layer_name + suffix(t))(maps[t])
            if lrn and layer_name in ("conv1", "conv2"):
                maps[t] = LocalResponseNormalization(name=f"lrn{layer_name[-1]}{suffix(t)}")(maps[t])
            if layer_name in ("conv1", "conv2", "conv5"):
                maps[t] = layers.MaxPooling2D(pool_size, strides=2,
                                              name=f"pool{layer_name[-1]}{suffix(t)}")(maps[t])
    x = layers.Concatenate(name="join_fc6")([maps[t] for t in towers]) if split else maps[None]
    outputs = classifier(x, names=("fc6", "fc7", "fc8"), num_classes=num_classes,
                         include_top=include_top, pooling=pooling,
                         classifier_activation=classifier_activation, dropout=dropout,
                         init=init, hidden_bias_one=True, fc_units=fc_units)
    default_name = "alexnet" if split else "alexnet_one_tower"
    return ImageClassifier(inputs, outputs, name=name or default_name)


def _min_size(pad, pool_size):
    size = 11
    while stage_sizes(size, pad, pool_size)[-1] < 1:
        size += 1
    return size
