"""The VGG family (Simonyan & Zisserman, ICLR 2015), every configuration of Table 1."""

import keras
from keras import layers

from keras_nets import convert
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


def resolve_config(config: str) -> str:
    """'A', 'A-LRN', 'B', 'C', 'D', 'E' or an alias ('vgg16', ...), case-insensitive."""
    key = str(config).strip()
    key = ALIASES.get(key.lower().replace("-", "_"), key.upper().replace("_", "-"))
    if key not in CONFIGS:
        raise ValueError(f"unknown VGG configuration {config!r}; choose from "
                         f"{sorted(CONFIGS)} or {sorted(ALIASES)}")
    return key


def build_vgg(config: str = "D", num_classes: int = 1000, input_shape: tuple | None = None,
              include_top: bool = True, pooling: str | None = None,
              classifier_activation: str | None = "softmax", dropout: float = 0.5,
              lrn: bool | None = None, init: str = "glorot", weights: str | None = None,
              width: float = 1.0, fc_units: int = 4096, name: str | None = None
              ) -> ImageClassifier:
    """A VGG configuration as a Keras functional model; D/E match keras.applications VGG16/VGG19.

    lrn: None follows the configuration (LRN only in A-LRN); True/False forces it.
    init: "glorot" (default: the authors' later finding, paper 3.1), "he", or "paper" (N(0, 0.01)).
    weights: None, "imagenet" (D and E: keras.applications' hosted file, fetched into the Keras
    cache when missing) or a path to a weights file (a keras.applications .h5, a torchvision
    state dict, or a Keras .weights.h5); every layer must get weights (keras_nets.convert).
    """
    key = resolve_config(config)
    registry_name = f"vgg_{key.lower().replace('-', '_')}"
    shape = input_spec(input_shape, (224, 224, 3))
    if include_top and None in shape[:2]:
        raise ValueError("include_top=True needs a fixed input size (use dense evaluation for "
                         "any size)")
    for dim in shape[:2]:
        if dim is not None and dim < 32:
            raise ValueError(f"input_shape {shape} is too small for VGG: five 2x2/2 poolings "
                             "need at least 32 pixels per side")
    hosted = registry_name in convert.keras_applications.IMAGENET_FILES
    if weights == "imagenet" and (not hosted or num_classes != 1000 or width != 1.0):
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
    model = ImageClassifier(inputs, outputs, name=name or registry_name)
    if weights is not None:
        convert.load_weights(model, weights, hosted=registry_name, include_top=include_top)
    return model


def init_from_shallower(model: keras.Model, source: keras.Model) -> None:
    """VGG section 3.1: the first four conv layers and the three FC layers from a trained
    shallower net (configuration A), copied by name where the shapes agree; the rest stays
    random."""
    convs = [l.name for l in source.layers if isinstance(l, layers.Conv2D)][:4]
    for name in convs + ["fc1", "fc2", "predictions"]:
        try:
            target = model.get_layer(name)
        except ValueError:
            continue
        weights = source.get_layer(name).get_weights()
        if [w.shape for w in weights] == [w.shape for w in target.get_weights()]:
            target.set_weights(weights)
