"""Checks every model of the zoo passes (in the style of keras-hub's TestCase)."""

import numpy as np
import keras
import tensorflow as tf


def check_model(model, x, tmp_path, atol=1e-5):
    """Config round-trip, .keras save/load under safe_mode, arrays vs dataset predict."""
    expected = model.predict(x, verbose=0)

    clone = keras.Model.from_config(model.get_config())
    assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]

    path = str(tmp_path / f"{model.name}.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, atol=atol, rtol=1e-5)

    dataset = tf.data.Dataset.from_tensor_slices(x).batch(2)
    np.testing.assert_allclose(model.predict(dataset, verbose=0), expected, atol=atol, rtol=1e-5)
    assert np.isfinite(expected).all()
    return expected


def check_gradients(model, x, labels):
    """Every trainable variable receives a finite, non-zero gradient."""
    with tf.GradientTape() as tape:
        out = model(x, training=True)
        loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels, out))
    grads = tape.gradient(loss, model.trainable_variables)
    for var, grad in zip(model.trainable_variables, grads):
        assert grad is not None, var.path
        g = np.asarray(grad)
        assert np.isfinite(g).all(), var.path
        assert np.abs(g).max() > 0, var.path
