import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# The shared helpers (harness, imagefiles) sit beside this file; tests live in sub-folders.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

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
