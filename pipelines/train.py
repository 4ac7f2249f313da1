"""python -m pipelines.train: train an AlexNet or VGG with tf.distribute, evaluate, export.

With no arguments: the two-tower AlexNet on the embedded dataset with the demo recipe, on every
visible device, then a SavedModel under saved_models/alexnet/<version>/.
"""

import argparse
import dataclasses
import json
import os
import sys
import time

from pipelines.cli import ArgumentParser, add_data_arguments, fail
from pipelines.recipes import RECIPES

MODELS = ("alexnet", "alexnet_one_tower", "vgg_a", "vgg_a_lrn", "vgg_b", "vgg_c", "vgg_d",
          "vgg_e", "vgg11", "vgg13", "vgg16", "vgg19")


def parse_args(argv=None):
    p = ArgumentParser(prog="python -m pipelines.train", description=__doc__)
    p.add_argument("--model", default="alexnet", choices=MODELS)
    add_data_arguments(p)
    p.add_argument("--shapes-train", type=int, default=None,
                   help="embedded dataset: training images (default: the recipe's)")
    p.add_argument("--shapes-validation", type=int, default=None)
    p.add_argument("--recipe", default="demo", choices=sorted(RECIPES),
                   help="'paper' (the model's paper) or 'demo' (fast on a CPU)")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--steps", type=int, default=None, help="steps per epoch (default: one pass)")
    p.add_argument("--batch-size", type=int, default=None, help="global batch size")
    p.add_argument("--learning-rate", type=float, default=None)
    p.add_argument("--input-size", type=int, default=None)
    p.add_argument("--dropout", type=float, default=0.5, help="on FC6 and FC7 (papers: 0.5)")
    p.add_argument("--strategy", default="auto",
                   choices=("auto", "one-device", "mirrored", "multi-worker"))
    p.add_argument("--cpu-devices", type=int, default=1,
                   help="split the CPU into this many logical devices (testing 'mirrored')")
    p.add_argument("--mixed-precision", action="store_true")
    p.add_argument("--xla", action="store_true", help="compile the train step with XLA")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--deterministic", action="store_true",
                   help="deterministic ops and input order (exact resume, slower)")
    p.add_argument("--run-dir", default=None, help="default: runs/<model>-<time>")
    p.add_argument("--resume", action="store_true", help="continue from the run dir's checkpoint")
    p.add_argument("--checkpoint-every", type=int, default=200, help="steps (0: epochs only)")
    p.add_argument("--init-from", default=None,
                   help="VGG: a trained configuration A (.keras) to start from (VGG paper 3.1)")
    p.add_argument("--export-dir", default="saved_models", help="'' to skip the export")
    p.add_argument("--no-export", action="store_true")
    p.add_argument("--inject-nan-at-step", type=int, default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    for name in ("epochs", "steps", "batch_size", "input_size", "shapes_train",
                 "shapes_validation", "cpu_devices"):
        value = getattr(args, name)
        if value is not None and value < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1")
    if not 0 <= args.dropout < 1:
        p.error("--dropout must be in [0, 1)")
    if args.learning_rate is not None and args.learning_rate <= 0:
        p.error("--learning-rate must be > 0")
    if args.init_from and not args.model.startswith("vgg"):
        p.error("--init-from applies to VGG models")
    if args.init_from and not os.path.exists(args.init_from):
        p.error(f"--init-from {args.init_from}: no such file")
    if args.resume and not args.run_dir:
        p.error("--resume needs --run-dir")
    if args.cpu_devices > 1 and args.strategy not in ("mirrored", "auto"):
        p.error("--cpu-devices > 1 goes with --strategy mirrored")
    return p, args


def resolve(args):
    """The recipe with the flags applied, and the run's config dict."""
    from keras_nets.zoo import default_input_size, is_alexnet
    family = "alexnet" if is_alexnet(args.model) else "vgg"
    recipe = RECIPES[args.recipe](family)
    overrides = {"epochs": args.epochs, "batch_size": args.batch_size,
                 "learning_rate": args.learning_rate, "input_size": args.input_size}
    recipe = dataclasses.replace(recipe, **{k: v for k, v in overrides.items() if v is not None})
    sizes = dict(recipe.dataset_sizes or {})
    if args.shapes_train:
        sizes["num_train"] = args.shapes_train
    if args.shapes_validation:
        sizes["num_validation"] = args.shapes_validation
    recipe = dataclasses.replace(recipe, dataset_sizes=sizes or None,
                                 input_size=recipe.input_size or default_input_size(args.model))
    config = dict(vars(args), family=family, recipe=dataclasses.asdict(recipe),
                  epochs=recipe.epochs, batch_size=recipe.batch_size)
    return recipe, config


def main(argv=None):
    parser, args = parse_args(argv)
    import tensorflow as tf  # after --help and argument errors
    from pipelines import distribute
    if args.cpu_devices > 1:
        distribute.split_cpu(args.cpu_devices)
    if args.strategy == "auto" and args.cpu_devices > 1:
        args.strategy = "mirrored"
    recipe, config = resolve(args)
    run_dir = args.run_dir or os.path.join("runs", f"{args.model}-{time.strftime('%Y%m%d-%H%M%S')}")
    os.makedirs(run_dir, exist_ok=True)
    try:
        return run(parser, args, recipe, config, run_dir)
    except KeyboardInterrupt:
        fail(parser.prog, "interrupted before training started")


def run(parser, args, recipe, config, run_dir):
    import keras
    import tensorflow as tf
    from keras_nets.zoo import build_model
    from pipelines import distribute
    from pipelines.folders import DataError
    from pipelines.input import create_split, eval_preprocess, train_preprocess
    from pipelines.loop import NonFiniteLoss, Trainer
    from pipelines.sources import load_split

    strategy = distribute.make_strategy(args.strategy)  # first: collectives need a fresh context
    keras.utils.set_random_seed(args.seed)
    if args.deterministic:
        tf.config.experimental.enable_op_determinism()
    if args.mixed_precision:
        keras.mixed_precision.set_global_policy(
            "mixed_float16" if tf.config.list_physical_devices("GPU") else "mixed_bfloat16")
    replicas = strategy.num_replicas_in_sync
    if recipe.batch_size % replicas:
        fail(parser.prog, f"global batch {recipe.batch_size} does not split over {replicas} "
                          "replicas")
    data = dict(data_dir=args.data_dir, manual_dir=args.manual_dir,
                shapes_sizes=recipe.dataset_sizes)
    try:
        train_info = load_split(args.dataset, "train", **data)
        val_info = load_split(args.dataset, "validation", **data)
    except DataError as err:
        fail(parser.prog, err)
    workers = distribute.cluster_workers() if args.strategy != "one-device" else 1
    per_worker_batch = recipe.batch_size // workers
    steps = args.steps or (train_info.num_examples // workers) // per_worker_batch
    if steps < 1:
        fail(parser.prog, f"{train_info.num_examples} training images are fewer than one batch "
                          f"of {recipe.batch_size}")
    size, scale = recipe.input_size, round(recipe.input_size * 256 / 224)
    if config["family"] == "alexnet":
        scale = round(recipe.input_size * 256 / 227)
        augment = train_preprocess("alexnet", size, scale=scale, lighting=recipe.lighting)
    else:
        augment = train_preprocess("vgg", size, scale_min=recipe.scale_min,
                                   scale_max=recipe.scale_max, colour_shift=recipe.lighting)
    config.update(run_dir=run_dir, steps_per_epoch=steps, replicas=replicas, workers=workers,
                  train_images=train_info.num_examples, class_names=list(train_info.class_names),
                  strategy_resolved=strategy.__class__.__name__, eval_scale=scale,
                  checkpoint_every=args.checkpoint_every)
    print(json.dumps({k: v for k, v in config.items() if k != "class_names"}, indent=1))
    if distribute.is_chief(strategy):
        with open(os.path.join(run_dir, "config.json"), "w") as f:
            json.dump(config, f, indent=1)

    def train_fn(ctx, skip_steps):
        split = load_split(args.dataset, "train", input_context=ctx, shuffle_files=True,
                           seed=args.seed, **data)
        batch = ctx.get_per_replica_batch_size(recipe.batch_size)
        batches_per_step = replicas // ctx.num_input_pipelines
        return create_split(split.dataset, train=True, batch_size=batch, preprocess=augment,
                            seed=args.seed, deterministic=args.deterministic, cache=False,
                            shard=split.shard, skip=skip_steps * batches_per_step * batch)

    center = eval_preprocess("center", size, scale)

    def val_fn(ctx):
        split = load_split(args.dataset, "validation", input_context=ctx, **data)
        ds = create_split(split.dataset, train=False, cache=False, shard=split.shard,
                          batch_size=ctx.get_per_replica_batch_size(recipe.batch_size),
                          preprocess=lambda e: center(e)[0])
        # Every worker must run as many steps (collectives): the full batches only.
        return ds.take(val_info.num_examples // recipe.batch_size) if workers > 1 else ds

    keras.utils.set_random_seed(args.seed)  # the same initial weights under every strategy
    with strategy.scope():
        model = build_model(args.model, input_size=size, num_classes=len(train_info.class_names),
                            init=recipe.init, dropout=args.dropout)
        if args.init_from:
            init_from_vgg_a(model, args.init_from)
    trainer = Trainer(strategy=strategy, model=model, recipe=recipe, config=config,
                      train_dataset_fn=train_fn, val_dataset_fn=val_fn, steps_per_epoch=steps,
                      run_dir=run_dir)
    start = time.time()
    try:
        history, stopped = trainer.fit(resume=args.resume)
    except NonFiniteLoss as err:
        print(f"{parser.prog}: error: {err}", file=sys.stderr)
        return 3
    if stopped:
        return 0
    wall = time.time() - start
    final = history[-1] if history else trainer.evaluate()
    print(f"trained in {wall / 60:.1f} min; validation top-1 accuracy "
          f"{1 - final['val_top1_error']:.3f}, top-5 accuracy {1 - final['val_top5_error']:.3f}")
    if not distribute.is_chief(strategy):  # kept apart, to check that the replicas agree
        worker_dir = os.path.join(run_dir, f"worker{strategy.cluster_resolver.task_id}")
        os.makedirs(worker_dir, exist_ok=True)
        model.save(os.path.join(worker_dir, "model.keras"))
    else:
        model.save(os.path.join(run_dir, "model.keras"))
        if not args.no_export and args.export_dir:
            from pipelines.export import export_saved_model
            path = export_saved_model(model, os.path.join(args.export_dir, args.model),
                                      train_info.class_names, scale=scale)
            print(f"exported {path}")
    return 0


def init_from_vgg_a(model, path):
    """VGG paper 3.1: the first four conv layers and the three FC layers from a trained A
    (copied by name where the shapes agree), the rest left random."""
    import keras
    source = keras.saving.load_model(path, safe_mode=True)
    names = [l.name for l in source.layers if isinstance(l, keras.layers.Conv2D)][:4] + \
        ["fc1", "fc2", "predictions"]
    for name in names:
        try:
            target = model.get_layer(name)
        except ValueError:
            continue
        weights = source.get_layer(name).get_weights()
        if [w.shape for w in weights] == [w.shape for w in target.get_weights()]:
            target.set_weights(weights)


if __name__ == "__main__":
    sys.exit(main())
