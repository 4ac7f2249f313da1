"""python -m benchmarks.vs_torchvision: the two-tower AlexNet's training img/s against
torchvision's AlexNet, alternating round by round (keras-nets, then torchvision in its own
process, same batch and thread count), so that a busy moment of a shared machine hits both;
prints each round's ratio and the ratio of the medians. Also the same net with Keras' own
optimizer update ops instead of the trainer's compiled ones (pipelines.training.optimizer)."""

import argparse
import os
import statistics
import sys


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.vs_torchvision", description=__doc__)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=3, help="timed steps per measurement")
    p.add_argument("--batch", type=int, default=64)
    args = p.parse_args(argv)
    if min(args.rounds, args.steps, args.batch) < 1:
        p.exit(2, f"{p.prog}: error: rounds, steps and batch must be >= 1\n")
    import keras
    from benchmarks.train_throughput import keras_case, torch_case
    from keras_nets import build_model
    ours, plain, theirs = [], [], []
    for round_ in range(args.rounds):
        order = ((True, ours), (False, plain))
        for compiled, rates in order if round_ % 2 == 0 else order[::-1]:  # neither always first
            keras.utils.clear_session()
            seconds, _ = keras_case(build_model("alexnet"), args.batch, args.steps, False,
                                    compiled_updates=compiled)
            rates.append(args.batch / seconds)
        torch_times = torch_case("alexnet", args.batch, 224, args.steps, os.cpu_count())
        if torch_times is None:
            p.exit(2, f"{p.prog}: error: torch is not installed (pip install -e '.[bench]')\n")
        theirs.append(args.batch / torch_times[0])
        print(f"round {round_ + 1}: keras-nets {ours[-1]:.2f} img/s (Keras' update ops "
              f"{plain[-1]:.2f}), torchvision {theirs[-1]:.2f} img/s, ratio "
              f"{ours[-1] / theirs[-1]:.2f} ({plain[-1] / theirs[-1]:.2f})", flush=True)
    a, c, b = (statistics.median(r) for r in (ours, plain, theirs))
    print(f"medians: keras-nets {a:.2f} (Keras' update ops {c:.2f}), torchvision {b:.2f} img/s; "
          f"ratio {a / b:.2f} ({c / b:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
