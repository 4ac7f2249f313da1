"""The papers' training and test protocols, implemented under the names of their one table
(keras_nets.protocols): each training protocol, and each set of test views.

Every protocol takes an encoded image (JPEG, PNG, GIF or BMP bytes) and, for training, a
stateless seed of shape [2]. Training crops are computed in source coordinates and decoded with
the fused decode-and-crop op for JPEGs. Every protocol decodes a JPEG at the largest DCT scale
(1/2, 1/4, 1/8, from its header) that leaves what it crops or rescales at or above the size it
needs: a phone photo costs little more than its entropy decoding. A model's registry entry
names its training protocol (`keras_nets.ModelSpec.train_protocol`) and the test protocols that
apply to it.
"""

import functools
from collections.abc import Callable, Sequence
from typing import Any

import tensorflow as tf

from keras_nets.normalization import PAPER_NORMALIZATION
from keras_nets.protocols import DENSE
from pipelines.data import image_ops as ops


def central_crop(encoded: tf.Tensor, seed: tf.Tensor, size: int = 227, scale_min: int = 256,
                 scale_max: int | None = None, flip: bool = True, lighting: bool = True,
                 normalization: str = PAPER_NORMALIZATION) -> tf.Tensor:
    """AlexNet sections 2 and 4.1: shorter side to the one training scale (scale_min; 256 for
    227 crops), the central square, a random size x size crop of it, random mirror, PCA
    lighting, normalisation."""
    if scale_max is not None and scale_max != scale_min:
        raise ValueError(f"central_crop trains at one scale, got {scale_min}-{scale_max}")
    seeds = tf.random.experimental.stateless_split(seed, 3)  # crop, mirror, lighting
    image = ops.crop_window_square(encoded, seeds[0], size / scale_min, anywhere=False,
                                   min_side=size)
    image = ops.resize(image, size, size)
    return _colour(image, seeds, flip, lighting, normalization)


def central_square(encoded: tf.Tensor, scale_min: int = 256, **_: Any) -> tf.Tensor:
    """The deterministic half of central_crop, for a cache of decoded images: shorter side to
    the training scale and the central square, as uint8 (256 x 256 x 3: 192 KiB an image)."""
    pixels = center_pixels(encoded, scale_min, scale_min)
    square = tf.cast(tf.round(tf.clip_by_value(pixels, 0.0, 255.0)), tf.uint8)
    return tf.ensure_shape(square, [scale_min, scale_min, 3])


def crop_of_square(square: tf.Tensor, seed: tf.Tensor, size: int = 227, scale_min: int = 256,
                   scale_max: int | None = None, flip: bool = True, lighting: bool = True,
                   normalization: str = PAPER_NORMALIZATION) -> tf.Tensor:
    """The random half of central_crop on a central_square: a random size x size crop (the
    paper's own order: rescale to 256, then crop 227), mirror, lighting, normalisation."""
    del scale_min, scale_max  # the square is already at the training scale
    seeds = tf.random.experimental.stateless_split(seed, 3)  # crop, mirror, lighting
    offsets = tf.random.experimental.stateless_split(seeds[0], 2)
    room = tf.shape(square)[0] - size
    top, left = ops.uniform_int(offsets[0], room), ops.uniform_int(offsets[1], room)
    image = tf.cast(square[top:top + size, left:left + size], tf.float32)
    return _colour(image, seeds, flip, lighting, normalization)


def _colour(image: tf.Tensor, seeds: tf.Tensor | Sequence[tf.Tensor | None], flip: bool,
            lighting: bool, normalization: str) -> tf.Tensor:
    """What follows the crop in both training protocols: mirror, PCA lighting, clipping to
    0-255, the model's normalisation."""
    if flip:
        image = ops.random_flip(image, seeds[1])
    if lighting:
        image = ops.pca_lighting(image, seeds[2])
    return ops.normalize(tf.clip_by_value(image, 0.0, 255.0), normalization)


