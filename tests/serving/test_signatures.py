"""The JPEG-in signature's batched decoding equals the one-image-at-a-time protocol."""

import numpy as np
import pytest
import tensorflow as tf

from keras_nets import get_spec
from keras_nets import normalization as norms
from pipelines.data import image_ops as ops, protocols as pp
from pipelines.serving.export import serving_functions


def test_jpeg_signature_equals_per_image_preprocessing_and_rejects_empty_requests():
    model = get_spec("alexnet")(67, num_classes=3, width=0.125, fc_units=16)
    serve, _ = serving_functions(model, ["a", "b", "c"], 76, normalization="standardize")
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for h, w in ((80, 120), (150, 90))]
    requests = [tf.io.encode_jpeg(images[0]).numpy(), tf.io.encode_png(images[1]).numpy()]
    got = serve(tf.constant(requests))["probabilities"].numpy()
    one_by_one = tf.stack([pp.center(tf.constant(r), 67, 76, "standardize")
                           for r in requests])
    np.testing.assert_allclose(got, model(one_by_one).numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(tf.errors.InvalidArgumentError, match="the request holds no images"):
        serve(tf.constant([], tf.string))
