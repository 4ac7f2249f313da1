"""The embedded dataset's drawing: a scene rendered at a lower resolution is the full-size scene
downscaled (what the demo recipe trains on), not a different, coarser scene."""

import numpy as np
import tensorflow as tf

from pipelines.data.shapes.drawing import render


def scenes(side, count=12):
    """(full-size render area-downscaled to the small one's shape, small render) per scene."""
    for index in range(count):
        full = render(np.random.default_rng([3, index]), index % 10)
        small = render(np.random.default_rng([3, index]), index % 10, side=side)
        assert min(small.shape[:2]) == side and small.dtype == np.uint8
        # Same aspect ratio, to the pixel.
        assert abs(small.shape[0] / small.shape[1] - full.shape[0] / full.shape[1]) < 2 / side
        reference = tf.image.resize(full.astype("float32"), small.shape[:2], antialias=True)
        yield reference.numpy(), small.astype("float32")


def test_a_scene_rendered_small_is_the_full_size_scene_downscaled():
    errors = [np.abs(reference - small).mean() for reference, small in scenes(48)]
    # The rendering differs from an antialiased downscale by its supersampling (high-frequency
    # stripes keep some contrast) and by its own noise draw; a scene misplaced by one output
    # pixel or scaled by 5% gives 2-3x these differences.
    assert np.median(errors) < 7 and max(errors) < 20, np.round(errors, 1)

