"""benchmarks.gpu's timed training step on synthetic batches, one per Keras backend: TensorFlow
(MirroredStrategy over the GPUs, XLA on or off) and JAX (one jitted step over a mesh of the GPUs;
imports neither TensorFlow nor TensorFlow Datasets), with the machine each one runs on."""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, NamedTuple

from benchmarks.timing import seconds_per_call

if TYPE_CHECKING:
    import jax
    import tensorflow as tf


class Machine(NamedTuple):
    """What the rows run on: the device's name, its GPUs (0: the CPU), whether float32 runs
    in TF32, the framework and its version, and one training measurement for it."""
    device: str
    gpus: int
    tf32: bool
    framework: str
    measure: object  # (model, gpus, batch per device, policy, xla, steps, warmup, size, width)


def measure(model_name: str, strategy: tf.distribute.Strategy, batch_per_replica: int,
            precision: str, xla: bool, steps: int, warmup: int, input_size: int | None = None,
            width: float = 1.0) -> tuple[float, int]:
    """Training images/s and MACs per image of one configuration under TensorFlow (SGD
    momentum, cross-entropy; float16 without loss scaling: a throughput figure)."""
    import keras
    import tensorflow as tf
    from keras_nets import build_model, count_macs
    from pipelines.training.precision import fresh_session
    fresh_session(precision)
    with strategy.scope():
        model = build_model(model_name, input_size=input_size, width=width)
        optimizer = keras.optimizers.SGD(0.001, momentum=0.9)
        optimizer.build(model.trainable_variables)
    size, classes = model.input.shape[1], model.output.shape[-1]
    replicas = strategy.num_replicas_in_sync
    global_batch = batch_per_replica * replicas
    data = strategy.experimental_distribute_values_from_function(lambda ctx: (
        tf.random.normal([batch_per_replica, size, size, 3]),
        tf.random.uniform([batch_per_replica], 0, classes, tf.int32)))

    @tf.function(jit_compile=xla or None)
    def replica_step(images: tf.Tensor, labels: tf.Tensor) -> tuple[tf.Tensor, list[tf.Tensor]]:
        with tf.GradientTape() as tape:
            probs = tf.cast(model(images, training=True), tf.float32)
            loss = tf.reduce_sum(keras.losses.sparse_categorical_crossentropy(labels, probs))
            loss = loss / global_batch
        grads = tape.gradient(loss, model.trainable_variables)
        return loss, grads

    @tf.function
    def step(batch: tuple[tf.Tensor, tf.Tensor]) -> tf.Tensor:
        def run(images: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
            loss, grads = replica_step(images, labels)
            optimizer.apply(grads, model.trainable_variables)  # Keras all-reduces over replicas
            return loss
        return strategy.reduce("SUM", strategy.run(run, args=batch), axis=None)

    seconds = seconds_per_call(lambda: step(data), steps, warmup, wait=lambda loss: loss.numpy())
    macs = count_macs(model)
    keras.mixed_precision.set_global_policy("float32")
    return global_batch / seconds, macs


def measure_jax(model_name: str, devices: list, batch_per_device: int, policy: str, steps: int,
                warmup: int, input_size: int | None = None,
                width: float = 1.0) -> tuple[float, int]:
    """Training images/s and MACs per image of one configuration under JAX: the same step as
    `measure` (SGD momentum, mean cross-entropy, float16 without loss scaling) as one jitted
    function of the weights (Keras' stateless_call and stateless_apply), the global batch split
    over `devices` and the weights replicated, so that XLA all-reduces the gradients."""
    import jax
    import keras
    import numpy as np
    from jax.sharding import Mesh, NamedSharding, PartitionSpec
    from keras_nets import build_model, count_macs
    keras.utils.clear_session()
    keras.config.set_dtype_policy(policy)
    try:
        model = build_model(model_name, input_size=input_size, width=width)
    finally:
        keras.config.set_dtype_policy("float32")
    optimizer = keras.optimizers.SGD(0.001, momentum=0.9)
    optimizer.build(model.trainable_variables)
    size, classes = model.input.shape[1], model.output.shape[-1]
    mesh = Mesh(np.array(devices), ("batch",))
    replicated = NamedSharding(mesh, PartitionSpec())
    split = NamedSharding(mesh, PartitionSpec("batch"))
    global_batch = batch_per_device * len(devices)
    images = jax.device_put(jax.random.normal(jax.random.key(0), (global_batch, size, size, 3)),
                            split)
    labels = jax.device_put(jax.random.randint(jax.random.key(1), (global_batch,), 0, classes),
                            split)
    state = jax.device_put(tuple([v.value for v in variables] for variables in (
        model.trainable_variables, model.non_trainable_variables, optimizer.variables)),
        replicated)

    def loss_of(trainable: list[jax.Array], non_trainable: list[jax.Array], x: jax.Array,
                y: jax.Array) -> tuple[jax.Array, list[jax.Array]]:
        probs, non_trainable = model.stateless_call(trainable, non_trainable, x, training=True)
        probs = keras.ops.cast(probs, "float32")
        return keras.ops.mean(keras.losses.sparse_categorical_crossentropy(y, probs)), \
            non_trainable

    @functools.partial(jax.jit, donate_argnums=0)
    def step(state: tuple[list[jax.Array], list[jax.Array], list[jax.Array]], x: jax.Array,
             y: jax.Array) -> tuple[tuple[list[jax.Array], list[jax.Array], list[jax.Array]],
                                   jax.Array]:
        trainable, non_trainable, slots = state
        (loss, non_trainable), grads = jax.value_and_grad(loss_of, has_aux=True)(
            trainable, non_trainable, x, y)
        trainable, slots = optimizer.stateless_apply(slots, grads, trainable)
        return (trainable, non_trainable, slots), loss

    def call() -> jax.Array:
        nonlocal state
        state, loss = step(state, images, labels)
        return loss

    seconds = seconds_per_call(call, steps, warmup, wait=lambda loss: loss.block_until_ready())
    return global_batch / seconds, count_macs(model)


def tensorflow_machine(cpu: bool) -> Machine:
    """TensorFlow's GPUs (none with --cpu), memory grown on demand, and its measurement."""
    import tensorflow as tf
    if cpu:
        tf.config.set_visible_devices([], "GPU")  # before TensorFlow initialises its devices
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        tf.config.experimental.set_memory_growth(gpu, True)
    device = tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU") \
        if gpus else "CPU (no GPU: a check of the script, not a GPU figure)"

    def run(name: str, n: int, per: int, policy: str, xla: bool, steps: int, warmup: int,
            size: int | None, width: float) -> tuple[float, int]:
        devices = [f"/gpu:{i}" for i in range(n)] if gpus else ["/cpu:0"]
        return measure(name, tf.distribute.MirroredStrategy(devices), per, policy, xla, steps,
                       warmup, size, width)

    tf32 = bool(gpus) and tf.config.experimental.tensor_float_32_execution_enabled()
    return Machine(device, len(gpus), tf32,
                   f"TensorFlow {tf.__version__}", run)


def jax_machine(cpu: bool) -> Machine:
    """JAX's GPUs (none with --cpu, or where its CUDA plugin is missing) and its measurement;
    TF32 as JAX's default matmul precision gives it on GPUs of compute capability 8.0 and up."""
    # The PyTorch peers run after the Keras rows, in processes of their own: JAX's default grab
    # of 75% of each GPU's memory at start would leave them a quarter.
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    import jax
    gpus = [] if cpu else [d for d in jax.devices() if d.platform == "gpu"]
    devices = gpus or jax.devices("cpu")[:1]
    capability = float(getattr(gpus[0], "compute_capability", 0) or 0) if gpus else 0.0
    precision = jax.config.jax_default_matmul_precision
    tf32 = capability >= 8.0 and precision in (None, "default", "tensorfloat32", "fastest")
    device = gpus[0].device_kind if gpus else \
        "CPU (no GPU: a check of the script, not a GPU figure)"

    def run(name: str, n: int, per: int, policy: str, xla: bool, steps: int, warmup: int,
            size: int | None, width: float) -> tuple[float, int]:
        return measure_jax(name, devices[:n], per, policy, steps, warmup, size, width)

    return Machine(device, len(gpus), tf32, f"JAX {jax.__version__}", run)
