"""python -m benchmarks.vs_torchvision: training img/s of keras-nets' nets against
torchvision's, step by step. torchvision trains in a process of its own (torch and TensorFlow in
one process can crash) that idles until asked for a step; within every round the two-tower
AlexNet (or VGG D) with the trainer's compiled updates, the same net with Keras' own update ops
(as a keras.applications user runs it), with --without-lrn AlexNet less its LRN layers, and
torchvision's net each run one timed step, in an order that rotates, so a busy moment of this
shared machine hits all of them within seconds. Prints every round, then the medians of img/s
and of the per-round ratios with their quartiles."""

import argparse
import os
import statistics
import sys
from collections.abc import Sequence
from typing import Any

from benchmarks import results_schema
from benchmarks.cells import NOT_RECORDED, joined, machine, number
from benchmarks.timing import ISA_CAPS, hold_isa, interleaved, quartiles, timed_once

# keras-nets model -> torchvision's counterpart. Both AlexNets at their own sizes (ours at the
# paper's 227, torchvision's at 224: both give 55x55 after conv1), both VGGs at 224.
PEERS = {"alexnet": "alexnet", "vgg_d": "vgg16"}
SIDES = ("keras-nets", "Keras' update ops", "torchvision")
# --without-lrn's fourth side: AlexNet less its LRN layers, the trainer's step. Not the paper's
# net: the ceiling that any faster LRN could reach, timed in the same rounds.
NO_LRN = "keras-nets without its LRN"


