"""python -m benchmarks.trainer_speed: is the trainer as fast as the model?

Side by side in one run, alternating, median of --repeats: (1) `pipelines.train` itself
(train_and_evaluate: the embedded dataset from its TFRecords, the training protocol's decoding and
augmentation, the distributed step, per-step host syncs for the NaN check and the progress line,
checkpoints, metrics) over --steps steps of epoch 2 (epoch 1 compiles and warms the input), and
(2) the bare model: the same train step (same model, optimizer and strategy) fed one constant
batch already in memory. Prints both images/s and the trainer's share of the bare rate.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import tempfile
import time
from typing import TYPE_CHECKING

from benchmarks.timing import cpu_description, seconds_per_call

if TYPE_CHECKING:
    from pipelines.training.config import RunConfig


def trainer_rate(config: RunConfig, cache: bool = True) -> float:
    """Images/s of `pipelines.train`'s epoch 2 (the meter's own figure: steps x batch / time);
    cache=False: every image decoded at every step, as before the cache of decoded images
    (pipelines.training.inputs.decoded_cache)."""
    from pipelines.training import inputs
    from pipelines.training.log import silenced
    from pipelines.training.run import train_and_evaluate
    budget = inputs.CACHE_BYTES
    inputs.CACHE_BYTES = budget if cache else 0
    try:
        with silenced():
            _, history, _ = train_and_evaluate(config)
    finally:
        inputs.CACHE_BYTES = budget
    return history[-1]["images_per_second"]


def bare_rate(config: RunConfig, steps: int) -> float:
    """Images/s of the same train step on one constant in-memory batch, no host sync per step."""
    import keras
    import tensorflow as tf
    from pipelines.training import distribute
    from pipelines.training.model import build_model, input_size
    from pipelines.training.optimizer import make_optimizer
    from pipelines.training.schedule import Schedule
    from pipelines.training.precision import apply
    from pipelines.training.steps import make_train_step
    apply(config.precision)  # as the trainer does (auto: bfloat16 where the CPU has it)
    recipe, size = config.recipe, input_size(config)
    strategy = distribute.make_strategy(config.strategy)
    keras.utils.set_random_seed(config.seed)
    with strategy.scope():
        model = build_model(config, num_classes=10)
        optimizer = make_optimizer(recipe, Schedule(recipe, 10 * steps).learning_rate)
        optimizer.build(model.trainable_variables)
    step = make_train_step(strategy, model, optimizer, global_batch=recipe.batch_size,
                           weight_decay=recipe.weight_decay, xla=config.xla)
    batch = (tf.random.normal([recipe.batch_size, size, size, 3]),
             tf.random.uniform([recipe.batch_size], 0, 10, tf.int64))
    iterator = iter(strategy.experimental_distribute_dataset(
        tf.data.Dataset.from_tensors(batch).repeat()))
    one = tf.constant(1, tf.int64)  # steps per call, as the trainer's default --steps-per-loop
    seconds = seconds_per_call(lambda: step(iterator, one), steps, wait=lambda t: t.numpy())
    return recipe.batch_size / seconds


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.trainer_speed", description=__doc__)
    p.add_argument("--model", default="alexnet")
    p.add_argument("--input-size", type=int, default=227)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--steps", type=int, default=12, help="timed steps per measurement")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--width", type=float, default=1.0)
    p.add_argument("--xla", action="store_true")
    p.add_argument("--precision", default="auto", choices=("auto", "float32", "bfloat16"),
                   help="both sides (auto: the trainer's choice for this CPU)")
    p.add_argument("--data-dir", default=None, help="TFDS data directory")
    p.add_argument("--uncached", action="store_true",
                   help="also time the trainer decoding every image at every step")
    p.add_argument("--json", default=None, help="also write the figures to this file")
    args = p.parse_args(argv)
    if min(args.input_size, args.batch_size, args.steps, args.repeats) < 1:
        p.exit(2, f"{p.prog}: error: sizes, steps and repeats must be >= 1\n")
    from pipelines.train import parse_args, run_config
    _, targs = parse_args([
        "--model", args.model, "--input-size", str(args.input_size), "--batch-size",
        str(args.batch_size), "--epochs", "2", "--steps", str(args.steps), "--width",
        str(args.width), "--precision", args.precision, "--shapes-validation",
        str(args.batch_size), "--checkpoint-every", "0",
        "--no-export", "--run-dir", tempfile.mkdtemp(prefix="trainer_speed_")]
        + (["--xla"] if args.xla else []) + (["--data-dir", args.data_dir] if args.data_dir else []))
    config = run_config(targs)
    # The embedded dataset as drawn by default (128-320 px images), shuffled by the trainer; one
    # epoch is one pass, so epoch 1 fills the cache of decoded images and epoch 2 is timed.
    config = dataclasses.replace(config, recipe=dataclasses.replace(
        config.recipe, shapes_min_side=None, shapes_max_side=None, shapes_side=None,
        num_train=args.steps * args.batch_size))
    from pipelines.training.precision import apply
    resolved = apply(config.precision)[0]
    trainer, uncached, bare = [], [], []
    for repeat in range(args.repeats):
        run = dataclasses.replace(config, run_dir=tempfile.mkdtemp(prefix="trainer_speed_"))
        trainer.append(trainer_rate(run))
        if args.uncached:
            run = dataclasses.replace(config, run_dir=tempfile.mkdtemp(prefix="trainer_speed_"))
            uncached.append(trainer_rate(run, cache=False))
        bare.append(bare_rate(config, args.steps))
        print(f"repeat {repeat + 1}: pipelines.train {trainer[-1]:.1f} img/s"
              + (f" (decoding every step {uncached[-1]:.1f})" if uncached else "")
              + f", bare model {bare[-1]:.1f} img/s", flush=True)
    t, b = statistics.median(trainer), statistics.median(bare)
    u = f", decoding every step {statistics.median(uncached):.1f}" if uncached else ""
    print(f"{args.model} at {args.input_size}px, batch {args.batch_size}, {resolved}: "
          f"pipelines.train "
          f"{t:.1f} img/s{u}, bare model {b:.1f} img/s (medians of {args.repeats}); "
          f"the trainer runs at {t / b:.0%} of the bare model")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(vars(args), precision_resolved=resolved, trainer=trainer,
                           trainer_uncached=uncached, bare=bare, machine=cpu_description(),
                           date=time.strftime("%F")), f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
