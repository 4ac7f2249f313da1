"""python -m pipelines.train: train an AlexNet or VGG with tf.distribute, evaluate, export.

With no arguments: the two-tower AlexNet on the embedded dataset with the demo recipe, on every
visible device, then a SavedModel under saved_models/alexnet/<version>/.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from typing import TYPE_CHECKING

from pipelines import quiet

# Before anything imports TensorFlow: its start-up notices stay off the screen (pipelines.quiet).
quiet.hide_startup_notices(verbose="--verbose" in sys.argv[1:])

from keras_nets.registry import get_spec  # noqa: E402  (after the notices are filtered)
from pipelines.cli import ArgumentParser, add_options, fail, user_errors
from pipelines.training.checks import ConfigError
from pipelines.training.config import GROUPS, KEYS, DataConfig, ModelConfig, RunConfig, \
    RuntimeConfig
from pipelines.training.options import flag_of, key_of
from pipelines.training.recipes import RECIPES, Recipe, recipe_for

if TYPE_CHECKING:
    from keras_nets.convert import WeightSource

# The flag that sets each config field (a ConfigError names the field; the CLI says the flag).
FLAGS = {key_of(field): flag_of(field)
         for cls in (*GROUPS.values(), Recipe) for field in dataclasses.fields(cls)}


def parse_args(argv: list[str] | None = None) -> tuple[ArgumentParser, argparse.Namespace]:
    """The flags: the config's fields (pipelines.training.config: each field declares its flag,
    default and help) and the few that are not a field (--recipe, --cluster-port, --no-export,
    --verbose)."""
    p = ArgumentParser(module="pipelines.train", description=__doc__)
    add_options(p.add_argument_group("model"), ModelConfig)
    add_options(p.add_argument_group("data"), DataConfig)
    recipe = p.add_argument_group("recipe (each flag overrides the recipe's field)")
    recipe.add_argument("--recipe", default="demo", choices=sorted(RECIPES),
                        help="'paper' (the model's paper), 'demo' (fast on a CPU), "
                             "'paper_bias0.1' or 'finetune'")
    add_options(recipe, Recipe, overrides=True)
    add_options(p.add_argument_group("runtime"), RuntimeConfig)
    other = p.add_argument_group("cluster and output")
    other.add_argument("--cluster-port", type=int, default=8888,
                       help="under srun (Slurm) without TF_CONFIG: the first port of a node's "
                            "tasks (task i of a node listens on this + i)")
    other.add_argument("--no-export", action="store_true", help="no SavedModel export")
    other.add_argument("--verbose", action="store_true",
                       help="show TensorFlow's start-up and C++ INFO/WARNING logs")
    args = p.parse_args(argv)
    # The flags' ranges are the config's own checks (pipelines.training.config), made when
    # run_config builds it; here only what concerns the flags themselves.
    if not 0 < args.cluster_port < 65536:
        p.error("--cluster-port must be a port number (1-65535)")
    if (args.scale_min or args.scale_max) and get_spec(args.model).fixed_scale:
        p.error(f"--scale-min/--scale-max apply to models trained at a jittered scale (VGG); "
                f"{args.model} trains at one scale (--input-size sets it)")
    if args.weights and not args.init_from:
        args.weight_source = _weight_source(p, args)
    if args.resume and not args.run_dir:
        p.error("--resume needs --run-dir")
    return p, args


def _weight_source(parser: argparse.ArgumentParser, args: argparse.Namespace) -> WeightSource:
    """keras_nets.convert's WeightSource of --weights (the file's kind from its first bytes;
    'imagenet' is the file in the Keras cache, fetched there when missing), or a one-line
    error."""
    from keras_nets import convert
    try:
        return convert.resolve(get_spec(args.model), args.weights)
    except convert.WeightsError as err:
        parser.error(f"--weights: {err}")


def run_config(args: argparse.Namespace) -> RunConfig:
    """The typed RunConfig: the recipe of the model's family with the flags' overrides."""
    spec = get_spec(args.model)
    recipe = recipe_for(args.recipe, spec.recipes, spec.name)
    overrides = {field.name: getattr(args, field.name) for field in dataclasses.fields(Recipe)
                 if "option" in field.metadata and getattr(args, field.name) is not None}
    if "input_size" in overrides and recipe.shapes_side and recipe.input_size:
        # The embedded images are rendered at the scale the recipe trains at: follow --input-size.
        overrides.update(shapes_side=round(
            recipe.shapes_side * overrides["input_size"] / recipe.input_size))
    source = getattr(args, "weight_source", None)
    if source and "normalization" not in overrides:
        # The input normalisation the pretrained weights were trained with (Caffe's BGR mean,
        # torchvision's mean/std, keras.applications' caffe_bgr): saved with the model.
        overrides["normalization"] = source.normalization
    if args.epochs is not None:
        overrides["min_steps"] = None  # the epochs asked for, whatever the dataset's size
        if recipe.grow_from:
            overrides["grow_epochs"] = args.epochs
    fields = {key: getattr(args, key) for key in KEYS if hasattr(args, key)}
    if args.strategy == "auto" and args.cpu_devices > 1:
        fields["strategy"] = "mirrored"
    fields.update(
        run_dir=args.run_dir or os.path.join(
            "runs", f"{args.model}-{time.strftime('%Y%m%d-%H%M%S')}"),
        model_options=dict(source.model_options) if source else {},
        export_dir=None if args.no_export else (args.export_dir or None))
    return RunConfig.make(dataclasses.replace(recipe, **overrides), **fields)


def main(argv: list[str] | None = None) -> int:
    parser, args = parse_args(argv)
    try:
        config = run_config(args)
    except ConfigError as err:  # the config's own checks, said with the flag that sets the field
        parser.error(err.said(lambda field: FLAGS.get(field, "--" + field.replace("_", "-"))))
    init_from = config.model.init_from
    if init_from and not os.path.exists(init_from):
        parser.error(f"--init-from {init_from}: no such file")
    from pipelines.training import distribute  # TensorFlow after --help and argument errors
    runtime = config.runtime
    if runtime.cpu_devices > 1:
        distribute.split_cpu(runtime.cpu_devices)
    from pipelines.training.loop import NonFiniteLoss
    from pipelines.training.run import train_and_evaluate
    from pipelines.training.signals import exit_code
    from pipelines.training.lock import owning
    try:
        # Data, run directory, cluster: one line (pipelines.cli.user_errors).
        with user_errors(parser.prog):
            if runtime.strategy in ("auto", "multi-worker"):
                distribute.cluster_from_slurm(args.cluster_port)  # srun: no TF_CONFIG to write
            # One owner per run dir (pipelines.training.lock); each worker of a job its own part.
            with owning(runtime.run_dir, distribute.lock_part(runtime.strategy)):
                _, _, stopped = train_and_evaluate(config, getattr(args, "weight_source", None))
    except NonFiniteLoss as err:
        print(f"{parser.prog}: error: {err}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        fail(parser.prog, "interrupted before training started")
    # Stopped by SIGTERM/SIGINT after a checkpoint: 143/130, so that a scheduler restarts it.
    return exit_code(stopped) if stopped else 0


if __name__ == "__main__":
    sys.exit(main())
