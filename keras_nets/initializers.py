"""Weight initialisers: He, Glorot, and the papers' N(0, 0.01) with AlexNet's biases of 1."""

import keras

INITS = ("he", "glorot", "paper")


def kernel_init(init, seed=None):
    """He normal, Glorot uniform, or the papers' N(0, 0.01) (AlexNet section 5, VGG 3.1)."""
    if init == "he":
        return keras.initializers.HeNormal(seed=seed)
    if init == "glorot":
        return keras.initializers.GlorotUniform(seed=seed)
    if init == "paper":
        return keras.initializers.RandomNormal(stddev=0.01, seed=seed)
    raise ValueError(f"init must be one of {INITS}, got {init!r}")


def bias_init(init, one):
    """AlexNet section 5: biases 1 in conv2, conv4, conv5 and the hidden FC layers, 0 elsewhere."""
    return keras.initializers.Constant(1.0) if (init == "paper" and one) else "zeros"
