"""Encoded test images with known pixel values."""

import io

import numpy as np
from PIL import Image


def encode(array, fmt="PNG", mode=None, **kwargs):
    buf = io.BytesIO()
    Image.fromarray(array, mode=mode).save(buf, format=fmt, **kwargs) if mode else \
        Image.fromarray(array).save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def coordinates_image(height, width):
    """R = column, G = row, B = 77: every pixel says where it is (lossless as PNG)."""
    y, x = np.mgrid[0:height, 0:width]
    return np.stack([x % 256, y % 256, np.full_like(x, 77)], -1).astype("uint8")


def noise_image(height, width, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3)).astype("uint8")