def summary(seconds: dict[str, list[float]], batch: int
            ) -> tuple[dict[str, float], dict[str, tuple[float, float, float]]]:
    """Per side the median img/s; per Keras side the quartiles of its per-round ratio to
    torchvision (the same round's steps, so a slow moment divides out)."""
    rates = {side: statistics.median(batch / s for s in times) for side, times in seconds.items()}
    ratios = {side: quartiles([t / s for s, t in zip(times, seconds["torchvision"])])
              for side, times in seconds.items() if side != "torchvision"}
    return rates, ratios


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.vs_torchvision", description=__doc__)
    p.add_argument("--models", default="alexnet", help=f"comma-separated from {', '.join(PEERS)}")
    p.add_argument("--rounds", type=int, default=12, help="timed steps per side")
    p.add_argument("--batch", type=int, default=64, help="AlexNet batch")
    p.add_argument("--vgg-batch", type=int, default=8)
    p.add_argument("--precision", default="float32", choices=("float32", "bfloat16"),
                   help="bfloat16: Keras' mixed_bfloat16 policy against torch.autocast's "
                        "CPU bfloat16")
    p.add_argument("--xla", action="store_true", help="compile both Keras steps with XLA")
    p.add_argument("--isa", default=None, choices=tuple(ISA_CAPS),
                   help="hold both sides' kernels to these instructions (oneDNN's "
                        "ONEDNN_MAX_CPU_ISA, torch's ATEN_CPU_CAPABILITY), e.g. avx2 on an "
                        "AVX-512 CPU")
    p.add_argument("--without-lrn", action="store_true",
                   help="also time AlexNet less its LRN layers in the same rounds: not the "
                        "paper's net, but the ceiling any faster LRN could reach (torchvision's "
                        "AlexNet has none)")
    p.add_argument("--json", default=None, help="also write the figures to this file")
    args = p.parse_args(argv)
    models = args.models.split(",")
    if [m for m in models if m not in PEERS]:
        p.exit(2, f"{p.prog}: error: --models: choose from {', '.join(PEERS)}, "
                  f"got {args.models}\n")
    if min(args.rounds, args.batch, args.vgg_batch) < 1:
        p.exit(2, f"{p.prog}: error: rounds, batch and vgg-batch must be >= 1\n")
    if args.without_lrn and models != ["alexnet"]:
        p.exit(2, f"{p.prog}: error: --without-lrn: only alexnet has LRN layers\n")
    if args.isa:
        hold_isa(args.isa)
    import keras
    from benchmarks.torchvision_peer import TORCHVISION_ALEXNET_MACS, TorchPeer
    from benchmarks.timing import cpu_description, peak_flops
    from benchmarks.train_throughput import keras_steps
    from keras_nets import LocalResponseNormalization, build_model, count_macs
    from pipelines.training.precision import POLICIES, fresh_session
    peak = peak_flops(3, args.precision)["conv3x3"]  # MFU against the same precision's peak
    print(f"device: {cpu_description()}; {os.cpu_count()} threads per side; 3x3 conv probe "
          f"{peak / 1e9:.1f} GFLOP/s in {args.precision}{', XLA' if args.xla else ''}; "
          f"TF_ENABLE_ONEDNN_OPTS={os.environ.get('TF_ENABLE_ONEDNN_OPTS')}", flush=True)
    results = []
    for name in models:
        batch = args.vgg_batch if name == "vgg_d" else args.batch
        tv_name = PEERS[name]
        try:
            peer = TorchPeer(tv_name, batch, 224, os.cpu_count(), args.precision)
        except ModuleNotFoundError as error:
            p.exit(2, f"{p.prog}: error: {error}\n")
        try:
            fresh_session(POLICIES[args.precision])
            nets = [build_model(name) for _ in range(2)]
            compiled = [True, False]
            if args.without_lrn:
                nets.append(build_model(name, lrn=False))
                compiled.append(True)
            policy = nets[0].dtype_policy.name  # what the Keras sides computed in
            lrn_layers = [sum(isinstance(layer, LocalResponseNormalization) for layer in net.layers)
                          for net in nets]
            macs = {"keras-nets": count_macs(nets[0])}
            macs["torchvision"] = macs["keras-nets"] if name == "vgg_d" else \
                TORCHVISION_ALEXNET_MACS
            steps = [timed_once(keras_steps(net, batch, args.xla, compiled_updates=c)[0])
                     for net, c in zip(nets, compiled)]

            def report(round_: int, s: list[float]) -> None:
                print(f"{name} round {round_ + 1}/{args.rounds}: keras-nets {batch / s[0]:.2f} "
                      f"img/s (Keras' update ops {batch / s[1]:.2f}), {tv_name} "
                      f"{batch / s[-1]:.2f}; ratio {s[-1] / s[0]:.2f} ({s[-1] / s[1]:.2f})"
                      + (f"; without its LRN {batch / s[2]:.2f}, ratio {s[-1] / s[2]:.2f}"
                         if args.without_lrn else ""), flush=True)

            times = interleaved([*steps, peer.step], args.rounds, report)
            sides = (*SIDES[:2], NO_LRN)[:len(steps)] + ("torchvision",)
            seconds = dict(zip(sides, times))
        finally:
            peer.close()
        rates, ratios = summary(seconds, batch)
        if args.without_lrn:
            print(f"{name} without its LRN ({lrn_layers[2]} LRN layers, a ceiling, not the paper's "
                  f"net): median {rates[NO_LRN]:.2f} img/s, per-round ratio median "
                  f"{ratios[NO_LRN][1]:.2f} (quartiles {ratios[NO_LRN][0]:.2f}-"
                  f"{ratios[NO_LRN][2]:.2f}); the LRN's share of the step "
                  f"{1 - rates['keras-nets'] / rates[NO_LRN]:.1%}",
                  flush=True)
        print(f"{name} ({policy}) vs torchvision {tv_name}, batch {batch}, {args.rounds} rounds: "
              f"medians keras-nets {rates['keras-nets']:.2f} img/s (Keras' update ops "
              f"{rates[SIDES[1]]:.2f}), torchvision {rates['torchvision']:.2f}; per-round ratio "
              f"median {ratios['keras-nets'][1]:.2f} (quartiles {ratios['keras-nets'][0]:.2f}-"
              f"{ratios['keras-nets'][2]:.2f}), Keras' update ops {ratios[SIDES[1]][1]:.2f} "
              f"({ratios[SIDES[1]][0]:.2f}-{ratios[SIDES[1]][2]:.2f})", flush=True)
        flops = {side: 6 * macs[side] * rates[side] for side in ("keras-nets", "torchvision")}
        print(f"{name}: training GFLOP/s (3 x 2 x MACs per image) and MFU against the conv "
              f"probe: keras-nets {flops['keras-nets'] / 1e9:.1f} "
              f"({flops['keras-nets'] / peak:.0%}), torchvision {flops['torchvision'] / 1e9:.1f} "
              f"({flops['torchvision'] / peak:.0%})", flush=True)
        results.append(dict(model=name, peer=tv_name, batch=batch, policy=policy,
                            lrn_layers=dict(zip(sides, lrn_layers)),
                            img_per_s=rates,
                            ratio_quartiles=ratios, mfu={k: v / peak for k, v in flops.items()},
                            seconds=seconds))
    if args.json:
        import time
        from importlib.metadata import version
        data = dict(machine=cpu_description(), conv_probe_flops=peak, precision=args.precision,
                    xla=args.xla, rounds=args.rounds,
                    onednn=os.environ.get("TF_ENABLE_ONEDNN_OPTS"),
                    versions=dict(keras=keras.__version__, torch=version("torch")),
                    date=time.strftime("%F"), results=results)
        results_schema.write(args.json, benchmark="benchmarks.vs_torchvision",
                             machine=data["machine"], date=data["date"], rows=table_rows(data),
                             order=ORDER, data=data)
    return 0


