import numpy as np
import pytest
import tensorflow as tf

from imagefiles import coordinates_image, encode, noise_image
from keras_nets import normalization as norms
from pipelines.data import image_ops as ops, crops as pp

SEED = tf.constant([3, 4], tf.int64)


def pixels(normalized):
    return np.round(np.asarray(ops.denormalize(normalized))).astype(int)


def test_train_shapes_dtypes_and_ranges():
    encoded = tf.constant(encode(noise_image(300, 200), "JPEG"))
    alex = pp.central_crop(encoded, SEED)
    vgg = pp.scale_jitter(encoded, SEED)
    assert alex.shape == (227, 227, 3) and vgg.shape == (224, 224, 3)
    lo = 0 - np.array(norms.MEAN_RGB)  # the papers' normalisation: mean RGB subtracted, 0-255 scale
    hi = 255 - np.array(norms.MEAN_RGB)
    for image in (alex, vgg):
        assert image.dtype == tf.float32
        assert (np.asarray(image) >= lo - 1e-5).all() and (np.asarray(image) <= hi + 1e-5).all()


@pytest.mark.parametrize("name", sorted(norms.NORMALIZATIONS))
def test_named_normalizations_invert_and_differ(name):
    pixels_in = tf.constant([[[0.0, 128.0, 255.0], [10.0, 20.0, 30.0]]])
    out = ops.normalize(pixels_in, name)
    np.testing.assert_allclose(ops.denormalize(out, name), pixels_in, atol=1e-3)
    mean, std, order = norms.NORMALIZATIONS[name]
    rgb = np.asarray(pixels_in)[..., ::-1] if order == "bgr" else np.asarray(pixels_in)
    np.testing.assert_allclose(out, (rgb - mean) / std, rtol=1e-5, atol=1e-4)
    others = [n for n in norms.NORMALIZATIONS if n != name]
    assert all(not np.allclose(out, ops.normalize(pixels_in, n)) for n in others)


def test_every_protocol_follows_the_normalization():
    encoded = tf.constant(encode(noise_image(300, 200), "JPEG"))
    for fn in (lambda n: pp.center(encoded, 64, 73, normalization=n),
               lambda n: pp.ten_crop(encoded, 64, 73, normalization=n),
               lambda n: pp.central_crop(encoded, SEED, 64, 73, normalization=n),
               lambda n: pp.scale_jitter(encoded, SEED, 64, 72, 96, normalization=n)):
        paper, unit = fn("mean_rgb"), fn("standardize")
        np.testing.assert_allclose(paper, unit * np.array(norms.STD_RGB), rtol=1e-4, atol=1e-2)
    with pytest.raises(ValueError, match="unknown normalization"):
        ops.normalize(tf.zeros([1, 3]), "unit")


def test_eval_protocol_shapes():
    encoded = tf.constant(encode(noise_image(300, 400), "JPEG"))
    assert pp.center(encoded, 224, 256).shape == (224, 224, 3)
    assert pp.ten_crop(encoded, 227, 256).shape == (10, 227, 227, 3)
    assert pp.full_image(encoded, 384).shape == (2, 384, 512, 3)
    assert pp.multi_crop(encoded, 256, 224).shape == (50, 224, 224, 3)


def test_ten_crop_geometry_corners_centre_and_mirrors():
    views = pixels(pp.ten_crop(tf.constant(encode(coordinates_image(256, 256))), 224, 256))
    # (column, row) of each view's top-left pixel: TL, TR, BL, BR, centre
    corners = [(0, 0), (32, 0), (0, 32), (32, 32), (16, 16)]
    for view, (x, y) in zip(views[:5], corners):
        assert tuple(view[0, 0, :2]) == (x, y)
        assert tuple(view[-1, -1, :2]) == (x + 223, y + 223)
    np.testing.assert_array_equal(views[5:], views[:5, :, ::-1])


