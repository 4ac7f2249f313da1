"""AlexNet (Krizhevsky, Sutskever & Hinton 2012), two towers as trained on two GPUs, or one."""

from collections.abc import Sequence

import keras
from keras import layers

from keras_nets.classifier import classifier, input_spec
from keras_nets.image_classifier import ImageClassifier
from keras_nets.initializers import bias_init, kernel_init
from keras_nets.layers import ChannelSlice, LocalResponseNormalization

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

# The LRN constants: the paper's (section 3.3: k = 2, n = 5, alpha = 1e-4, beta = 0.75, alpha not
# divided by n) or those of Caffe's bvlc_alexnet (models/bvlc_alexnet/deploy.prototxt: norm1 and
# norm2 `local_size: 5 alpha: 0.0001 beta: 0.75`, k left at LRNParameter's default 1, and
# lrn_layer.cpp divides alpha by local_size: effectively k = 1, alpha = 2e-5).
LRN_CONSTANTS = ("paper", "caffe")
POOL_ROUNDINGS = ("floor", "ceil")
# The builder options under which the two-tower net computes what Caffe's bvlc_alexnet computes
# (keras_nets.convert.caffe converts its caffemodel into this net):
# - lrn_constants="caffe": Caffe's LRN constants (above);
# - lrn_across_towers=True: norm1 runs over all 96 of conv1's maps (conv1 is one ungrouped layer of
#   `num_output: 96`) and norm2 over all 256 of conv2's (`group: 2` only splits the convolution),
#   so both windows span the towers' boundary; in the paper each GPU normalises its own maps;
# - pool_rounding="ceil": Caffe's PoolingParameter `round_mode = 13 [default = CEIL]`
#   (pooling_layer.cpp: `ceil((height_ + 2 * pad_h_ - kernel_h_) / stride_h_) + 1`); at the 227
#   crop every pooled map has the same size either way (55 -> 27 -> 13 -> 6).
CAFFE_OPTIONS = dict(lrn_constants="caffe", lrn_across_towers=True, pool_rounding="ceil")


def conv1_padding_for(size: int | None) -> int:
    """A 224 input (the paper's text) is padded by 3 so that conv1 gives 55x55, as 227 does."""
    return 3 if size == 224 else 0


