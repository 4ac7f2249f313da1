import keras
import numpy as np
import tensorflow as tf

from keras_nets import TopKError, paper_objective, paper_sgd


def tiny_model():
    return keras.Sequential([keras.Input((6,)), keras.layers.Dense(5, activation="relu"),
                             keras.layers.Dense(3, activation="softmax")])


def test_sgd_with_weight_decay_is_the_papers_update():
    """v <- 0.9 v - 0.0005 lr w - lr grad ; w <- w + v (AlexNet paper 5), step by step."""
    model, lr, wd = tiny_model(), 0.05, 5e-4
    optimizer = paper_sgd(lr)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 6)).astype("float32")
    y = rng.integers(0, 3, 8)
    w = [np.asarray(v).astype("float64") for v in model.trainable_variables]
    velocity = [np.zeros_like(v) for v in w]
    decayed = [not v.path.endswith("bias") for v in model.trainable_variables]
    for _ in range(4):
        with tf.GradientTape() as tape:
            ce = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, model(x)))
        ce_grads = [np.asarray(g) for g in tape.gradient(ce, model.trainable_variables)]
        with tf.GradientTape() as tape:
            loss = paper_objective(model, y, model(x), weight_decay=wd)
        optimizer.apply(tape.gradient(loss, model.trainable_variables),
                        model.trainable_variables)
        for i, g in enumerate(ce_grads):
            decay = wd * lr * w[i] if decayed[i] else 0.0
            velocity[i] = 0.9 * velocity[i] - decay - lr * g
            w[i] = w[i] + velocity[i]
        for ours, expected in zip(model.trainable_variables, w):
            np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-7)


def test_objective_value_and_replica_scaling():
    model = tiny_model()
    y = np.array([0, 2])
    out = model(np.ones((2, 6), "float32"))
    ce = np.mean(keras.losses.sparse_categorical_crossentropy(y, out))
    kernels = [v for v in model.trainable_variables if v.path.endswith("kernel")]
    penalty = 0.5 * 5e-4 * sum(np.sum(np.square(v)) for v in kernels)
    np.testing.assert_allclose(paper_objective(model, y, out), ce + penalty, rtol=1e-6)
    half = paper_objective(model, y, out, global_batch_size=4, num_replicas=2)
    np.testing.assert_allclose(half, ce / 2 + penalty / 2, rtol=1e-6)


def test_top_k_error():
    probs = np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3], [0.2, 0.3, 0.5]], "float32")
    labels = np.array([1, 2, 0])
    top1, top2 = TopKError(1), TopKError(2)
    top1.update_state(labels, probs)
    top2.update_state(labels, probs)
    np.testing.assert_allclose(top1.result(), 2 / 3, rtol=1e-6)
    np.testing.assert_allclose(top2.result(), 1 / 3, rtol=1e-6)
    assert top1.name == "top1_error"
    clone = TopKError.from_config(top2.get_config())
    assert clone.k == 2
