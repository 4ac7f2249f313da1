"""python -m benchmarks.gpu: training images/s of AlexNet and VGG16 on GPUs, for a GPU owner.

One command prints a table: every model x precision (float32, mixed) x XLA (off, on) x number
of GPUs (1..N, batch per GPU fixed), with MFU against the device's published dense peak
(float32 runs are compared with the TF32 peak when the framework uses TF32, as TensorFlow and
JAX do on Ampere and later by default). Synthetic batches already on the devices: this measures
the model and the all-reduce, not the input pipeline (`--data-service` in pipelines.train is for
that). Without a GPU, or with --cpu, it runs on the CPU (tiny settings, to check the script).

Keras' backend chooses the framework: TensorFlow (MirroredStrategy over the GPUs; XLA on or off),
or JAX (`KERAS_BACKEND=jax`: one jitted step over a mesh of the GPUs, the batch split across
them and the weights replicated; every step is XLA-compiled, so XLA is always on). The JAX path
imports neither TensorFlow nor TensorFlow Datasets: it runs where TensorFlow is not installed.

Beside each model, its PyTorch peers on one device, each in a process of its own (one framework
per process, each with its own GPU memory), with the same TF32 setting: torchvision's network
(for AlexNet its single-tower 64-192-384-256-256 variant, 224 px) and, for AlexNet, the same
two-tower net in PyTorch (benchmarks.torch_alexnet: grouped convolutions, LRN per tower, 227 px),
the fair comparison. Skipped when torch (or torchvision) is not installed, or with --no-peers.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from benchmarks import results_schema
from benchmarks.cells import batch, is_number, joined, machine as machine_cell, number, xla
from benchmarks.gpu_step import Machine, jax_machine, tensorflow_machine
from benchmarks.torchvision_peer import run_torch

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
# Each model's PyTorch peers (benchmarks.torch_alexnet's names) and the side they train at.
PEERS = {"alexnet": (("alexnet", 224), ("alexnet_two_tower", 227)),
         "vgg_a": (("vgg11", 224),), "vgg_b": (("vgg13", 224),), "vgg_d": (("vgg16", 224),),
         "vgg_e": (("vgg19", 224),)}


def published_peak(device_name: str, precision: str, tf32: bool) -> float | None:
    """TFLOP/s for the device (first table name found in its name) or None."""
    for name, (fp32, tf32_peak, half) in PEAKS.items():
        if name.lower() in device_name.lower():
            if precision != "float32":
                return half
            return tf32_peak if tf32 and tf32_peak else fp32
    return None


def peer_rows(model: str, machine: Machine, args: argparse.Namespace) -> list[dict]:
    """The PyTorch peers of `model` (PEERS) on one device, each precision of args, measured in
    processes of their own; peers whose package is not installed are left out."""
    rows = []
    per = args.vgg_batch if model.startswith("vgg") else args.batch
    for name, side in PEERS.get(model, ()):
        size = args.input_size or side
        for precision in args.precisions.split(","):
            torch_precision = "float32" if precision == "float32" else "mixed"
            result = run_torch(
                ["-m", "benchmarks.torch_alexnet", name, "--batch", str(per), "--input-size",
                 str(size), "--width", str(args.width), "--steps", str(args.steps), "--warmup",
                 str(args.warmup), "--device", "cuda" if machine.gpus else "cpu", "--precision",
                 torch_precision] + (["--tf32"] if machine.tf32 else []), f"PyTorch {name}")
            if result is None:
                print(f"{name + ' (torch)':<26}(torch or torchvision is not installed)")
                break
            half = "float16" if machine.gpus else "bfloat16"
            rows.append(dict(model=name, framework=f"torch {result['torch']}", input_size=size,
                             precision="float32" if torch_precision == "float32"
                             else f"autocast_{half}", xla=False, gpus=1, batch=per,
                             images_per_s=result["images_per_s"], macs=result["macs"]))
            print_row(rows[-1], machine, args.peak_tflops)
    return rows


def print_row(row: dict, machine: Machine, peak_tflops: float | None) -> None:
    """One line of the table; adds tflops, peak_tflops and mfu to `row`."""
    n, rate = row["gpus"], row["images_per_s"]
    flops = 6 * row.pop("macs") * rate
    peak = peak_tflops or published_peak(machine.device, row["precision"], machine.tf32)
    row.update(tflops=flops / 1e12, peak_tflops=peak,
               mfu=flops / (n * peak * 1e12) if peak else None)
    name = row["model"] + (" (torch)" if row.get("framework", "").startswith("torch") else "")
    print(f"{name:<26}{row['precision']:<18}{'on' if row['xla'] else 'off':<5}{n:>5}"
          f"{row['batch']:>7}{rate:>10.1f}{rate / n:>11.1f}{flops / 1e12:>9.2f}"
          f"{peak or float('nan'):>8.1f}"
          f"{'' if peak is None else format(row['mfu'], '.1%'):>7}", flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.gpu", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default="alexnet,vgg_d")
    p.add_argument("--batch", type=int, default=128, help="AlexNet batch per GPU")
    p.add_argument("--vgg-batch", type=int, default=32, help="VGG batch per GPU")
    p.add_argument("--gpus", default=None, help="comma-separated GPU counts (default 1..N)")
    p.add_argument("--precisions", default="float32,mixed")
    p.add_argument("--xla", default="off,on", help="TensorFlow only: JAX always compiles")
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--input-size", type=int, default=None, help="(CPU check: small inputs)")
    p.add_argument("--width", type=float, default=1.0, help="(CPU check: narrow nets)")
    p.add_argument("--cpu", action="store_true",
                   help="run on the CPU even where there are GPUs (a check of the script)")
    p.add_argument("--no-peers", dest="peers", action="store_false",
                   help="leave out the PyTorch peers")
    p.add_argument("--peak-tflops", type=float, default=None,
                   help="the device's peak for MFU when it is not in the built-in table")
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    if min(args.batch, args.vgg_batch, args.steps) < 1 or args.warmup < 1:
        p.exit(2, f"{p.prog}: error: batches and steps must be >= 1\n")
    import keras
    from keras_nets.registry import get_spec
    try:
        models = [get_spec(name).name for name in args.models.split(",")]
    except (KeyError, ValueError) as err:
        p.exit(2, f"{p.prog}: error: {err}\n")
    backend = keras.backend.backend()
    if backend not in ("tensorflow", "jax"):
        p.exit(2, f"{p.prog}: error: Keras backend {backend!r}: tensorflow or jax\n")
    machine = (jax_machine if backend == "jax" else tensorflow_machine)(args.cpu)
    counts = [1]
    if machine.gpus:
        counts = [int(c) for c in args.gpus.split(",")] if args.gpus else \
            list(range(1, machine.gpus + 1))
        if max(counts) > machine.gpus or min(counts) < 1:
            p.exit(2, f"{p.prog}: error: --gpus {args.gpus}: {machine.gpus} GPUs here\n")
    xlas = [x == "on" for x in args.xla.split(",")] if backend == "tensorflow" else [True]
    print(f"device: {machine.gpus or 1} x {machine.device}; TF32 "
          f"{'on' if machine.tf32 else 'off'}; {machine.framework} (Keras backend {backend})",
          flush=True)
    print(f"{'model':<26}{'precision':<18}{'xla':<5}{'gpus':>5}{'batch':>7}{'img/s':>10}"
          f"{'img/s/gpu':>11}{'TFLOP/s':>9}{'peak':>8}{'MFU':>7}")
    rows, peers = [], []
    for name in models:
        vgg = not get_spec(name).fixed_scale
        for precision in args.precisions.split(","):
            policy = precision if precision != "mixed" else (
                "mixed_float16" if machine.gpus else "mixed_bfloat16")
            for xla in xlas:
                for n in counts:
                    per = args.vgg_batch if vgg else args.batch
                    rate, macs = machine.measure(name, n, per, policy, xla, args.steps,
                                                 args.warmup, args.input_size, args.width)
                    rows.append(dict(model=name, precision=policy, xla=xla, gpus=n,
                                     batch=per * n, images_per_s=rate, macs=macs))
                    print_row(rows[-1], machine, args.peak_tflops)
        if args.peers:
            peers += peer_rows(name, machine, args)
    if args.json:
        data = dict(device=machine.device, tf32=machine.tf32, backend=backend,
                    framework=machine.framework, date=time.strftime("%F"), rows=rows, peers=peers)
        results_schema.write(args.json, benchmark="benchmarks.gpu", machine=machine.device,
                             date=data["date"], rows=table_rows(data), order=ORDER, data=data)
    return 0


ORDER = 1  # the report's rows after benchmarks.train_throughput's


def table_rows(data: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The report's rows (run, figure, setting, machine) of a result of main: keras-nets' rows,
    then its PyTorch peers' of the same run."""
    rows = []
    for peer, row in [(False, r) for r in data["rows"]] + [(True, r) for r in data["peers"]]:
        if not is_number(row.get("images_per_s")):
            continue
        who = f"PyTorch peer, {row.get('framework')}" if peer else "keras-nets"
        figure = f"train {number(row['images_per_s'])} img/s"
        if is_number(row.get("tflops")):
            figure += f", {row['tflops']:.2f} TFLOP/s"
        if is_number(row.get("mfu")):
            figure += f", MFU {100 * row['mfu']:.0f}% of the published peak"
        setting = joined(f"{row['gpus']} GPU(s)" if row.get("gpus") else None,
                         row.get("precision"), batch(row), xla(row))
        rows.append((f"`{row.get('model', '?')}` ({who})", figure, setting,
                     machine_cell(row, data)))
    return rows


if __name__ == "__main__":
    sys.exit(main())