ORDER = 2.5  # the report's rows after the default runs' accuracy


def table_rows(data: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The report's rows (run, figure, setting, machine) of a result of main: per model both
    Keras steps' per-round ratio to torchvision's (median and quartiles), the img/s and MFU
    of each side, and with --without-lrn the ceiling without the LRN."""
    trainer, plain, peer = SIDES
    rows = []
    for r in data["results"]:
        rates, ratios, mfu = r["img_per_s"], r["ratio_quartiles"], r.get("mfu", {})
        figure = (f"trainer's step at {_ratio(ratios[trainer])} torchvision's speed, plain "
                  f"Keras step {_ratio(ratios[plain])}; {number(rates[trainer])} "
                  f"and {number(rates[plain])} against {number(rates[peer])} img/s")
        if mfu:
            figure += f"; MFU {mfu[trainer]:.0%} against {mfu[peer]:.0%}"
        if NO_LRN in ratios:  # --without-lrn: the same rounds with AlexNet less its LRN
            figure += (f"; without its LRN (a ceiling for any LRN) {_ratio(ratios[NO_LRN])}, "
                       f"{number(rates[NO_LRN])} img/s")
        versions = data.get("versions") or {}
        setting = joined(
            data.get("precision"), f"batch {r['batch']}",
            f"XLA {'on' if data.get('xla') else 'off'}",
            {"1": "oneDNN on", "0": "oneDNN off"}.get(data.get("onednn")),
            f"{data['rounds']} rounds, medians" if data.get("rounds") else None,
            f"torch {versions['torch']}" if versions.get("torch") else None)
        rows.append((f"`{r['model']}` vs torchvision `{r['peer']}`", figure, setting,
                     _machine_and_probe(data)))
    return rows


def _machine_and_probe(data: dict[str, Any]) -> str:
    """The machine with the conv probe's GFLOP/s the MFU is set against."""
    where = machine(data)
    if where != NOT_RECORDED and data.get("conv_probe_flops"):
        kind = f" {data['precision']}" if data.get("precision") not in (None, "float32") else ""
        where += f"; 3x3{kind} conv probe {data['conv_probe_flops'] / 1e9:.0f} GFLOP/s"
    if where == NOT_RECORDED and data.get("date"):
        where += f"; {data['date']}"
    return where


def _ratio(q: Sequence[float]) -> str:
    low, median, high = q
    return f"{median:.2f}x ({low:.2f}-{high:.2f})"


if __name__ == "__main__":
    sys.exit(main())
