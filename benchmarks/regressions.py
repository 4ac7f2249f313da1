"""python -m benchmarks.regressions: the project's settled speed decisions, still guarded.

Each check times the product's code against the plain alternative it replaced, side by side
(benchmarks.timing.interleaved: one call of each per round, rotating order), and takes the
alternative's time over the product's within each round. A decision holds while the median of
those ratios is above --min-ratio (1.0: the product is at least as fast); the command exits 1
when one does not hold, so that a change that undoes a decision shows.

lrn      the LRN (AlexNet 3.3) with beta = 3/4 as rsqrt(base) * sqrt(rsqrt(base))
         (keras_nets.layers.LocalResponseNormalization.power) against the same layer through
         pow: forward and backward on one tower's conv1 output (55 x 55 x 48 at 227 px).
lrn_gradient  the same LRN with its gradient as one expression (keras.ops.custom_gradient)
         against autodiff through the forward chain.
resume   a resumed run's first batch: create_split's stream, which starts at the resumed pass
         and skips within it before decoding (pipelines.data.pipeline), against skipping the
         whole history after shuffle + repeat.
updates  the optimizer's update of the default run's two-tower AlexNet (demo recipe: Adam) and
         of the paper recipe's SGD with momentum, compiled by XLA per variable
         (pipelines.training.optimizer.compile_updates) against Keras' own update ops.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from benchmarks import results_schema
from benchmarks.cells import is_number, machine
from benchmarks.timing import cpu_description, interleaved, quartiles, timed_once

if TYPE_CHECKING:
    import tensorflow as tf

    from keras_nets.layers import LocalResponseNormalization

CHECKS = ("lrn", "lrn_gradient", "resume", "updates")


def verdict(product_seconds: Sequence[float], alternative_seconds: Sequence[float],
            min_ratio: float) -> tuple[tuple[float, float, float], bool]:
    """(quartiles of the per-round ratio alternative / product, whether the decision holds)."""
    ratios = [a / p for p, a in zip(product_seconds, alternative_seconds)]
    q = quartiles(ratios)
    return q, q[1] > min_ratio


def lrn_cases(batch: int, size: int, gradient: bool = False, channels: int = 48
              ) -> tuple[Callable[[], object], Callable[[], object]]:
    """(product, alternative): one forward + backward of each LRN layer, waiting for it; the
    alternative computes the power through pow or, with `gradient`, leaves the gradient to
    autodiff."""
    import tensorflow as tf
    from keras import ops
    from keras_nets.layers import LocalResponseNormalization

    class PowLRN(LocalResponseNormalization):
        def power(self, base: tf.Tensor) -> tf.Tensor:
            return ops.power(base, -self.beta)

    class AutodiffLRN(LocalResponseNormalization):
        def normalize(self, x: tf.Tensor, band: tf.Tensor) -> tf.Tensor:
            return x * self.power(self.bias + self.alpha * ops.matmul(ops.square(x), band))

    x = tf.abs(tf.random.normal([batch, size, size, channels])) * 30  # ReLU outputs, 0-255 input

    def case(layer: LocalResponseNormalization) -> Callable[[], object]:
        @tf.function
        def run() -> tf.Tensor:
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = tf.reduce_sum(layer(x))
            return tf.reduce_sum(tape.gradient(y, x)[:1])
        return lambda: run().numpy()
    return case(LocalResponseNormalization()), case(AutodiffLRN() if gradient else PowLRN())


def resume_cases(data_dir: str | None, images: int, epochs: int
                 ) -> tuple[Callable[[], None], Callable[[], None]]:
    """(product, alternative): the first batch of a run resumed `epochs` passes (and 7 steps)
    into the embedded dataset's training split, read as in training (not cached)."""
    import tensorflow as tf
    from pipelines.data.pipeline import create_split
    from pipelines.data.sources import load_split
    # Small images: the alternative reads every skipped record, so smaller files make it cheaper
    # and the check stricter.
    split = load_split("shapes", "train", data_dir=data_dir,
                       shapes_sizes={"num_train": images, "num_validation": 16, "side": 36})
    skip = epochs * split.num_examples + 7 * 32

    def decode(image: tf.Tensor, seed: tf.Tensor | None = None) -> tf.Tensor:
        return tf.image.resize(tf.io.decode_jpeg(image, channels=3), [32, 32])

    def product() -> None:
        ds = create_split(split.dataset, train=True, batch_size=32, preprocess=decode,
                          cache=False, skip=skip)
        next(iter(ds))

    def alternative() -> None:
        ds = split.dataset.shuffle(2048, seed=0).repeat().skip(skip)
        next(iter(ds.map(lambda e: (decode(e["image"]), e["label"])).batch(32)))
    return product, alternative


def update_cases(recipe_name: str, size: int
                 ) -> tuple[Callable[[], object], Callable[[], object]]:
    """(product, alternative): one optimizer update of the two-tower AlexNet's weights at `size`
    px under the recipe's optimizer, compiled per variable or with Keras' update ops."""
    import keras
    import tensorflow as tf
    from keras_nets import get_spec
    from pipelines.training.recipes import recipe_for
    from pipelines.training.optimizer import make_optimizer
    recipe = recipe_for(recipe_name, "alexnet")
    keras.utils.set_random_seed(0)
    model = get_spec("alexnet")(size, num_classes=10, init="he")
    variables = model.trainable_variables
    grads = [tf.random.normal(v.shape, stddev=1e-3) for v in variables]

    def case(compiled: bool) -> Callable[[], object]:
        optimizer = make_optimizer(recipe, 1e-5, compiled=compiled)
        optimizer.build(variables)

        @tf.function
        def update() -> tf.Tensor:
            optimizer.apply(grads, variables)
            return tf.reduce_sum(variables[0][:1])
        return lambda: update().numpy()
    return case(True), case(False)


