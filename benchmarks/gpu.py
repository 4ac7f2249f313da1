"""python -m benchmarks.gpu: training images/s of AlexNet and VGG16 on GPUs, for a GPU owner.

One command prints a table: every model x precision (float32, mixed) x XLA (off, on) x number
of GPUs (1..N, MirroredStrategy, batch per GPU fixed), with MFU against the device's published
dense peak (float32 runs are compared with the TF32 peak when TensorFlow uses TF32, as it does on
Ampere and later by default). Synthetic batches already on the devices: this measures the model
and the all-reduce, not the input pipeline (`--data-service` in pipelines.train is for that).
Without a GPU it runs on the CPU (tiny settings, to check the script).
"""

import argparse
import json
import sys
import time

from benchmarks.timing import seconds_per_call

# Published dense peaks in TFLOP/s (NVIDIA data sheets): FP32, TF32 tensor, FP16/BF16 tensor.
PEAKS = {
    "H200": (67.0, 494.7, 989.4),
    "H100 PCIe": (51.0, 378.0, 756.0),
    "H100": (67.0, 494.7, 989.4),  # SXM
    "A100": (19.5, 156.0, 312.0),
    "A10": (31.2, 62.5, 125.0),
    "L4": (30.3, 60.0, 121.0),
    "V100": (15.7, None, 125.0),
    "T4": (8.1, None, 65.0),
}


def published_peak(device_name, precision, tf32):
    """TFLOP/s for the device (first table name found in its name) or None."""
    for name, (fp32, tf32_peak, half) in PEAKS.items():
        if name.lower() in device_name.lower():
            if precision != "float32":
                return half
            return tf32_peak if tf32 and tf32_peak else fp32
    return None


def measure(model_name, strategy, batch_per_replica, precision, xla, steps, warmup,
            input_size=None, width=1.0):
    """Training images/s and MACs per image of one configuration (SGD momentum, cross-entropy;
    float16 without loss scaling: a throughput figure)."""
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
    def replica_step(images, labels):
        with tf.GradientTape() as tape:
            probs = tf.cast(model(images, training=True), tf.float32)
            loss = tf.reduce_sum(keras.losses.sparse_categorical_crossentropy(labels, probs))
            loss = loss / global_batch
        grads = tape.gradient(loss, model.trainable_variables)
        return loss, grads

    @tf.function
    def step(batch):
        def run(images, labels):
            loss, grads = replica_step(images, labels)
            optimizer.apply(grads, model.trainable_variables)  # Keras all-reduces over replicas
            return loss
        return strategy.reduce("SUM", strategy.run(run, args=batch), axis=None)

    seconds = seconds_per_call(lambda: step(data), steps, warmup, wait=lambda loss: loss.numpy())
    macs = count_macs(model)
    keras.mixed_precision.set_global_policy("float32")
    return global_batch / seconds, macs


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.gpu", description=__doc__)
    p.add_argument("--models", default="alexnet,vgg_d")
    p.add_argument("--batch", type=int, default=128, help="AlexNet batch per GPU")
    p.add_argument("--vgg-batch", type=int, default=32, help="VGG batch per GPU")
    p.add_argument("--gpus", default=None, help="comma-separated GPU counts (default 1..N)")
    p.add_argument("--precisions", default="float32,mixed")
    p.add_argument("--xla", default="off,on")
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--input-size", type=int, default=None, help="(CPU check: small inputs)")
    p.add_argument("--width", type=float, default=1.0, help="(CPU check: narrow nets)")
    p.add_argument("--peak-tflops", type=float, default=None,
                   help="the device's peak for MFU when it is not in the built-in table")
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    if min(args.batch, args.vgg_batch, args.steps) < 1 or args.warmup < 1:
        p.exit(2, f"{p.prog}: error: batches and steps must be >= 1\n")
    import tensorflow as tf
    from keras_nets.registry import get_spec
    try:
        for name in args.models.split(","):
            get_spec(name)
    except (KeyError, ValueError) as err:
        p.exit(2, f"{p.prog}: error: {err}\n")
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        tf.config.experimental.set_memory_growth(gpu, True)
    if gpus:
        device = tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU")
        counts = [int(c) for c in args.gpus.split(",")] if args.gpus else \
            list(range(1, len(gpus) + 1))
        if max(counts) > len(gpus) or min(counts) < 1:
            p.exit(2, f"{p.prog}: error: --gpus {args.gpus}: {len(gpus)} GPUs here\n")
    else:
        device, counts = "CPU (no GPU: a check of the script, not a GPU figure)", [1]
    tf32 = tf.config.experimental.tensor_float_32_execution_enabled()
    print(f"device: {len(gpus) or 1} x {device}; TF32 {'on' if tf32 else 'off'}; "
          f"TensorFlow {tf.__version__}", flush=True)
    print(f"{'model':<10}{'precision':<16}{'xla':<5}{'gpus':>5}{'batch':>7}{'img/s':>10}"
          f"{'img/s/gpu':>11}{'TFLOP/s':>9}{'peak':>8}{'MFU':>7}")
    rows = []
    for name in args.models.split(","):
        vgg = not get_spec(name).fixed_scale
        for precision in args.precisions.split(","):
            policy = precision if precision != "mixed" else (
                "mixed_float16" if gpus else "mixed_bfloat16")
            for xla in (x == "on" for x in args.xla.split(",")):
                for n in counts:
                    devices = [f"/gpu:{i}" for i in range(n)] if gpus else ["/cpu:0"]
                    strategy = tf.distribute.MirroredStrategy(devices)
                    per = args.vgg_batch if vgg else args.batch
                    rate, macs = measure(name, strategy, per, policy, xla, args.steps,
                                         args.warmup, args.input_size, args.width)
                    flops = 6 * macs * rate
                    peak = args.peak_tflops or published_peak(device, policy, tf32)
                    row = dict(model=name, precision=policy, xla=xla, gpus=n, batch=per * n,
                               images_per_s=rate, tflops=flops / 1e12, peak_tflops=peak,
                               mfu=flops / (n * peak * 1e12) if peak else None)
                    rows.append(row)
                    print(f"{name:<10}{policy:<16}{'on' if xla else 'off':<5}{n:>5}"
                          f"{per * n:>7}{rate:>10.1f}{rate / n:>11.1f}{flops / 1e12:>9.2f}"
                          f"{peak or float('nan'):>8.1f}"
                          f"{'' if peak is None else format(row['mfu'], '.1%'):>7}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(device=device, tf32=tf32, date=time.strftime("%F"), rows=rows), f,
                      indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
