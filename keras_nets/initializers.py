"""Weight initialisers: He, Glorot, and the papers' N(0, 0.01) with AlexNet's biases of 1."""

import keras

# "paper_bias0.1": the papers' N(0, 0.01) with 0.1 instead of 1 for AlexNet's positive biases
# (the value of Caffe's reference bvlc_alexnet model); a named variant: with biases of 1 every
# image gets nearly the same output at step 0 (docs/training.md, "Recipes").
INITS = ("he", "glorot", "paper", "paper_bias0.1")
PAPER_BIAS = {"paper": 1.0, "paper_bias0.1": 0.1}  # AlexNet section 5: 1


def kernel_init(init: str, seed: int | None = None) -> keras.initializers.Initializer:
    """He normal, Glorot uniform, or the papers' N(0, 0.01) (AlexNet section 5, VGG 3.1)."""
    if init == "he":
        return keras.initializers.HeNormal(seed=seed)
    if init == "glorot":
        return keras.initializers.GlorotUniform(seed=seed)
    if init in PAPER_BIAS:
        return keras.initializers.RandomNormal(stddev=0.01, seed=seed)
    raise ValueError(f"init must be one of {INITS}, got {init!r}")


def bias_init(init: str, one: bool) -> keras.initializers.Initializer | str:
    """AlexNet section 5: biases 1 in conv2, conv4, conv5 and the hidden FC layers, 0 elsewhere."""
    return keras.initializers.Constant(PAPER_BIAS[init]) if (init in PAPER_BIAS and one) \
        else "zeros"
