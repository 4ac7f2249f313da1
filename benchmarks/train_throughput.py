"""python -m benchmarks.train_throughput: training and inference images/s per model, achieved
FLOP/s (project MAC counter: 2 FLOPs per MAC, training = 3x forward) and its fraction of the
machine's peak in the row's precision, measured in the same run; keras.applications and
torchvision side by side."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from benchmarks import results_schema
from benchmarks.cells import batch, is_number, joined, machine, number, xla
from benchmarks.timing import cpu_description, peak_flops, seconds_per_call
from benchmarks.torchvision_peer import TORCHVISION_ALEXNET_MACS, torch_case
from keras_nets.registry import SPECS, get_spec

if TYPE_CHECKING:
    import keras
    import tensorflow as tf

ALL = tuple(SPECS)


def keras_steps(model: keras.Model, batch: int, xla: bool, compiled_updates: bool = True
                ) -> tuple[Callable[[], object], Callable[[], object]]:
    """(train, infer): one training step (SGD with momentum, cross-entropy, random data) and one
    inference batch of a Keras model, each waiting for its result.
    compiled_updates: the optimizer as the trainer runs it (pipelines.training.optimizer
    .compile_updates); False: Keras' own update ops, as a user of keras.applications runs it."""
    import keras
    import tensorflow as tf
    from pipelines.training.optimizer import compile_updates
    size = model.input.shape[1]
    classes = model.output.shape[-1]
    x = tf.random.normal([batch, size, size, 3])
    y = tf.random.uniform([batch], 0, classes, tf.int32)
    optimizer = keras.optimizers.SGD(0.001, momentum=0.9)
    if compiled_updates:
        compile_updates(optimizer)
    optimizer.build(model.trainable_variables)

    @tf.function(jit_compile=xla)
    def train() -> tf.Tensor:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(
                y, model(x, training=True)))
        optimizer.apply(tape.gradient(loss, model.trainable_variables),
                        model.trainable_variables)
        return loss

    infer = tf.function(lambda: model(x, training=False), jit_compile=xla)
    return (lambda: train().numpy()), (lambda: infer().numpy())


def keras_case(model: keras.Model, batch: int, steps: int, xla: bool,
               compiled_updates: bool = True) -> tuple[float, float]:
    """(train s/step, inference s/step) of keras_steps after warm-up."""
    train, infer = keras_steps(model, batch, xla, compiled_updates)
    return seconds_per_call(train, steps), seconds_per_call(infer, steps)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.train_throughput", description=__doc__)
    p.add_argument("--models", default="alexnet,alexnet_one_tower,vgg_d",
                   help=f"comma-separated from {', '.join(ALL)} or 'all'")
    p.add_argument("--batch", type=int, default=64, help="AlexNet batch")
    p.add_argument("--vgg-batch", type=int, default=8)
    p.add_argument("--vgg-input-size", type=int, default=224)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--xla", default="both", choices=("off", "on", "both"))
    p.add_argument("--precisions", default="float32",
                   help="comma-separated from float32, bfloat16, float16 (the mixed policies "
                        "of pipelines.train --precision)")
    p.add_argument("--no-peers", action="store_true")
    p.add_argument("--json", default="benchmark_results.json")
    args = p.parse_args(argv)
    models = ALL if args.models == "all" else tuple(args.models.split(","))
    unknown = [m for m in models if m not in ALL]
    if unknown:
        p.exit(2, f"{p.prog}: error: unknown models {unknown}\n")
    from pipelines.training.precision import POLICIES, fresh_session
    precisions = args.precisions.split(",")
    if not precisions or [x for x in precisions if x not in POLICIES]:
        p.exit(2, f"{p.prog}: error: --precisions: choose from {', '.join(POLICIES)}\n")
    import keras
    import tensorflow as tf
    from keras_nets import build_model, count_macs
    threads = tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count()
    gpu = bool(tf.config.list_physical_devices("GPU"))
    device = tf.config.experimental.get_device_details(
        tf.config.list_physical_devices("GPU")[0]).get("device_name") if gpu else \
        cpu_description()
    peaks = probes(precisions, max(args.steps, 3))
    peak = peaks["float32"]
    for policy, probe in peaks.items():
        print(f"device: {device}; peak in {policy}: matmul {probe['matmul'] / 1e9:.1f} "
              f"GFLOP/s, 3x3 conv {probe['conv3x3'] / 1e9:.1f} GFLOP/s", flush=True)
    xlas = {"off": (False,), "on": (True,), "both": (False, True)}[args.xla]
    policies = [POLICIES[x] for x in precisions]
    cases = []
    for name in models:
        vgg = not get_spec(name).fixed_scale
        size = args.vgg_input_size if vgg else None
        cases.append((name, "keras-nets", lambda n=name, s=size: build_model(n, input_size=s),
                      args.vgg_batch if vgg else args.batch))
    if not args.no_peers:
        for name, fn in (("VGG16", "VGG16"), ("VGG19", "VGG19")):
            if any(m in models for m in ("vgg_d", "vgg_e")):
                cases.append((name, "keras.applications", lambda fn=fn: getattr(
                    keras.applications, fn)(weights=None, input_shape=(
                        args.vgg_input_size, args.vgg_input_size, 3)), args.vgg_batch))
    rows = []
    header = (f"{'model':<20}{'impl':<20}{'prec':<16}{'xla':<5}{'batch':>6}{'train img/s':>12}"
              f"{'infer img/s':>12}{'train GFLOP/s':>14}{'MFU conv':>9}")
    print(header)
    for name, impl, make, batch in cases:
        for policy in policies:
            for xla in xlas:
                fresh_session(policy)
                model = make()
                macs = count_macs(model)
                train_s, infer_s = keras_case(model, batch, args.steps, xla,
                                              compiled_updates=impl == "keras-nets")
                rows.append(_row(name, impl, policy, xla, batch, model.input.shape[1], macs,
                                 train_s, infer_s, peaks[policy]))
                _print(rows[-1])
                del model
    keras.mixed_precision.set_global_policy("float32")
    if not args.no_peers:
        peers = [("alexnet", args.batch, 224, TORCHVISION_ALEXNET_MACS)]
        if any(not get_spec(m).fixed_scale for m in models):
            peers.append(("vgg16", args.vgg_batch, args.vgg_input_size,
                          count_macs(build_model("vgg_d", input_size=args.vgg_input_size))))
        for tv, batch, size, macs in peers:
            times = torch_case(tv, batch, size, args.steps, threads)
            if times is None:
                print("torchvision: not installed (pip install -e '.[bench]'); skipped")
                break
            rows.append(_row(tv, "torchvision", "float32", False, batch, size, macs, *times,
                             peak))
            _print(rows[-1])
    result = {"date": time.strftime("%Y-%m-%d"), "device": device, "threads": threads,
              "peak_flops": peak, "peak_flops_by_precision": peaks, "rows": rows}
    results_schema.write(args.json, benchmark="benchmarks.train_throughput", machine=device,
                         date=result["date"], rows=table_rows(result), order=ORDER, data=result)
    print(f"wrote {args.json}")
    return 0


