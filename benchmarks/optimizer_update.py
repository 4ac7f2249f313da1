"""python -m benchmarks.optimizer_update: what the optimizer's update costs a training step, with
Keras' own update ops and with the trainer's XLA-compiled ones
(pipelines.training.optimizer.compile_updates).

For each case: the forward and backward pass alone, the update alone (same gradients), and the
trainer's whole step (pipelines.training.steps on one constant batch), each way; alternating,
medians of --repeats. Cases: the default run (demo recipe: Adam, 67 px, batch 32) and the paper
recipe at full size (SGD with momentum, 227 px, batch 64)."""

import argparse
import statistics
import sys
import time

CASES = {"demo": ("demo", 67, 32), "paper": ("paper", 227, 64)}  # recipe, input size, batch


def milliseconds(fn, steps):
    """ms per call, one wait at the end (train_throughput.timed waits for every call; kept so,
    as the README's figures were measured this way)."""
    fn().numpy()
    fn().numpy()  # compiled and warm
    start = time.perf_counter()
    for _ in range(steps):
        out = fn()
    out.numpy()
    return (time.perf_counter() - start) / steps * 1e3


def measure(case, compiled, steps):
    """{part: ms} for the two-tower AlexNet with one recipe, updates compiled or not."""
    import keras
    import tensorflow as tf
    from keras_nets import get_spec, paper_objective
    from pipelines.training import distribute
    from pipelines.training.config import recipe_for
    from pipelines.training.optimizer import make_optimizer
    from pipelines.training.steps import make_train_step
    recipe_name, size, batch = CASES[case]
    recipe = recipe_for(recipe_name, "alexnet")
    keras.utils.clear_session()
    keras.utils.set_random_seed(0)
    strategy = distribute.make_strategy("one-device")
    with strategy.scope():
        model = get_spec("alexnet")(size, num_classes=10, init="he")
        optimizer = make_optimizer(recipe, 1e-5, compiled=compiled)
        optimizer.build(model.trainable_variables)
    x = tf.random.normal([batch, size, size, 3])
    y = tf.random.uniform([batch], 0, 10, tf.int64)
    variables = model.trainable_variables

    @tf.function
    def forward_backward():
        with tf.GradientTape() as tape:
            loss = paper_objective(model, y, model(x, training=True), recipe.weight_decay)
        return tf.add_n([tf.reduce_sum(g[:1]) for g in tape.gradient(loss, variables)])

    grads = [tf.random.normal(v.shape, stddev=1e-3) for v in variables]

    @tf.function
    def update():
        optimizer.apply(grads, variables)
        return tf.constant(0.0)

    step = make_train_step(strategy, model, optimizer, global_batch=batch,
                           weight_decay=recipe.weight_decay)
    batches = iter(strategy.experimental_distribute_dataset(
        tf.data.Dataset.from_tensors((x, y)).repeat()))
    one = tf.constant(1, tf.int64)
    return {"forward+backward": milliseconds(forward_backward, steps),
            "update": milliseconds(update, steps),
            "trainer step": milliseconds(lambda: step(batches, one)[0], steps)}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.optimizer_update", description=__doc__)
    p.add_argument("--cases", default="demo,paper", help=f"comma-separated from {list(CASES)}")
    p.add_argument("--steps", type=int, default=10, help="timed steps per measurement")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    cases = args.cases.split(",")
    if any(c not in CASES for c in cases) or min(args.steps, args.repeats) < 1:
        p.exit(2, f"{p.prog}: error: cases from {list(CASES)}; steps, repeats >= 1\n")
    for case in cases:
        runs = {False: [], True: []}
        for _ in range(args.repeats):
            for compiled, seen in runs.items():
                seen.append(measure(case, compiled, args.steps))
        recipe, size, batch = CASES[case]
        print(f"{case}: two-tower AlexNet, {recipe} recipe, {size} px, batch {batch} "
              f"(ms per step, medians of {args.repeats})")
        for part in runs[False][0]:
            plain, fused = (statistics.median(r[part] for r in runs[c]) for c in (False, True))
            print(f"  {part:<17} Keras' update ops {plain:7.1f}   compiled {fused:7.1f}   "
                  f"{plain / fused:.2f}x", flush=True)
        for compiled in (False, True):
            ms = statistics.median(r["trainer step"] for r in runs[compiled])
            print(f"  trainer, updates {'compiled' if compiled else 'as Keras'}: "
                  f"{batch / ms * 1e3:.1f} img/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
