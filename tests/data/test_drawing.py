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


def test_the_demo_renders_its_images_at_the_scale_it_trains_at():
    from pipelines.train import parse_args, run_config
    demo = run_config(parse_args([])[1]).recipe
    # AlexNet's 256/227 ratio: the 67 px crops come from images with a 76 px shorter side.
    assert (demo.input_size, demo.dataset_sizes["side"]) == (67, 76)
    assert "min_side" not in demo.dataset_sizes  # the scenes themselves: the builder's default
    bigger = run_config(parse_args(["--input-size", "99"])[1]).recipe
    assert bigger.dataset_sizes["side"] == 112
    assert run_config(parse_args(["--recipe", "paper"])[1]).recipe.dataset_sizes is None
