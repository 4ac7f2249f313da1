"""Dense evaluation (VGG paper 3.2): the FC layers become convolutions over the whole image."""

import keras
from keras import layers


def to_dense(model: keras.Model, average: bool = True, name: str | None = None) -> keras.Model:
    """A fully-convolutional copy of a VGG with its top, sharing its trained weights.

    FC6 becomes a 7x7 conv (its kernel reshaped from the flattened 7x7xC input), FC7 and FC8
    1x1 convs. Accepts any input of at least 224 pixels per side and returns the class-score map,
    or with `average` its spatial average. On a 224 input it equals the original model.
    """
    flatten = next((l for l in model.layers if isinstance(l, layers.Flatten)), None)
    if flatten is None:
        raise ValueError(f"{model.name} has no Flatten/FC top to convert (build it with "
                         "include_top=True)")
    grid = flatten.input.shape[1:3]
    inputs = keras.Input((None, None, model.input.shape[-1]), name="image")
    x, kernel_size = inputs, tuple(grid)
    for layer in model.layers[1:]:
        if isinstance(layer, (layers.Flatten, layers.Dropout)):
            continue
        if isinstance(layer, layers.Dense):
            kernel, bias = layer.get_weights()
            conv = layers.Conv2D(layer.units, kernel_size, activation=layer.activation,
                                 name=layer.name, dtype=layer.dtype_policy)
            x = conv(x)
            conv.set_weights([kernel.reshape(kernel_size + (-1, layer.units)), bias])
            kernel_size = (1, 1)
        else:
            clone = layer.__class__.from_config(layer.get_config())
            x = clone(x)
            clone.set_weights(layer.get_weights())
    if average:
        x = layers.GlobalAveragePooling2D(name="spatial_average", dtype="float32")(x)
    return keras.Model(inputs, x, name=name or f"{model.name}_dense")
