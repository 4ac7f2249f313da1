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
import statistics
import sys
import tempfile
import time
from typing import TYPE_CHECKING, Any

from benchmarks import results_schema
from benchmarks.cells import NOT_RECORDED, is_number, joined, machine, number
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
    apply(config.runtime.precision)  # as the trainer does (auto: bfloat16 where the CPU has it)
    recipe, size = config.recipe, input_size(config)
    strategy = distribute.make_strategy(config.runtime.strategy)
    keras.utils.set_random_seed(config.runtime.seed)
    with strategy.scope():
        model = build_model(config, num_classes=10)
        optimizer = make_optimizer(recipe, Schedule(recipe, 10 * steps).learning_rate)
        optimizer.build(model.trainable_variables)
    step = make_train_step(strategy, model, optimizer, global_batch=recipe.batch_size,
                           weight_decay=recipe.weight_decay, xla=config.runtime.xla)
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
    config = config.replace(recipe=dataclasses.replace(
        config.recipe, shapes_min_side=None, shapes_max_side=None, shapes_side=None,
        num_train=args.steps * args.batch_size))
    from pipelines.training.precision import apply
    resolved = apply(config.runtime.precision)[0]
    trainer, uncached, bare = [], [], []
    for repeat in range(args.repeats):
        run = config.replace(run_dir=tempfile.mkdtemp(prefix="trainer_speed_"))
        trainer.append(trainer_rate(run))
        if args.uncached:
            run = config.replace(run_dir=tempfile.mkdtemp(prefix="trainer_speed_"))
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
        data = dict(vars(args), precision_resolved=resolved, trainer=trainer,
                    trainer_uncached=uncached, bare=bare, machine=cpu_description(),
                    date=time.strftime("%F"))
        results_schema.write(args.json, benchmark="benchmarks.trainer_speed",
                             machine=data["machine"], date=data["date"], rows=table_rows(data),
                             order=ORDER, data=data)
    return 0


ORDER = 2  # the report's rows after the models' own speed


def table_rows(data: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The report's row (run, figure, setting, machine) of a result of main: the trainer's
    rate against the bare model's, medians of the repeats."""
    trainer, bare = data["trainer"], data["bare"]
    t, b = statistics.median(trainer), statistics.median(bare)
    uncached = [v for v in data.get("trainer_uncached") or [] if is_number(v)]
    before = (f" (decoding every image at every step: {number(statistics.median(uncached))}, "
              f"{100 * statistics.median(uncached) / b:.0f}%)" if uncached else "")
    figure = (f"pipelines.train {number(t)} img/s, bare model {number(b)} img/s (medians of "
              f"{len(trainer)}): {100 * t / b:.0f}%{before}")
    setting = joined(data.get("precision_resolved"),
                     f"{data['input_size']} px" if data.get("input_size") else None,
                     f"batch {data['batch_size']}" if data.get("batch_size") else None,
                     f"{data['steps']} steps" if data.get("steps") else None)
    where = machine(data)
    if where == NOT_RECORDED and data.get("date"):
        where = f"{NOT_RECORDED}; {data['date']}"
    return [(f"`{data.get('model', '?')}`: trainer vs bare model", figure, setting, where)]


if __name__ == "__main__":
    sys.exit(main())
