"""The JPEG-in signature's batched decoding equals the one-image-at-a-time protocol, and one bad
image of a request fails only itself."""

import struct

import numpy as np
import pytest
import tensorflow as tf

from keras_nets import get_spec
from pipelines.data import crops as pp
from pipelines.serving.saved_model import photo_like, serving_functions


@pytest.fixture(scope="module")
def served():
    model = get_spec("alexnet")(67, num_classes=3, width=0.125, fc_units=16)
    serve, _ = serving_functions(model, ["a", "b", "c"], 76, top_k=2,
                                 normalization="standardize")
    return model, serve


def bad_uploads(good):
    """What arrives from clients besides images (name -> bytes, expected valid)."""
    sof = good.find(b"\xff\xc0")  # baseline frame header: length 2, precision 1, height, width
    return {
        "jpeg magic then zeros (84 bytes)": (b"\xff\xd8\xff" + bytes(81), False),
        "text": (b"not an image at all", False),
        "empty": (b"", False),
        "header claims 30000x30000": (good[:sof + 5] + struct.pack(">HH", 30000, 30000)
                                      + good[sof + 9:], False),
        "JPEG cut after 60% (recoverable)": (good[:len(good) * 3 // 5], True),
        "JPEG cut inside its header": (good[:200], False),
    }


def test_jpeg_signature_equals_per_image_preprocessing_and_rejects_empty_requests(served):
    model, serve = served
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for h, w in ((80, 120), (150, 90))]
    requests = [tf.io.encode_jpeg(images[0]).numpy(), tf.io.encode_png(images[1]).numpy(),
                tf.io.encode_jpeg(photo_like(rng, 701, 1003)).numpy()]  # decoded at 1/8
    got = serve(tf.constant(requests))
    one_by_one = tf.stack([pp.center(tf.constant(r), 67, 76, "standardize")
                           for r in requests])
    np.testing.assert_allclose(got["probabilities"].numpy(), model(one_by_one).numpy(),
                               rtol=1e-5, atol=1e-6)
    assert got["valid"].numpy().all()
    with pytest.raises(tf.errors.InvalidArgumentError, match="the request holds no images"):
        serve(tf.constant([], tf.string))


def test_one_bad_image_fails_only_itself(served):
    model, serve = served
    rng = np.random.default_rng(1)
    good = [tf.io.encode_jpeg(photo_like(rng, 120 + 9 * i, 160)).numpy() for i in range(2)]
    bad = bad_uploads(good[0])
    request = [good[0]] + [data for data, _ in bad.values()] + [good[1]]
    out = {k: v.numpy() for k, v in serve(tf.constant(request)).items()}
    assert out["valid"].tolist() == [True] + [ok for _, ok in bad.values()] + [True]
    answered = out["valid"]
    alone = np.concatenate([serve(tf.constant([r]))["probabilities"].numpy()
                            for r, ok in zip(request, answered) if ok])
    np.testing.assert_allclose(out["probabilities"][answered], alone, rtol=1e-5, atol=1e-6)
    assert (out["probabilities"][~answered] == 0).all()
    assert (out["top_k_indices"][~answered] == -1).all()
    assert (out["top_k_scores"][~answered] == 0).all()
    assert (out["top_k_labels"][~answered] == b"").all()
    assert set(out["top_k_labels"][answered].ravel()) <= {b"a", b"b", b"c"}
    assert out["top_k_labels"].shape == (len(request), 2)
    none = serve(tf.constant([bad["text"][0], bad["empty"][0]]))  # nothing decodable at all
    assert not none["valid"].numpy().any() and none["probabilities"].shape == (2, 3)


def test_a_huge_header_is_refused_from_the_header():
    """Decoded at 1/8, a header claiming 30000x30000 would cost about a second of a core; the
    size limit refuses it before any decoding, as the full-size decoder did (no timing here: the
    message says which check refused it)."""
    good = tf.io.encode_jpeg(np.full((64, 64, 3), 90, np.uint8)).numpy()
    huge = bad_uploads(good)["header claims 30000x30000"][0]
    for protocol in (lambda e: pp.center_pixels(e, 67, 76), lambda e: pp.ten_crop(e, 67, 76),
                     lambda e: pp.central_crop(e, tf.constant([1, 2], tf.int64), 67, 76)):
        with pytest.raises(tf.errors.InvalidArgumentError, match="image too large"):
            protocol(tf.constant(huge))
