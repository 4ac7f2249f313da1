"""Training images decoded once and kept in memory (AlexNet's central square at the training
scale): the cached stream is the uncached protocol's, element by element, resume included."""

import numpy as np
import tensorflow as tf

from imagefiles import coordinates_image, encode, noise_image
from keras_nets import get_spec
from pipelines.data.image_ops import denormalize
from pipelines.data.pipeline import create_split
from pipelines.data.crops import cached_train_preprocess, central_square, crop_of_square
from pipelines.training.inputs import CACHE_BYTES, decoded_cache

OPTIONS = dict(scale_min=40, scale_max=40, flip=True, lighting=True, normalization="mean_rgb")


def examples():
    """Photos of odd sizes, PNG and JPEG, landscape and portrait."""
    shapes = [(48, 64), (90, 41), (40, 40), (123, 77), (57, 200), (64, 48)]
    images = [encode(noise_image(h, w, i), fmt="JPEG" if i % 2 else "PNG")
              for i, (h, w) in enumerate(shapes)]
    return tf.data.Dataset.from_tensor_slices({"image": images, "label": list(range(6))})


def test_the_crop_is_a_window_of_the_central_square_at_the_training_scale():
    square = central_square(encode(coordinates_image(60, 90)), scale_min=40)
    assert square.dtype == tf.uint8 and square.shape == (40, 40, 3)
    seen = set()
    for i in range(40):
        crop = denormalize(crop_of_square(square, tf.constant([7, i]), size=33, flip=False,
                                          lighting=False, normalization="mean_rgb"), "mean_rgb")
        crop = np.round(crop.numpy()).astype("uint8")
        windows = [(t, l) for t in range(8) for l in range(8)
                   if np.array_equal(crop, square.numpy()[t:t + 33, l:l + 33])]
        assert len(windows) == 1, i
        seen |= set(windows)
    assert len(seen) > 20  # offsets drawn over the whole room, per seed


def stream(cached, skip=0, n=14):
    decode, augment = cached_train_preprocess("central_crop", 33, **OPTIONS)
    if cached:
        ds = create_split(examples(), train=True, batch_size=2, preprocess=augment, seed=3,
                          decode=decode, skip=skip, deterministic=True, shuffle_buffer=4)
    else:
        ds = create_split(examples(), train=True, batch_size=2, seed=3, skip=skip,
                          preprocess=lambda e, s: augment(decode(e), s), cache=False,
                          deterministic=True, shuffle_buffer=4)
    return [(x.numpy(), y.numpy()) for x, y in ds.take(n // 2)]


def test_cached_stream_equals_decoding_every_time_and_resumes_alike():
    cached, uncached = stream(True), stream(False)
    for (a, la), (b, lb) in zip(cached, uncached):
        np.testing.assert_array_equal(la, lb)
        np.testing.assert_array_equal(a, b)
    assert sorted(np.concatenate([l for _, l in cached[:3]])) == list(range(6))  # one pass
    for (a, la), (b, lb) in zip(stream(True, skip=8, n=6), cached[4:]):  # resumed mid-pass 2
        np.testing.assert_array_equal(la, lb)
        np.testing.assert_array_equal(a, b)


def test_cache_only_where_every_image_has_one_size_and_the_split_fits():
    alexnet, vgg = get_spec("alexnet"), get_spec("vgg_d")
    at_256 = alexnet.preprocessing(227, "mean_rgb", 256, 256, ["a", "b"])
    fits = CACHE_BYTES // (256 * 256 * 3)
    assert decoded_cache(alexnet, at_256, fits) and not decoded_cache(alexnet, at_256, fits + 1)
    assert not decoded_cache(vgg, vgg.preprocessing(224, "mean_rgb", 256, 512, ["a", "b"]), 10)
