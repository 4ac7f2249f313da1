"""Image primitives the papers' protocols are made of (pipelines.data.crops): decoding,
windows, resizing, mirror, PCA lighting and the named input normalisations.

Pure tensor functions; the random ones take a stateless seed of shape [2], so they give the same
result eagerly and inside tf.data.
"""

from collections.abc import Callable

import tensorflow as tf

from keras_nets.normalization import PAPER_NORMALIZATION, normalization as _normalization

# PCA of ImageNet's RGB pixels on the 0-1 scale (published with fb.resnet.torch), for AlexNet
# paper 4.1's lighting noise.
IMAGENET_EIGVAL = (0.2175, 0.0188, 0.0045)
IMAGENET_EIGVEC = ((-0.5675, 0.7192, 0.4009),
                   (-0.5808, -0.0045, -0.8140),
                   (-0.5836, -0.6948, 0.4203))
LIGHTING_STD = 0.1  # alpha_i ~ N(0, 0.1), AlexNet paper 4.1


def normalize(image: tf.Tensor, normalization: str = PAPER_NORMALIZATION) -> tf.Tensor:
    """RGB pixels on 0-255 to the network's input under a named normalisation (NORMALIZATIONS),
    computed as one multiply-add (after a channel reversal for "caffe_bgr").

    The multiply-add runs on rows of W x 3 values against the per-channel constants tiled W times:
    broadcasting a 3-vector over the last axis does not vectorise on TensorFlow's CPU kernels
    (about 2.5x slower on a batch of 227 px crops)."""
    mean, std, order = _normalization(normalization)
    image = tf.cast(image, tf.float32)
    if order == "bgr":
        image = tf.reverse(image, axis=[-1])
    scale = tf.constant([1.0 / s for s in std], tf.float32)
    offset = tf.constant([-m / s for m, s in zip(mean, std)], tf.float32)
    if image.shape.rank is None or image.shape.rank < 2:
        return image * scale + offset
    shape = tf.shape(image)
    rows = tf.reshape(image, tf.concat([shape[:-2], [-1]], 0))  # [..., W * 3]
    width = shape[-2:-1]
    rows = rows * tf.tile(scale, width) + tf.tile(offset, width)
    return tf.reshape(rows, shape)


def denormalize(image: tf.Tensor, normalization: str = PAPER_NORMALIZATION) -> tf.Tensor:
    """The inverse of `normalize`: RGB pixels on the 0-255 scale."""
    mean, std, order = _normalization(normalization)
    image = image * tf.constant(std, tf.float32) + tf.constant(mean, tf.float32)
    return tf.reverse(image, axis=[-1]) if order == "bgr" else image


# Decoding refuses images above this many pixels, from the header, before any decoding: the
# limit TensorFlow's full-size JPEG decoder applies (3 bytes a pixel under 2^29), kept when a
# JPEG is decoded at a DCT scale, where a header claiming 30000x30000 would otherwise be decoded
# at 3750x3750: a few bytes of upload would buy the decoding of a 14-megapixel image.
MAX_PIXELS = (1 << 29) // 3
# libjpeg's DCT scalings: decode_jpeg's `ratio`, largest (cheapest) first.
DCT_RATIOS = (8, 4, 2, 1)


def image_shape(encoded: tf.Tensor) -> tf.Tensor:
    """(height, width) of an encoded image, from the JPEG header when it is a JPEG."""
    return tf.cond(tf.io.is_jpeg(encoded),
                   lambda: tf.image.extract_jpeg_shape(encoded)[:2],
                   lambda: tf.shape(decode_rgb(encoded))[:2])


def jpeg_shape(encoded: tf.Tensor) -> tf.Tensor:
    """(height, width) from a JPEG's header; InvalidArgumentError above MAX_PIXELS."""
    shape = tf.image.extract_jpeg_shape(encoded)[:2]
    pixels = tf.cast(shape[0], tf.int64) * tf.cast(shape[1], tf.int64)
    with tf.control_dependencies([tf.debugging.assert_less_equal(
            pixels, tf.constant(MAX_PIXELS, tf.int64),
            message=f"image too large (over {MAX_PIXELS} pixels)")]):
        return tf.identity(shape)


