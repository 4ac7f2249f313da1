"""python -m benchmarks.lrn_cost: what the LRN (AlexNet 3.3) costs the two-tower AlexNet's
training step, and what its rsqrt form saves: the net with the LRN as the layer computes it now
(base^-3/4 as rsqrt(base) x sqrt(rsqrt(base))), with the same LRN through `pow`, and without any
LRN, built in one process and timed alternating (medians of --repeats)."""

import argparse
import statistics
import sys

from keras import ops

from keras_nets import alexnet as alexnet_module
from keras_nets.layers import LocalResponseNormalization


class PowLRN(LocalResponseNormalization):
    """The layer as it was before: the power as one `pow`."""

    def power(self, base):
        return ops.power(base, -self.beta)


def build(variant):
    import keras
    keras.utils.clear_session()
    if variant != "pow":
        return alexnet_module.build_alexnet(num_classes=1000, lrn=variant == "rsqrt")
    alexnet_module.LocalResponseNormalization = PowLRN
    try:
        return alexnet_module.build_alexnet(num_classes=1000)
    finally:
        alexnet_module.LocalResponseNormalization = LocalResponseNormalization


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.lrn_cost", description=__doc__)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=3, help="timed steps per measurement")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    if min(args.batch, args.steps, args.repeats) < 1:
        p.exit(2, f"{p.prog}: error: batch, steps and repeats must be >= 1\n")
    from benchmarks.train_throughput import keras_case
    rates = {"pow": [], "rsqrt": [], "none": []}
    for repeat in range(args.repeats):
        for variant, seen in rates.items():
            seconds, _ = keras_case(build(variant), args.batch, args.steps, False)
            seen.append(args.batch / seconds)
            print(f"repeat {repeat + 1}: LRN {variant:<6} {seen[-1]:.1f} img/s", flush=True)
    medians = {k: statistics.median(v) for k, v in rates.items()}
    print(f"two-tower AlexNet, 227 px, batch {args.batch}, training img/s (medians): LRN with pow "
          f"{medians['pow']:.1f}, with rsqrt {medians['rsqrt']:.1f}, without LRN "
          f"{medians['none']:.1f}; the LRN takes {1 - medians['rsqrt'] / medians['none']:.0%} "
          f"of the step")
    return 0


if __name__ == "__main__":
    sys.exit(main())
