"""The one optimizer factory: the papers' SGD (keras_nets.paper_sgd) or the demo's Adam."""

import keras

from keras_nets import paper_sgd


def make_optimizer(recipe, learning_rate):
    """SGD with momentum 0.9 (weight decay lives in keras_nets.paper_objective) or Adam; under
    float16 compute wrapped in Keras' dynamic loss scaling."""
    if recipe.optimizer == "sgd":
        optimizer = paper_sgd(learning_rate)
    elif recipe.optimizer == "adam":
        optimizer = keras.optimizers.Adam(learning_rate)
    else:
        raise ValueError(f"optimizer must be 'sgd' or 'adam', got {recipe.optimizer!r}")
    if keras.config.dtype_policy().compute_dtype == "float16":
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer
