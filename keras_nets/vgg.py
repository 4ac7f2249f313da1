"""The VGG family (Simonyan & Zisserman, ICLR 2015), every configuration of Table 1."""

import os

import keras
from keras import layers

from keras_nets.classifier import classifier, input_spec
from keras_nets.image_classifier import ImageClassifier
from keras_nets.initializers import kernel_init
from keras_nets.layers import LocalResponseNormalization

# VGG paper Table 1: per block, the convolutions as (filters, kernel size). C's 1x1 convs are
# (n, 1). A-LRN adds LRN after the first conv (the table's "LRN" row).
_A = (((64, 3),), ((128, 3),), ((256, 3),) * 2, ((512, 3),) * 2, ((512, 3),) * 2)
_B = (((64, 3),) * 2, ((128, 3),) * 2, ((256, 3),) * 2, ((512, 3),) * 2, ((512, 3),) * 2)
CONFIGS = {
    "A": _A,
    "A-LRN": _A,
    "B": _B,
    "C": _B[:2] + tuple(block + ((block[0][0], 1),) for block in _B[2:]),
    "D": _B[:2] + tuple(block + ((block[0][0], 3),) for block in _B[2:]),
    "E": _B[:2] + tuple(block + ((block[0][0], 3),) * 2 for block in _B[2:]),
}
ALIASES = {"vgg11": "A", "vgg11_lrn": "A-LRN", "vgg13": "B", "vgg16": "D", "vgg19": "E"}

# Keras' hosted ImageNet weights, the files keras.applications.VGG16/VGG19 load.
_HOSTED = "https://storage.googleapis.com/tensorflow/keras-applications/"
IMAGENET_WEIGHTS = {
    ("D", True): ("vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5",
                  "64373286793e3c8b2b4e3219cbf3544b"),
    ("D", False): ("vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
                   "6d6bbae143d832006294945121d1f1fc"),
    ("E", True): ("vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5",
                  "cbe5617147190e668d6c5d5026f83318"),
    ("E", False): ("vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
                   "253f8cb515780f3b799900260a226db6"),
}


def resolve_config(config):
    """'A', 'A-LRN', 'B', 'C', 'D', 'E' or an alias ('vgg16', ...), case-insensitive."""
    key = str(config).strip()
    key = ALIASES.get(key.lower().replace("-", "_"), key.upper().replace("_", "-"))
    if key not in CONFIGS:
        raise ValueError(f"unknown VGG configuration {config!r}; choose from "
                         f"{sorted(CONFIGS)} or {sorted(ALIASES)}")
    return key


def build_vgg(config="D", num_classes=1000, input_shape=None, include_top=True, pooling=None,
              classifier_activation="softmax", dropout=0.5, lrn=None, init="glorot",
              weights=None, width=1.0, fc_units=4096, name=None):
    """A VGG configuration as a Keras functional model; D/E match keras.applications VGG16/VGG19.

    lrn: None follows the configuration (LRN only in A-LRN); True/False forces it.
    init: "glorot" (default: the authors' later finding, paper 3.1), "he", or "paper" (N(0, 0.01)).
    weights: None, "imagenet" (D and E, Keras' hosted files) or a path to a weights file (a
    keras.applications .h5, a torchvision state dict, or a Keras .weights.h5).
    """
    key = resolve_config(config)
    shape = input_spec(input_shape, (224, 224, 3))
    if include_top and None in shape[:2]:
        raise ValueError("include_top=True needs a fixed input size (use dense evaluation for "
                         "any size)")
    for dim in shape[:2]:
        if dim is not None and dim < 32:
            raise ValueError(f"input_shape {shape} is too small for VGG: five 2x2/2 poolings "
                             "need at least 32 pixels per side")
    if weights == "imagenet" and (key not in ("D", "E") or num_classes != 1000 or width != 1.0):
        raise ValueError("weights='imagenet' exists for configurations D and E with 1000 classes")
    use_lrn = (key == "A-LRN") if lrn is None else bool(lrn)

    inputs = keras.Input(shape, name="image")
    x = inputs
    for b, block in enumerate(CONFIGS[key], start=1):
        for i, (filters, kernel) in enumerate(block, start=1):
            x = layers.Conv2D(max(1, round(filters * width)), kernel, padding="same",
                              activation="relu", kernel_initializer=kernel_init(init),
                              name=f"block{b}_conv{i}")(x)
            if use_lrn and b == 1 and i == 1:
                x = LocalResponseNormalization(name="block1_lrn")(x)
        x = layers.MaxPooling2D(2, strides=2, name=f"block{b}_pool")(x)
    outputs = classifier(x, names=("fc1", "fc2", "predictions"), num_classes=num_classes,
                         include_top=include_top, pooling=pooling,
                         classifier_activation=classifier_activation, dropout=dropout,
                         init=init, fc_units=fc_units)
    model = ImageClassifier(inputs, outputs, name=name or f"vgg_{key.lower().replace('-', '_')}")
    if weights is not None:
        load_weights(model, key, weights, include_top)
    return model


def load_weights(model, config, weights, include_top=True):
    """weights="imagenet": keras.applications' file for D/E (downloaded once into the Keras
    cache); a path: a keras.applications .h5 or torchvision state dict, by layer name through
    keras_nets.convert (every layer must match), or else a Keras weights file."""
    from keras_nets import convert
    path = imagenet_weights_path(config, include_top) if weights == "imagenet" else str(weights)
    try:
        kind = convert.kind_of(path)
    except convert.WeightsError:
        model.load_weights(path)  # a Keras 3 .weights.h5 (or its error)
        return
    source = convert.WeightSource(kind, path, convert.NORMALIZATION[kind], {})
    fresh = convert.load(model, source).fresh
    if fresh:
        raise convert.WeightsError(f"{path}: no weights of the right shapes for {fresh}")


def imagenet_weights_path(config, include_top, download=True):
    """The keras.applications weights file for D or E in the Keras cache
    ($KERAS_HOME or ~/.keras, then models/); download=True fetches it there once when missing,
    download=False raises WeightsError naming the file and where it comes from."""
    path, md5 = IMAGENET_WEIGHTS[(config, include_top)]
    name = path.split("/")[-1]
    cached = os.path.join(keras_home(), "models", name)
    if os.path.isfile(cached):
        return cached
    if not download:
        from keras_nets.convert.errors import WeightsError
        raise WeightsError(f"{cached}: no such file (keras.applications' {name}, from "
                           f"{_HOSTED + path}; or give the file's path)")
    return keras.utils.get_file(name, _HOSTED + path, cache_subdir="models", file_hash=md5)


def keras_home():
    """Where keras.utils.get_file caches: $KERAS_HOME, else ~/.keras (keras/src/backend/config.py
    reads the same variable; its accessor is private)."""
    return os.path.expanduser(os.environ.get("KERAS_HOME") or os.path.join("~", ".keras"))


def init_from_shallower(model, source):
    """VGG section 3.1: the first four conv layers and the three FC layers from a trained
    shallower net (configuration A), copied by name where the shapes agree; the rest stays random."""
    convs = [l.name for l in source.layers if isinstance(l, layers.Conv2D)][:4]
    for name in convs + ["fc1", "fc2", "predictions"]:
        try:
            target = model.get_layer(name)
        except ValueError:
            continue
        weights = source.get_layer(name).get_weights()
        if [w.shape for w in weights] == [w.shape for w in target.get_weights()]:
            target.set_weights(weights)