def scale_jitter(encoded: tf.Tensor, seed: tf.Tensor, size: int = 224, scale_min: int = 256,
                 scale_max: int = 512, flip: bool = True, lighting: bool = True,
                 normalization: str = PAPER_NORMALIZATION) -> tf.Tensor:
    """VGG section 3.1: isotropic rescale to S (fixed when scale_min == scale_max, else drawn
    uniformly per image), a random size x size crop anywhere, random mirror, RGB colour shift
    (AlexNet's PCA lighting)."""
    seeds = tf.random.experimental.stateless_split(seed, 4)
    s = tf.random.stateless_uniform([], seeds[0], scale_min, scale_max + 1, dtype=tf.int32)
    image = ops.crop_window_square(encoded, seeds[1], size / tf.cast(s, tf.float32),
                                   anywhere=True, min_side=size)
    image = ops.resize(image, size, size)
    # mirror and lighting on seeds 2 and 3 (0 and 1 drew the scale and the crop)
    return _colour(image, [None, seeds[2], seeds[3]], flip, lighting, normalization)


def center_pixels(encoded: tf.Tensor, size: int = 224, scale: int = 256) -> tf.Tensor:
    """The centre crop's RGB pixels on 0-255 (float32), before the normalisation: shorter side
    to `scale`, the central size x size. The serving signature normalises a whole request at
    once.

    A JPEG is decoded at the largest DCT scale (image_ops.DCT_RATIOS) whose image still has its
    shorter side at or above `scale`, chosen from its header, and only the window of the crop
    (the fused decode-and-crop op); the window is the centre crop of that scaled image. A 4032x3024
    photo for a 67 px crop at scale 76 decodes at 1/8, a 378x504 image, and reads 378x378 of it."""
    def window(shape: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]:
        short = tf.minimum(shape[0], shape[1])
        side = tf.clip_by_value(tf.cast(tf.round(tf.cast(short, tf.float32) * size / scale),
                                        tf.int32), 1, short)
        return (shape[0] - side) // 2, (shape[1] - side) // 2, side, side

    def jpeg() -> tf.Tensor:
        shape = ops.jpeg_shape(encoded)
        ratio = ops.dct_ratio(tf.reduce_min(shape), scale)
        scaled = ops.scaled_size(shape, ratio)
        return ops.decode_jpeg_scaled(encoded, ratio, tf.stack(window(scaled)))

    def other() -> tf.Tensor:  # PNG, GIF, BMP: decoded once, then cropped
        image = ops.decode_rgb(encoded)
        return tf.image.crop_to_bounding_box(image, *window(tf.shape(image)[:2]))

    image = tf.cond(tf.io.is_jpeg(encoded), jpeg, other)
    image.set_shape([None, None, 3])
    return ops.resize(image, size, size)


def center(encoded: tf.Tensor, size: int = 224, scale: int = 256,
           normalization: str = PAPER_NORMALIZATION) -> tf.Tensor:
    """The single centre crop (AlexNet 4.1, VGG 4.1): one view [size, size, 3]."""
    return ops.normalize(center_pixels(encoded, size, scale), normalization)


def ten_crop(encoded: tf.Tensor, size: int = 224, scale: int = 256,
             normalization: str = PAPER_NORMALIZATION) -> tf.Tensor:
    """AlexNet section 4.1 test: the 4 corners and the centre of the central scale x scale image,
    and their mirrors: [10, size, size, 3] (corners TL, TR, BL, BR, centre; then mirrored)."""
    image = ops.decode_shorter(encoded, scale)
    image = tf.image.resize_with_crop_or_pad(image, scale, scale)
    far, mid = scale - size, (scale - size) // 2
    views = tf.stack([image[t:t + size, l:l + size] for t, l in
                      ((0, 0), (0, far), (far, 0), (far, far), (mid, mid))])
    return ops.normalize(ops.with_mirrors(views), normalization)


def full_image(encoded: tf.Tensor, scale: int,
               normalization: str = PAPER_NORMALIZATION) -> tf.Tensor:
    """VGG section 3.2 dense test's views: the whole image at test scale Q and its mirror:
    [2, H, W, 3]."""
    image = ops.decode_shorter(encoded, scale)
    return ops.normalize(ops.with_mirrors(image[None]), normalization)