def test_ten_crop_uses_the_central_square_of_the_rescaled_image():
    views = pixels(pp.ten_crop(tf.constant(encode(coordinates_image(256, 356))), 224, 256))
    assert tuple(views[0, 0, 0, :2]) == (50, 0)  # (356 - 256) / 2 columns cut on each side


def test_multi_crop_grid_and_mirrors():
    views = pixels(pp.multi_crop(tf.constant(encode(coordinates_image(256, 256))), 256, 224))
    tops = sorted({tuple(v[0, 0, :2]) for v in views[:25]})
    assert tops == [(x, y) for x in (0, 8, 16, 24, 32) for y in (0, 8, 16, 24, 32)]
    np.testing.assert_array_equal(views[25:], views[:25, :, ::-1])


def test_full_image_and_its_mirror():
    views = pixels(pp.full_image(tf.constant(encode(coordinates_image(256, 256))), 256))
    np.testing.assert_array_equal(views[0, :, :, :2], coordinates_image(256, 256)[..., :2])
    np.testing.assert_array_equal(views[1], views[0, :, ::-1])


def test_alexnet_crop_stays_in_the_central_square():
    image = np.full((256, 512, 3), 200, "uint8")
    image[:, :128] = image[:, -128:] = 0  # outside the central 256x256
    encoded = tf.constant(encode(image))
    for i in range(20):
        crop = pixels(pp.central_crop(encoded, tf.constant([i, 0], tf.int64),
                                                      lighting=False))
        assert crop.min() >= 195


def test_scale_jitter_bounds():
    encoded = tf.constant(encode(coordinates_image(256, 256)))
    scales = []
    for i in range(60):
        crop = pixels(pp.scale_jitter(encoded, tf.constant([i, 1], tf.int64),
                                                  flip=False, lighting=False))
        side = crop[0, -1, 0] - crop[0, 0, 0] + 1  # source columns covered by the crop
        scales.append(224 * 256 / side)
    assert min(scales) >= 256 * 0.97 and max(scales) <= 512 * 1.03
    assert max(scales) - min(scales) > 150  # actually jittered
    fixed = pixels(pp.scale_jitter(encoded, SEED, scale_min=256, scale_max=256,
                                               flip=False, lighting=False))
    assert fixed[0, -1, 0] - fixed[0, 0, 0] == 223


def test_pca_lighting_shifts_the_whole_image_by_one_vector():
    image = tf.constant(noise_image(8, 8).astype("float32") * 0.5 + 60)
    shifted = np.asarray(ops.pca_lighting(image, SEED)) - np.asarray(image)
    np.testing.assert_allclose(shifted, np.broadcast_to(shifted[0, 0], shifted.shape), atol=1e-4)
    assert np.abs(shifted[0, 0]).max() > 0.01
    other = np.asarray(ops.pca_lighting(image, tf.constant([9, 9], tf.int64))) - np.asarray(image)
    assert not np.allclose(other[0, 0], shifted[0, 0])


def test_flip_is_a_mirror():
    image = noise_image(5, 7)
    flips = [np.asarray(ops.random_flip(tf.constant(image), tf.constant([i, 0], tf.int64)))
             for i in range(16)]
    assert any((f == image).all() for f in flips)
    assert any((f == image[:, ::-1]).all() for f in flips)


@pytest.mark.parametrize("fn", [pp.central_crop, pp.scale_jitter])
def test_eager_equals_in_graph_and_seeds_repeat(fn):
    encoded = tf.constant(encode(noise_image(300, 260), "JPEG"))
    eager = fn(encoded, SEED)
    graph = tf.function(fn)(encoded, SEED)
    np.testing.assert_allclose(eager, graph, atol=1e-5)
    np.testing.assert_array_equal(fn(encoded, SEED), eager)
    assert not np.allclose(fn(encoded, tf.constant([5, 6], tf.int64)), eager)