def stage_sizes(size: int, conv1_padding: int = 0, pool_size: int = 3,
                pool_rounding: str = "floor") -> tuple[int, ...]:
    """Spatial size after conv1, pool1, conv2, pool2, conv3, conv4, conv5, pool5."""
    conv1 = (size + 2 * conv1_padding - 11) // 4 + 1
    ceil = pool_rounding == "ceil"
    pool = lambda n: -(-(n - pool_size) // 2) + 1 if ceil and n >= pool_size else \
        (n - pool_size) // 2 + 1
    pool1 = pool(conv1)
    pool2 = pool(pool1)
    pool5 = pool(pool2)
    return (conv1, pool1, pool1, pool2, pool2, pool2, pool2, pool5)


def build_alexnet(split: bool = True, num_classes: int = 1000,
                  input_shape: Sequence[int | None] | None = None, include_top: bool = True,
                  pooling: str | None = None, classifier_activation: str | None = "softmax",
                  dropout: float = 0.5, lrn: bool = True, init: str = "he",
                  conv1_padding: int | str = "auto", overlapping_pooling: bool = True,
                  width: float = 1.0, fc_units: int = 4096, filters: Sequence[int] | None = None,
                  lrn_constants: str = "paper", lrn_across_towers: bool = False,
                  pool_rounding: str = "floor", name: str | None = None) -> ImageClassifier:
    """The AlexNet of paper section 3.5 as a Keras functional model.

    split=True: two towers of explicit ordinary convolutions (48+48 ... filters) joined before conv3
    and before the FC layers; split=False: the same layers unsplit (96-256-384-384-256).
    init: "he" (default, trains from scratch), "glorot", or "paper" (N(0, 0.01), biases 1 in
    conv2/4/5 and FC6/7). width scales every conv's filters (ablations, fast tests).
    filters: the five convs' total filter counts instead of 96-256-384-384-256 (before width);
    section 3.2's one-GPU comparison net is split=False, filters=(48, 128, 192, 192, 256):
    half the kernels, except conv5, and the same FC layers (the section's footnote).
    lrn_constants: "paper" (section 3.3) or "caffe" (bvlc_alexnet's: k = 1, alpha / n).
    lrn_across_towers: normalise conv1's and conv2's maps of both towers together (Caffe's
    norm1/norm2) instead of each tower its own (the paper's two GPUs).
    pool_rounding: "floor" (Keras' valid pooling) or "ceil" (Caffe's, fixed input size only).
    CAFFE_OPTIONS holds the three values that reproduce Caffe's bvlc_alexnet.
    """
    filters = tuple(filters) if filters is not None else tuple(c[1] for c in CONV_LAYERS)
    if len(filters) != len(CONV_LAYERS) or min(filters) < 1:
        raise ValueError(f"filters: five positive counts (conv1..conv5), got {filters}")
    shape = input_spec(input_shape, (227, 227, 3))
    pad = conv1_padding_for(shape[0]) if conv1_padding == "auto" else int(conv1_padding)
    pool_size = 3 if overlapping_pooling else 2
    if lrn_constants not in LRN_CONSTANTS:
        raise ValueError(f"lrn_constants must be one of {LRN_CONSTANTS}, got {lrn_constants!r}")
    if pool_rounding not in POOL_ROUNDINGS:
        raise ValueError(f"pool_rounding must be one of {POOL_ROUNDINGS}, got {pool_rounding!r}")
    if pool_rounding == "ceil" and None in shape[:2]:
        raise ValueError("pool_rounding='ceil' needs a fixed input size")
    for dim in shape[:2]:
        if dim is not None and stage_sizes(dim, pad, pool_size, pool_rounding)[-1] < 1:
            raise ValueError(f"input_shape {shape} is too small for AlexNet: conv1 (11x11/4) and "
                             f"three {pool_size}x{pool_size}/2 poolings need at least "
                             f"{_min_size(pad, pool_size, pool_rounding)} pixels per side")
    make_lrn = (LocalResponseNormalization if lrn_constants == "paper" else
                lambda **kw: LocalResponseNormalization.caffe(local_size=5, alpha=1e-4,
                                                              beta=0.75, **kw))
    sizes = dict(zip(("conv1", "conv2", "conv5"), (shape[:2],) * 3))
    if shape[0] is not None and shape[1] is not None:
        h, w = (stage_sizes(d, pad, pool_size, pool_rounding) for d in shape[:2])
        sizes = {"conv1": (h[0], w[0]), "conv2": (h[2], w[2]), "conv5": (h[6], w[6])}
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
        number = layer_name[-1]
        if lrn and layer_name in ("conv1", "conv2"):
            if lrn_across_towers and split:
                # Caffe's norm1/norm2: one window over both towers' maps, then each tower its half.
                joined = layers.Concatenate(name=f"join_lrn{number}")([maps[t] for t in towers])
                joined = make_lrn(name=f"lrn{number}")(joined)
                maps = {t: ChannelSlice(t * per_tower, (t + 1) * per_tower,
                                        name=f"lrn{number}{suffix(t)}")(joined) for t in towers}
            else:
                maps = {t: make_lrn(name=f"lrn{number}{suffix(t)}")(maps[t]) for t in towers}
        if layer_name in ("conv1", "conv2", "conv5"):
            pad_end = _ceil_padding(sizes[layer_name], pool_size) \
                if pool_rounding == "ceil" else (0, 0)
            for t in towers:
                if any(pad_end):
                    # Caffe's ceil rounding lets the last window hang over the map's end, and its
                    # max covers only the map's part (pooling_layer.cpp clips hend to height_).
                    # The maps are ReLU outputs (>= 0, and LRN keeps the sign), so a zero pad
                    # changes no maximum.
                    maps[t] = layers.ZeroPadding2D(((0, pad_end[0]), (0, pad_end[1])),
                                                   name=f"pool{number}_pad{suffix(t)}")(maps[t])
                maps[t] = layers.MaxPooling2D(pool_size, strides=2,
                                              name=f"pool{number}{suffix(t)}")(maps[t])
    x = layers.Concatenate(name="join_fc6")([maps[t] for t in towers]) if split else maps[None]
    outputs = classifier(x, names=("fc6", "fc7", "fc8"), num_classes=num_classes,
                         include_top=include_top, pooling=pooling,
                         classifier_activation=classifier_activation, dropout=dropout,
                         init=init, hidden_bias_one=True, fc_units=fc_units)
    default_name = "alexnet" if split else "alexnet_one_tower"
    return ImageClassifier(inputs, outputs, name=name or default_name)


def _ceil_padding(size: Sequence[int], pool_size: int) -> tuple[int, ...]:
    """Rows and columns to add after a map of `size` so that valid pooling gives Caffe's ceil
    count: ceil((n - k) / 2) + 1 windows need (count - 1) * 2 + k pixels."""
    return tuple(max(0, (-(-(n - pool_size) // 2)) * 2 + pool_size - n) for n in size)


def _min_size(pad: int, pool_size: int, pool_rounding: str = "floor") -> int:
    size = 11
    while stage_sizes(size, pad, pool_size, pool_rounding)[-1] < 1:
        size += 1
    return size
