"""python -m benchmarks.step_profile: where a training step's time goes, from TensorFlow's
profiler. Times the ops of a few training steps (SGD with momentum, the trainer's compiled
updates, random data) and prints their time by kind of layer (convolution, LRN, dense, pooling,
...; "outside the layers" is mostly the optimizer update) and, per convolution and dense layer
(towers merged), the forward and backward time and the GFLOP/s each reaches, next to a 3x3 conv
probe of the same run. One inter-op thread by default: with two, the two towers' ops run side by
side and each op's time then includes waiting for the other's threads."""

from __future__ import annotations

import argparse
import collections
import glob
import re
import sys
import tempfile
import time
from collections.abc import Container
from typing import TYPE_CHECKING

from keras_nets.registry import SPECS

if TYPE_CHECKING:
    import keras

HEAVY_OP = re.compile(r"Conv2D|MatMul")  # each does the layer's forward MACs once


def layer_of(op_name: str, layer_names: Container[str]) -> str | None:
    """The model layer an op belongs to, from the name scopes in its name ('gradient_tape/
    alexnet_1/conv2_tower1_1/convolution/Conv2DBackpropFilter' -> 'conv2_tower1'), else None."""
    for scope in op_name.split("/")[:-1]:
        for name in (scope, re.sub(r"_\d+$", "", scope)):
            if name in layer_names:
                return name
    return None


def op_times(xspace_bytes: bytes, steps: int) -> dict[str, tuple[str, float]]:
    """{op name: (op type, ms per step)} of the TensorFlow ops in a profiler XSpace."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2
    space = xplane_pb2.XSpace()
    space.ParseFromString(xspace_bytes)
    times, types = collections.Counter(), {}
    for plane in space.planes:
        names = {key: meta.name for key, meta in plane.event_metadata.items()}
        for line in plane.lines:
            if not line.name.startswith("tf_Compute"):
                continue
            for event in line.events:
                name, _, kind = names.get(event.metadata_id, "").partition(":")
                # (XLA's fused kernels, e.g. the compiled updates, have no ':type')
                if not name.startswith(("ExecutorState", "CpuExecutable")):
                    times[name] += event.duration_ps / 1e9 / steps
                    types[name] = kind
    return {name: (types[name], ms) for name, ms in times.items()}


def breakdown(ops: dict[str, tuple[str, float]], model: keras.Model
              ) -> tuple[collections.Counter[str], dict[str, dict[str, list[float]]]]:
    """(ms per kind of layer, {paper layer: {direction: [ms, FLOPs per image]}}) of op_times'
    result; a direction's FLOPs add up the layer's forward FLOPs once per convolution or matmul
    op (a backward pass has one for the kernel's gradient and, but for the first layer, one for
    the input's)."""
    from keras_nets.counting import layer_macs
    layers = {layer.name: layer for layer in model.layers}
    paper = lambda name: re.sub(r"_tower\d+$", "", name)
    kinds, heavy = collections.Counter(), collections.defaultdict(
        lambda: {"forward": [0.0, 0], "backward": [0.0, 0]})
    for name, (kind, ms) in ops.items():
        owner = layer_of(name, layers)
        if owner is None:
            kinds["outside the layers"] += ms
            continue
        kinds[type(layers[owner]).__name__] += ms
        if HEAVY_OP.search(kind) and layer_macs(layers[owner]):
            entry = heavy[paper(owner)]["backward" if "gradient" in name else "forward"]
            entry[0] += ms
            entry[1] += 2 * layer_macs(layers[owner])  # FLOPs per image
    order = [paper(layer.name) for layer in model.layers]
    return kinds, dict(sorted(heavy.items(), key=lambda item: order.index(item[0])))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.step_profile", description=__doc__)
    p.add_argument("--model", default="alexnet", choices=tuple(SPECS), metavar="MODEL",
                   help=f"one of {', '.join(SPECS)} (default alexnet)")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--input-size", type=int, default=None, help="default: the paper's")
    p.add_argument("--steps", type=int, default=3, help="profiled steps")
    p.add_argument("--inter-op-threads", type=int, default=1)
    p.add_argument("--precision", default="float32", choices=("float32", "bfloat16"),
                   help="bfloat16: Keras' mixed_bfloat16 policy")
    args = p.parse_args(argv)
    if min(args.batch, args.steps, args.inter_op_threads) < 1:
        p.exit(2, f"{p.prog}: error: batch, steps and inter-op-threads must be >= 1\n")
    import tensorflow as tf
    try:
        from tensorflow.tsl.profiler.protobuf import xplane_pb2  # noqa: F401
    except ImportError:
        p.exit(2, f"{p.prog}: error: this TensorFlow has no profiler protobufs to read\n")
    try:
        tf.config.threading.set_inter_op_parallelism_threads(args.inter_op_threads)
    except RuntimeError:  # TensorFlow already runs in this process (a caller's): keep its setting
        pass
    threads = tf.config.threading.get_inter_op_parallelism_threads() or "default"
    from benchmarks.timing import cpu_description, peak_flops
    from benchmarks.train_throughput import keras_steps
    from keras_nets import build_model, count_macs
    from pipelines.training.precision import POLICIES, fresh_session
    peak = peak_flops(3, args.precision)["conv3x3"]
    fresh_session(POLICIES[args.precision])
    model = build_model(args.model, input_size=args.input_size)
    train, _ = keras_steps(model, args.batch, False)
    for _ in range(2):
        train()
    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        start = time.perf_counter()
        for _ in range(args.steps):
            train()
        step_s = (time.perf_counter() - start) / args.steps
        tf.profiler.experimental.stop()
        with open(glob.glob(f"{logdir}/**/*.xplane.pb", recursive=True)[0], "rb") as f:
            ops = op_times(f.read(), args.steps)
    kinds, heavy = breakdown(ops, model)
    total = sum(kinds.values())
    size = model.input.shape[1]
    print(f"device: {cpu_description()}; 3x3 conv probe {peak / 1e9:.1f} GFLOP/s in "
          f"{args.precision}")
    print(f"{args.model}, {size} px, batch {args.batch}, {args.precision}, inter-op threads "
          f"{threads}: "
          f"{step_s:.3f} s per profiled step ({args.batch / step_s:.1f} img/s, "
          f"{6 * count_macs(model) * args.batch / step_s / 1e9:.1f} GFLOP/s); ops "
          f"{total / 1e3:.3f} s")
    for kind, ms in kinds.most_common():
        print(f"  {kind:<28}{ms:9.1f} ms {ms / total:6.1%}")
    width = max(map(len, heavy), default=5) + 2
    print(f"{'layer':<{width}}{'forward ms':>11}{'GFLOP/s':>9}{'backward ms':>13}{'GFLOP/s':>9}")
    for name, parts in heavy.items():
        # One decimal: an FC layer at a small batch is memory-bound; its rate would round to 0.
        cells = "".join(f"{ms:>{w}.1f}{flops * args.batch / ms / 1e6 if ms else 0:>9.1f}"
                        for (ms, flops), w in zip(parts.values(), (11, 13)))
        print(f"{name:<{width}}{cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
