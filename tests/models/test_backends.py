"""keras_nets runs on any Keras backend: under JAX a model builds, trains a step and saves a
.keras file that TensorFlow loads to the same outputs (and the other way round)."""

import os
import subprocess
import sys

import keras
import numpy as np
import tensorflow as tf

import keras_nets

# Run under KERAS_BACKEND=jax in a fresh process (the backend is fixed at import).
UNDER_JAX = r"""
import sys
import keras, numpy as np
import keras_nets
assert keras.backend.backend() == "jax", keras.backend.backend()
out = sys.argv[1]
x = np.random.default_rng(0).uniform(-1, 1, (4, 67, 67, 3)).astype("float32")
for name, size in (("alexnet", 67), ("vgg_a_lrn", 32)):
    model = keras_nets.build_model(name, size, width=0.0625, fc_units=16, num_classes=3)
    model.preprocessing = keras_nets.get_spec(name).preprocessing(size, class_names="abc")
    model.compile(keras.optimizers.SGD(0.01), "sparse_categorical_crossentropy")
    before = [np.array(w) for w in model.trainable_weights]
    model.fit(x[..., :size, :size, :], np.array([0, 1, 2, 0]), epochs=1, verbose=0)
    moved = sum(float(np.abs(np.array(w) - b).max()) > 0
                for w, b in zip(model.trainable_weights, before))
    assert moved == len(before), (name, moved, len(before))
    model.save(f"{out}/{name}_jax.keras")
    np.save(f"{out}/{name}_jax.npy", np.asarray(model(x[..., :size, :size, :])))
    from_tf = keras.saving.load_model(f"{out}/{name}_tf.keras", safe_mode=True)
    np.save(f"{out}/{name}_tf_under_jax.npy", np.asarray(from_tf(x[..., :size, :size, :])))
# The LRN's own gradient (keras.ops.custom_gradient) under JAX.
import jax
lrn = keras_nets.LocalResponseNormalization(depth_radius=2, bias=2.0, alpha=1e-3, beta=0.75)
a, w = np.load(f"{out}/lrn_in.npy"), np.load(f"{out}/lrn_weights.npy")
np.save(f"{out}/lrn_grad_jax.npy", np.asarray(jax.grad(lambda v: (lrn(v) * w).sum())(a)))
print("OK")
"""


def test_models_train_under_jax_and_round_trip_with_tensorflow(tmp_path):
    x = np.random.default_rng(0).uniform(-1, 1, (4, 67, 67, 3)).astype("float32")
    tf_outputs = {}
    for name, size in (("alexnet", 67), ("vgg_a_lrn", 32)):
        model = keras_nets.build_model(name, size, width=0.0625, fc_units=16, num_classes=3)
        model.save(str(tmp_path / f"{name}_tf.keras"))
        tf_outputs[name] = np.asarray(model(x[..., :size, :size, :]))
    rng = np.random.default_rng(1)
    lrn_in = np.abs(rng.standard_normal((2, 5, 5, 13)) * 30).astype("float32")
    lrn_weights = rng.standard_normal(lrn_in.shape).astype("float32")
    np.save(tmp_path / "lrn_in.npy", lrn_in)
    np.save(tmp_path / "lrn_weights.npy", lrn_weights)
    env = dict(os.environ, KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="3",
               JAX_PLATFORMS="cpu")
    result = subprocess.run([sys.executable, "-c", UNDER_JAX, str(tmp_path)], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and "OK" in result.stdout, result.stderr[-3000:]
    x_lrn = tf.constant(lrn_in)
    with tf.GradientTape() as tape:  # TensorFlow's own LRN kernel, the independent reference
        tape.watch(x_lrn)
        loss = tf.reduce_sum(tf.nn.local_response_normalization(
            x_lrn, depth_radius=2, bias=2.0, alpha=1e-3, beta=0.75) * lrn_weights)
    np.testing.assert_allclose(np.load(tmp_path / "lrn_grad_jax.npy"),
                               tape.gradient(loss, x_lrn), rtol=1e-4, atol=1e-6)
    for name, size in (("alexnet", 67), ("vgg_a_lrn", 32)):
        # TensorFlow's file under JAX: the same outputs.
        np.testing.assert_allclose(np.load(tmp_path / f"{name}_tf_under_jax.npy"),
                                   tf_outputs[name], atol=1e-5)
        # JAX's trained file under TensorFlow: the same outputs, and its preprocessing.
        loaded = keras.saving.load_model(str(tmp_path / f"{name}_jax.keras"), safe_mode=True)
        assert isinstance(loaded, keras_nets.ImageClassifier)
        assert loaded.preprocessing.class_names == ("a", "b", "c")
        np.testing.assert_allclose(np.asarray(loaded(x[..., :size, :size, :])),
                                   np.load(tmp_path / f"{name}_jax.npy"), atol=1e-5)