def run_check(name: str, product: Callable[[], object], alternative: Callable[[], object],
              rounds: int, min_ratio: float, warmup: int = 2) -> dict[str, Any]:
    seconds = interleaved([timed_once(product), timed_once(alternative)], rounds, warmup=warmup)
    q, holds = verdict(*seconds, min_ratio)
    return dict(check=name, product_ms=1e3 * statistics.median(seconds[0]),
                alternative_ms=1e3 * statistics.median(seconds[1]), ratio_quartiles=list(q),
                holds=holds, rounds=rounds, seconds=seconds)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.regressions", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checks", default=",".join(CHECKS), help=f"comma-separated from {CHECKS}")
    p.add_argument("--rounds", type=int, default=15, help="timed calls of each side per check")
    p.add_argument("--min-ratio", type=float, default=1.0,
                   help="the median alternative/product ratio a decision must exceed")
    p.add_argument("--lrn-batch", type=int, default=32)
    p.add_argument("--lrn-size", type=int, default=55, help="the LRN input's side")
    p.add_argument("--resume-images", type=int, default=1000, help="embedded training images")
    # 600 passes over 1,000 images: 600,000 images seen, under half an ImageNet epoch; the
    # alternative's cost grows with the images seen, the product's does not.
    p.add_argument("--resume-epochs", type=int, default=600, help="passes before the resume")
    p.add_argument("--update-size", type=int, default=67, help="AlexNet's input size")
    p.add_argument("--data-dir", default=None, help="TFDS data directory")
    p.add_argument("--json", default=None, help="also write the figures here")
    args = p.parse_args(argv)
    checks = [c for c in args.checks.split(",") if c]
    if not checks or any(c not in CHECKS for c in checks):
        p.exit(2, f"{p.prog}: error: --checks: choose from {', '.join(CHECKS)}\n")
    if min(args.rounds, args.lrn_batch, args.lrn_size, args.resume_images, args.update_size) < 1 \
            or args.resume_epochs < 0:
        p.exit(2, f"{p.prog}: error: rounds and sizes must be >= 1, --resume-epochs >= 0\n")
    cases = {"lrn": lambda: [("lrn: rsqrt form vs pow", lrn_cases(args.lrn_batch, args.lrn_size))],
             "lrn_gradient": lambda: [("lrn: fused gradient vs autodiff", lrn_cases(
                 args.lrn_batch, args.lrn_size, gradient=True))],
             "resume": lambda: [(f"resume after {args.resume_epochs} epochs: create_split vs "
                                 f"skip after shuffle", resume_cases(
                                     args.data_dir, args.resume_images, args.resume_epochs))],
             "updates": lambda: [(f"updates, {r} recipe: compiled vs Keras' ops",
                                  update_cases(r, args.update_size)) for r in ("demo", "paper")]}
    print(f"machine: {cpu_description()}; {args.rounds} rounds per check; a decision holds while "
          f"the median ratio alternative/product exceeds {args.min_ratio:g}")
    print(f"{'check':<58}{'product ms':>11}{'alternative ms':>15}{'ratio (quartiles)':>22}  holds")
    results = []
    for check in checks:
        for label, (product, alternative) in cases[check]():
            # The resume check's warm-up reads the files once, so both sides start from the
            # page cache; a first batch is one call, so one warm-up call each is enough.
            r = run_check(label, product, alternative, args.rounds, args.min_ratio,
                          warmup=1 if check == "resume" else 2)
            results.append(r)
            q = r["ratio_quartiles"]
            print(f"{label:<58}{r['product_ms']:>11.1f}{r['alternative_ms']:>15.1f}"
                  f"{f'{q[1]:.2f} ({q[0]:.2f}-{q[2]:.2f})':>22}  "
                  f"{'yes' if r['holds'] else 'NO'}", flush=True)
    if args.json:
        data = dict(machine=cpu_description(), date=time.strftime("%F"), args=vars(args),
                    results=results)
        results_schema.write(args.json, benchmark="benchmarks.regressions",
                             machine=data["machine"], date=data["date"], rows=table_rows(data),
                             order=ORDER, data=data)
    broken = [r["check"] for r in results if not r["holds"]]
    if broken:
        print(f"decisions that no longer hold: {'; '.join(broken)}", file=sys.stderr)
        return 1
    return 0


ORDER = 3  # the report's rows after the speed and accuracy of the runs


def table_rows(data: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The report's rows (run, figure, setting, machine) of a result of main: one per check,
    both sides' medians, the ratio's quartiles and whether the decision holds."""
    rows = []
    for result in data["results"]:
        figure = f"{result['product_ms']:.1f} ms against {result['alternative_ms']:.1f} ms"
        q = result.get("ratio_quartiles")
        if isinstance(q, list) and len(q) == 3 and all(is_number(v) for v in q):
            figure += f", ratio {q[1]:.2f} ({q[0]:.2f}-{q[2]:.2f})"
        if isinstance(result.get("holds"), bool):
            figure += ": holds" if result["holds"] else ": does NOT hold"
        rounds = result.get("rounds")
        rows.append((f"decision: {result.get('check', '?')}", figure,
                     f"{rounds} rounds, medians" if rounds else "", machine(result, data)))
    return rows


if __name__ == "__main__":
    sys.exit(main())
