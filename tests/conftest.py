import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _seed():
    import keras
    keras.utils.set_random_seed(0)


def images(n, size, seed=0, scale=1.0):
    """A float32 batch of n random size x size RGB images (unit scale by default)."""
    return (np.random.default_rng(seed).standard_normal((n, size, size, 3)) * scale).astype(
        "float32")