def probes(precisions: Sequence[str], calls: int) -> dict[str, dict[str, float]]:
    """{policy: peak_flops in that precision} for the precisions asked for and float32 (the
    torchvision rows' and the report's). Each row's MFU is set against its own precision's
    probe: bfloat16 on AMX multiplies several times faster than float32, so a float32 peak
    would flatter a bfloat16 step."""
    from pipelines.training.precision import POLICIES
    return {policy: peak_flops(calls, precision) for precision, policy in POLICIES.items()
            if precision in (*precisions, "float32")}


def _row(name: str, impl: str, policy: str, xla: bool, batch: int, size: int, macs: int,
         train_s: float, infer_s: float, peak: dict[str, float]) -> dict[str, Any]:
    """One result; MFU against `peak`, the probes of the row's own precision."""
    train_flops = 3 * 2 * macs * batch / train_s
    return dict(model=name, impl=impl, precision=policy, xla=xla, batch=batch, input_size=size,
                macs=macs, train_images_per_s=batch / train_s,
                infer_images_per_s=batch / infer_s, train_flops=train_flops,
                infer_flops=2 * macs * batch / infer_s,
                mfu_conv=train_flops / peak["conv3x3"], mfu_matmul=train_flops / peak["matmul"])


ORDER = 0  # the report's first rows: the models' own speed


def table_rows(data: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The report's rows (run, figure, setting, machine) of a result of main: one per row that
    holds a training rate."""
    rows = []
    for row in data["rows"]:
        if not is_number(row.get("train_images_per_s")):
            continue
        figure = f"train {number(row['train_images_per_s'])} img/s"
        if is_number(row.get("infer_images_per_s")):
            figure += f", inference {number(row['infer_images_per_s'])} img/s"
        if is_number(row.get("mfu_conv")):
            figure += f", MFU {100 * row['mfu_conv']:.0f}% of the 3x3 conv peak"
        setting = joined(row.get("precision"), batch(row),
                         f"{row['input_size']} px" if row.get("input_size") else None, xla(row))
        run = f"`{row.get('model', '?')}` ({row.get('impl', '?')})"
        rows.append((run, figure, setting, machine(row, data)))
    return rows


def _print(r: dict[str, Any]) -> None:
    print(f"{r['model']:<20}{r['impl']:<20}{r['precision']:<16}{str(r['xla']):<5}"
          f"{r['batch']:>6}{r['train_images_per_s']:>12.2f}{r['infer_images_per_s']:>12.2f}"
          f"{r['train_flops'] / 1e9:>14.1f}{r['mfu_conv']:>9.0%}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
