import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_nets import LocalResponseNormalization

CASES = [dict(depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75),  # the paper's
         dict(depth_radius=1, bias=1.0, alpha=1e-3, beta=0.5),
         dict(depth_radius=3, bias=2.0, alpha=2e-2, beta=0.75)]


def paper_formula(a, k=2.0, n=5, alpha=1e-4, beta=0.75):
    """AlexNet paper 3.3, transcribed literally."""
    N = a.shape[-1]
    b = np.empty_like(a)
    for i in range(N):
        lo, hi = max(0, i - n // 2), min(N - 1, i + n // 2)
        b[..., i] = a[..., i] / (k + alpha * np.sum(a[..., lo:hi + 1] ** 2, axis=-1)) ** beta
    return b


def relu_maps(seed=0):
    return np.abs(np.random.default_rng(seed).standard_normal((2, 5, 5, 13)) * 30).astype(
        "float32")


def test_equals_paper_formula():
    a = relu_maps()
    np.testing.assert_allclose(LocalResponseNormalization()(a), paper_formula(a), rtol=1e-5)


@pytest.mark.parametrize("kwargs", CASES)
def test_equals_tf_op_in_value_and_gradient(kwargs):
    layer = LocalResponseNormalization(**kwargs)
    x = tf.constant(relu_maps(1))
    weights = tf.constant(np.random.default_rng(2).standard_normal(x.shape).astype("float32"))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        ours = layer(x)
        theirs = tf.nn.local_response_normalization(x, **kwargs)
        ours_loss, theirs_loss = tf.reduce_sum(ours * weights), tf.reduce_sum(theirs * weights)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)
    np.testing.assert_allclose(tape.gradient(ours_loss, x), tape.gradient(theirs_loss, x),
                               rtol=1e-5, atol=1e-7)


def test_serializes(tmp_path):
    layer = LocalResponseNormalization(depth_radius=3, alpha=1e-3)
    clone = LocalResponseNormalization.from_config(layer.get_config())
    assert (clone.depth_radius, clone.alpha, clone.bias, clone.beta) == (3, 1e-3, 2.0, 0.75)
    model = keras.Sequential([keras.Input((4, 4, 8)), layer])
    path = str(tmp_path / "lrn.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    a = relu_maps()[:, :4, :4, :8]
    np.testing.assert_allclose(loaded(a), model(a), rtol=1e-6)


def test_rejects_negative_radius():
    with pytest.raises(ValueError):
        LocalResponseNormalization(depth_radius=-1)


def test_gradient_ops_sit_under_the_layers_name():
    """A profile (benchmarks.step_profile, TensorBoard's) counts an op to the layer whose name
    is a scope of the op's name; the hand-written gradient's ops carry it as autodiff's would,
    instead of counting as work outside the layers."""
    from benchmarks.step_profile import layer_of
    layer = LocalResponseNormalization(name="lrn1_tower0")

    @tf.function
    def gradient(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x)
        return tape.gradient(y, x)

    graph = gradient.get_concrete_function(tf.constant(relu_maps())).graph
    arithmetic = [op.name for op in graph.get_operations()
                  if op.type in ("Mul", "RealDiv", "Sub", "MatMul")]
    assert any(op.type == "Sub" for op in graph.get_operations())  # the gradient is in the graph
    assert arithmetic and all(layer_of(name, {"lrn1_tower0"}) for name in arithmetic), arithmetic