def multi_crop(encoded: tf.Tensor, scale: int, size: int = 224, grid: int = 5,
               normalization: str = PAPER_NORMALIZATION) -> tf.Tensor:
    """VGG section 4.2 multi-crop: a grid x grid of size x size crops at scale Q, and their
    mirrors: [2 * grid^2, size, size, 3] (50 views for a 5x5 grid)."""
    image = ops.decode_shorter(encoded, scale)
    shape = tf.shape(image)
    tops = tf.cast(tf.round(tf.linspace(0.0, tf.cast(shape[0] - size, tf.float32), grid)),
                   tf.int32)
    lefts = tf.cast(tf.round(tf.linspace(0.0, tf.cast(shape[1] - size, tf.float32), grid)),
                    tf.int32)
    boxes = tf.reshape(tf.stack(tf.meshgrid(tops, lefts, indexing="ij"), -1), [-1, 2])
    views = tf.map_fn(lambda tl: image[tl[0]:tl[0] + size, tl[1]:tl[1] + size], boxes,
                      fn_output_signature=tf.TensorSpec([size, size, 3], tf.float32))
    return ops.normalize(ops.with_mirrors(views), normalization)


# keras_nets.protocols.TRAIN's protocols as fn(encoded, seed, size, scale_min, scale_max, flip,
# lighting, normalization).
TRAIN_PROTOCOLS = {fn.__name__: fn for fn in (central_crop, scale_jitter)}
# Protocols whose deterministic half gives every image one size, so that a dataset of them can be
# decoded once and kept in memory: (decode, augment) with augment(pixels, seed).
CACHEABLE = {"central_crop": (central_square, crop_of_square)}
# keras_nets.protocols.VIEWS, the sets of test views, as
# fn(encoded, size, scale, grid, normalization) -> views [V, H, W, 3].
TEST_VIEWS = {
    "center": lambda e, size, scale, grid, normalization: center(e, size, scale,
                                                                 normalization)[None],
    "ten_crop": lambda e, size, scale, grid, normalization: ten_crop(e, size, scale,
                                                                     normalization),
    DENSE: lambda e, size, scale, grid, normalization: full_image(e, scale, normalization),
    "multi_crop": lambda e, size, scale, grid, normalization: multi_crop(e, scale, size, grid,
                                                                         normalization),
}


def train_preprocess(name: str, size: int,
                     **options: Any) -> Callable[[tf.Tensor, tf.Tensor], tf.Tensor]:
    """The training protocol `name` (TRAIN_PROTOCOLS) at `size` px as fn(encoded, seed)."""
    if name not in TRAIN_PROTOCOLS:
        raise ValueError(f"unknown training protocol {name!r}; choose from "
                         f"{', '.join(TRAIN_PROTOCOLS)}")
    return functools.partial(TRAIN_PROTOCOLS[name], size=size, **options)


def cached_train_preprocess(name: str, size: int, **options: Any
                            ) -> tuple[Callable[[tf.Tensor], tf.Tensor],
                                       Callable[[tf.Tensor, tf.Tensor], tf.Tensor]] | None:
    """(decode(encoded) -> pixels of one size, augment(pixels, seed)) of the training protocol
    `name`, or None when its images cannot all be cached at one size (scale jitter)."""
    if name not in CACHEABLE:
        return None
    decode, augment = CACHEABLE[name]
    return (functools.partial(decode, **options),
            functools.partial(augment, size=size, **options))


def eval_preprocess(name: str, size: int, scale: int = 256, grid: int = 5,
                    normalization: str = PAPER_NORMALIZATION) -> Callable[[tf.Tensor], tf.Tensor]:
    """The test views `name` (TEST_VIEWS: keras_nets.protocols.VIEWS) as
    fn(encoded) -> views [V, H, W, 3] (center: V = 1), under the model's input normalisation."""
    if name not in TEST_VIEWS:
        raise ValueError(f"unknown test views {name!r}; choose from {', '.join(TEST_VIEWS)}")
    fn = TEST_VIEWS[name]
    return lambda encoded: fn(encoded, size, scale, grid, normalization)