def test_png_and_jpeg_paths_agree_on_the_crop_window():
    image = coordinates_image(256, 256)
    png = pixels(pp.center(tf.constant(encode(image)), 224, 256))
    jpeg = pixels(pp.center(tf.constant(encode(image, "JPEG", quality=100)),
                                         224, 256))
    assert np.abs(png - jpeg).mean() < 3


# DCT-scaled JPEG decoding (image_ops.dct_ratio): equal to decoding at full size, then cropping
# and resizing, within the resize tolerance below (grey levels on 0-255), on photo-like images
# (gradients plus noise) of 2000-4000 px. The two paths low-pass differently (libjpeg's reduced
# inverse DCT against an antialiased bilinear kernel), so they differ by about the images' own
# noise; docs/serving.md gives the differences measured on every path.
MEAN_TOLERANCE, P99_TOLERANCE, MAX_TOLERANCE = 1.5, 4.0, 8.0


@pytest.fixture(scope="module")
def photos():
    """Photo-like JPEGs of odd sizes, landscape and portrait."""
    from pipelines.serving.saved_model import photo_like
    rng = np.random.default_rng(7)
    return [tf.constant(tf.io.encode_jpeg(photo_like(rng, h, w), quality=92).numpy())
            for h, w in ((2001, 2999), (3203, 2311))]


def assert_close_to_full_size(scaled, full):
    scaled, full = np.asarray(scaled), np.asarray(full)
    assert scaled.shape == full.shape
    diff = np.abs(scaled - full)
    assert diff.mean() < MEAN_TOLERANCE and np.percentile(diff, 99) < P99_TOLERANCE, \
        (diff.mean(), np.percentile(diff, 99))
    assert diff.max() < MAX_TOLERANCE, diff.max()


def test_dct_ratio_is_the_largest_that_keeps_the_size():
    for side, needed, ratio in ((3024, 256, 8), (3024, 384, 4), (3024, 1000, 2),
                                (3024, 2000, 1), (2047, 256, 4), (2048, 256, 8), (100, 76, 1)):
        assert int(ops.dct_ratio(tf.constant(side), needed)) == ratio, (side, needed)


@pytest.mark.parametrize("size,scale", [(67, 76), (224, 256)])
def test_centre_crop_at_a_dct_scale_equals_full_size_decoding(photos, size, scale):
    for encoded in photos:
        image = ops.decode_rgb(encoded)
        h, w = image.shape[:2]
        side = round(min(h, w) * size / scale)
        crop = image[(h - side) // 2:(h - side) // 2 + side, (w - side) // 2:(w - side) // 2 + side]
        assert_close_to_full_size(pp.center_pixels(encoded, size, scale),
                                  ops.resize(crop, size, size))


def test_rescaled_image_at_a_dct_scale_equals_full_size_decoding(photos):
    """ten_crop, full_image and multi_crop rescale through decode_shorter: same shape as the
    full-size path (computed from the header's size), same pixels within the tolerance."""
    for encoded in photos:
        assert_close_to_full_size(ops.decode_shorter(encoded, 384),
                                  ops.resize_shorter(ops.decode_rgb(encoded), 384))


def test_training_window_at_a_dct_scale_equals_full_size_decoding(photos):
    for encoded in photos:
        top, left, side = 37, 101, 1801  # a window as the training protocols draw them
        window = ops.decode_window(encoded, top, left, side, side, min_side=224)
        assert window.shape[0] < side // 2  # decoded at a DCT scale
        full = ops.decode_rgb(encoded)[top:top + side, left:left + side]
        assert_close_to_full_size(ops.resize(window, 224, 224), ops.resize(full, 224, 224))


def test_png_keeps_the_full_size_decoding():
    image = noise_image(700, 900)
    encoded = tf.constant(encode(image))
    side = round(700 * 67 / 76)
    top, left = (700 - side) // 2, (900 - side) // 2
    full = ops.resize(image[top:top + side, left:left + side], 67, 67)
    np.testing.assert_array_equal(pp.center_pixels(encoded, 67, 76), full)