def scaled_size(size: tf.Tensor | int, ratio: tf.Tensor | int) -> tf.Tensor | int:
    """A side of `size` px decoded at 1/ratio: libjpeg rounds up."""
    return (size + ratio - 1) // ratio


def dct_ratio(side: tf.Tensor | int, needed: tf.Tensor | int) -> tf.Tensor:
    """The largest DCT ratio that keeps a side of `side` px at or above `needed` px once decoded:
    the fewest pixels to decode and then resize, never fewer than the result needs."""
    ratio = tf.constant(1, tf.int32)
    for r in DCT_RATIOS[-2::-1]:  # 2, 4, 8: each one that still leaves enough replaces the last
        ratio = tf.where(side // r >= needed, r, ratio)
    return ratio


def decode_jpeg_scaled(encoded: tf.Tensor, ratio: tf.Tensor | int,
                       window: tf.Tensor | None = None) -> tf.Tensor:
    """A JPEG decoded at 1/ratio (a tensor in DCT_RATIOS), all of it or only `window` ([top,
    left, height, width] in the scaled image's pixels: the fused decode-and-crop op). Truncated
    JPEGs are decoded as far as their data goes (libjpeg fills the rest), as phones' interrupted
    uploads arrive."""
    def branch(r: int) -> Callable[[], tf.Tensor]:
        def decode() -> tf.Tensor:
            if window is None:
                return tf.io.decode_jpeg(encoded, channels=3, ratio=r,
                                         try_recover_truncated=True, acceptable_fraction=0.0)
            return tf.image.decode_and_crop_jpeg(encoded, window, channels=3, ratio=r,
                                                 try_recover_truncated=True,
                                                 acceptable_fraction=0.0)
        return decode
    index = tf.argmax(tf.equal(tf.constant(DCT_RATIOS), ratio), output_type=tf.int32)
    image = tf.switch_case(index, [branch(r) for r in DCT_RATIOS])
    image.set_shape([None, None, 3])
    return image


def decode_rgb(encoded: tf.Tensor) -> tf.Tensor:
    """Any JPEG/PNG/GIF/BMP (grey, RGBA, CMYK, 16-bit, animated: first frame) to uint8 RGB."""
    image = tf.io.decode_image(encoded, channels=3, expand_animations=False, dtype=tf.uint8)
    image.set_shape([None, None, 3])
    return image


def decode_shorter(encoded: tf.Tensor, side: tf.Tensor | int) -> tf.Tensor:
    """The image with its shorter side rescaled to `side` (the papers' S or Q), float32. A JPEG is
    decoded at the largest DCT scale that keeps its shorter side at or above `side` (a 4032x3024
    photo at Q = 384: 1/4, 16 times fewer pixels to decode and resize); the output's size is
    computed from the full size, so it does not depend on the scale."""
    def jpeg() -> tuple[tf.Tensor, tf.Tensor]:
        shape = jpeg_shape(encoded)
        ratio = dct_ratio(tf.reduce_min(shape), side)
        return shape, decode_jpeg_scaled(encoded, ratio)

    def other() -> tuple[tf.Tensor, tf.Tensor]:
        image = decode_rgb(encoded)
        return tf.shape(image)[:2], image

    shape, image = tf.cond(tf.io.is_jpeg(encoded), jpeg, other)
    new = shorter_side_size(shape, side)
    return resize(image, new[0], new[1])


def decode_window(encoded: tf.Tensor, top: tf.Tensor | int, left: tf.Tensor | int,
                  height: tf.Tensor | int, width: tf.Tensor | int,
                  min_side: tf.Tensor | int = 1) -> tf.Tensor:
    """Decode only a window of the image (source pixels): the fused decode-and-crop op for
    JPEGs, at the largest DCT scale that keeps the window's shorter side at or above `min_side`
    (the size it is resized to next; the window moves by under one scaled pixel)."""
    def fused() -> tf.Tensor:
        with tf.control_dependencies([jpeg_shape(encoded)]):  # the size limit, before decoding
            ratio = dct_ratio(tf.minimum(height, width), min_side)
        window = tf.stack([top // ratio, left // ratio, height // ratio, width // ratio])
        return decode_jpeg_scaled(encoded, ratio, window)

    image = tf.cond(tf.io.is_jpeg(encoded), fused,
                    lambda: tf.image.crop_to_bounding_box(decode_rgb(encoded), top, left,
                                                          height, width))
    image.set_shape([None, None, 3])
    return image


def resize(image: tf.Tensor, height: tf.Tensor | int, width: tf.Tensor | int) -> tf.Tensor:
    """Bilinear; antialiased only when shrinking more than 2x, where aliasing shows (the
    antialiased kernel is about twice as slow)."""
    image = tf.cast(image, tf.float32)
    size = tf.stack([height, width])
    shrink = tf.cast(tf.shape(image)[0], tf.float32) / tf.cast(height, tf.float32)
    return tf.cond(shrink > 2.0,
                   lambda: tf.image.resize(image, size, method="bilinear", antialias=True),
                   lambda: tf.image.resize(image, size, method="bilinear"))


def shorter_side_size(shape: tf.Tensor, side: tf.Tensor | int) -> tf.Tensor:
    """(height, width) of an image of `shape` rescaled isotropically to a shorter side of `side`."""
    shape = tf.cast(shape, tf.float32)
    scale = tf.cast(side, tf.float32) / tf.reduce_min(shape)
    return tf.maximum(tf.cast(tf.round(shape * scale), tf.int32), side)


def resize_shorter(image: tf.Tensor, side: tf.Tensor | int) -> tf.Tensor:
    """Isotropic rescale so that the shorter side equals `side` (the papers' S or Q)."""
    new = shorter_side_size(tf.shape(image)[:2], side)
    return resize(image, new[0], new[1])


def uniform_int(seed: tf.Tensor, high: tf.Tensor | int) -> tf.Tensor:
    """An integer in [0, high] from a stateless seed."""
    return tf.random.stateless_uniform([], seed, 0, high + 1, dtype=tf.int32)


def crop_window_square(encoded: tf.Tensor, seed: tf.Tensor, side_fraction: tf.Tensor | float,
                       anywhere: bool, min_side: tf.Tensor | int = 1) -> tf.Tensor:
    """A random square window whose side is `side_fraction` of the shorter side, decoded at no
    fewer than `min_side` px a side (the size it is resized to next: decode_window).

    anywhere=False keeps it inside the central square (AlexNet's central 256x256);
    anywhere=True lets it fall anywhere in the image (VGG's crop of the rescaled image).
    """
    shape = image_shape(encoded)
    h, w = shape[0], shape[1]
    short = tf.minimum(h, w)
    side = tf.clip_by_value(tf.cast(tf.round(tf.cast(short, tf.float32) * side_fraction),
                                    tf.int32), 1, short)
    seeds = tf.random.experimental.stateless_split(seed, 2)
    if anywhere:
        top, left = uniform_int(seeds[0], h - side), uniform_int(seeds[1], w - side)
    else:
        top = (h - short) // 2 + uniform_int(seeds[0], short - side)
        left = (w - short) // 2 + uniform_int(seeds[1], short - side)
    return decode_window(encoded, top, left, side, side, min_side=min_side)


def random_flip(image: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    flip = tf.random.stateless_uniform([], seed) < 0.5
    return tf.cond(flip, lambda: tf.reverse(image, axis=[1]), lambda: image)


def pca_lighting(image: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """AlexNet paper 4.1: add [p1 p2 p3][a1 l1, a2 l2, a3 l3]^T to every pixel (0-255 scale),
    with ImageNet's eigenvectors p_i and eigenvalues l_i and a_i ~ N(0, 0.1)."""
    alpha = tf.random.stateless_normal([3], seed, stddev=LIGHTING_STD)
    shift = tf.linalg.matvec(tf.constant(IMAGENET_EIGVEC, tf.float32),
                             alpha * tf.constant(IMAGENET_EIGVAL, tf.float32)) * 255.0
    return image + shift


def with_mirrors(views: tf.Tensor) -> tf.Tensor:
    """The views followed by their horizontal mirrors (the papers' test-time flips)."""
    return tf.concat([views, tf.reverse(views, axis=[2])], axis=0)
