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

from keras_nets.initializers import INITS  # noqa: E402  (after the notices are filtered)
from keras_nets.normalization import NORMALIZATIONS
from keras_nets.registry import get_spec, model_names
from pipelines.cli import ArgumentParser, add_data_arguments, fail, user_errors
from pipelines.training.checks import ConfigError
from pipelines.training.config import STRATEGIES, RunConfig
from pipelines.training.recipes import RECIPES, recipe_for
from pipelines.training.precision import PRECISIONS

if TYPE_CHECKING:
    from keras_nets.convert import WeightSource

NORMALIZATION_NAMES = tuple(NORMALIZATIONS)
# Flags that override a field of the recipe (flag name -> Recipe field).
RECIPE_FLAGS = {"epochs": "epochs", "batch_size": "batch_size", "learning_rate": "learning_rate",
                "input_size": "input_size", "dropout": "dropout", "shapes_train": "num_train",
                "shapes_validation": "num_validation", "normalization": "normalization",
                "scale_min": "scale_min", "scale_max": "scale_max", "init": "init",
                "flip": "flip", "lighting": "lighting", "head_epochs": "head_epochs"}
# The run's defaults are RunConfig's (declared once, there).
DEFAULT = {f.name: f.default for f in dataclasses.fields(RunConfig)}
# The flag that sets a config field, where the two names differ.
FLAG_OF = {field: flag for flag, field in RECIPE_FLAGS.items()} | {"steps_per_epoch": "steps"}


def parse_args(argv: list[str] | None = None) -> tuple[ArgumentParser, argparse.Namespace]:
    p = ArgumentParser(module="pipelines.train", description=__doc__)
    p.add_argument("--model", default="alexnet", choices=model_names())
    p.add_argument("--width", type=float, default=DEFAULT["width"],
                   help="scale every conv layer's filters (1.0: the paper's net)")
    p.add_argument("--fc-units", type=int, default=DEFAULT["fc_units"],
                   help="units of the two hidden FC layers (4096: the papers')")
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
    p.add_argument("--dropout", type=float, default=None,
                   help="on FC6 and FC7 (the recipe's: 0.5, both papers)")
    p.add_argument("--init", default=None, choices=INITS,
                   help="weight initialisation (the recipe's: AlexNet and VGG A paper, VGG B..E "
                        "glorot, demo he)")
    p.add_argument("--normalization", default=None, choices=NORMALIZATION_NAMES,
                   help="input normalisation (the recipe's: paper mean_rgb, demo standardize); "
                        "saved with the model, used by evaluate and the export")
    p.add_argument("--no-flip", dest="flip", action="store_false", default=None,
                   help="no random mirror in training (the papers' flip is wrong for digits, "
                        "text and many medical or satellite images)")
    p.add_argument("--lighting", dest="lighting", action=argparse.BooleanOptionalAction,
                   default=None, help="PCA lighting / RGB colour shift in training (AlexNet "
                                      "4.1, VGG 3.1; the recipe's: on)")
    p.add_argument("--scale-min", type=int, default=None,
                   help="VGG training scale S_min (the recipe's: paper 256)")
    p.add_argument("--scale-max", type=int, default=None,
                   help="VGG training scale S_max (= S_min: fixed S; the recipe's: paper 512)")
    p.add_argument("--data-service", default=None, metavar="HOST:PORT",
                   help="run the training input pipeline on tf.data service workers registered "
                        "with this dispatcher (python -m pipelines.data.service)")
    p.add_argument("--strategy", default=DEFAULT["strategy"], choices=STRATEGIES)
    p.add_argument("--cluster-port", type=int, default=8888,
                   help="under srun (Slurm) without TF_CONFIG: the first port of a node's tasks "
                        "(task i of a node listens on this + i)")
    p.add_argument("--cpu-devices", type=int, default=DEFAULT["cpu_devices"],
                   help="split the CPU into this many logical devices (testing 'mirrored')")
    p.add_argument("--precision", default=DEFAULT["precision"], choices=PRECISIONS,
                   help="compute precision over float32 weights; auto: bfloat16 on CPUs with "
                        "bfloat16 arithmetic (AMX, AVX512-BF16) and on GPUs from compute "
                        "capability 8.0, float16 (loss-scaled) on 7.x, float32 otherwise")
    p.add_argument("--xla", action="store_true", help="compile the train step with XLA")
    p.add_argument("--seed", type=int, default=DEFAULT["seed"])
    p.add_argument("--deterministic", action="store_true",
                   help="deterministic ops and input order (exact resume, slower)")
    p.add_argument("--run-dir", default=None, help="default: runs/<model>-<time>")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --run-dir (relaunching does so anyway whenever the "
                        "run dir holds a checkpoint)")
    p.add_argument("--checkpoint-every", type=int, default=DEFAULT["checkpoint_every"],
                   help="steps (0: epochs only)")
    p.add_argument("--steps-per-loop", type=int, default=DEFAULT["steps_per_loop"],
                   help="train steps per tf.function call; the host reads metrics, checks the "
                        "loss and signals once per call (like Keras' steps_per_execution)")
    p.add_argument("--init-from", default=None,
                   help="VGG: a trained configuration A (.keras) to start from (VGG paper 3.1)")
    p.add_argument("--weights", default=None, metavar="imagenet|PATH",
                   help="fine-tune pretrained weights: 'imagenet' (VGG D/E: keras.applications' "
                        "file in the Keras cache) or a file: Caffe's bvlc_alexnet.caffemodel "
                        "(alexnet), a torchvision vgg11/13/16/19 state dict (VGG A/B/D/E), a "
                        "keras.applications .h5 (VGG D/E); a new head for the data's classes, "
                        "the weights' own normalisation (use with --recipe finetune)")
    p.add_argument("--head-epochs", type=int, default=None,
                   help="finetune: epochs that train only the new head before every layer "
                        "learns (the recipe's: 2)")
    p.add_argument("--export-dir", default=DEFAULT["export_dir"], help="'' to skip the export")
    p.add_argument("--no-export", action="store_true")
    p.add_argument("--verbose", action="store_true",
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
    overrides = {field: getattr(args, flag) for flag, field in RECIPE_FLAGS.items()
                 if getattr(args, flag) is not None}
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
    recipe = dataclasses.replace(recipe, **overrides)
    strategy = "mirrored" if args.strategy == "auto" and args.cpu_devices > 1 else args.strategy
    return RunConfig(
        model=args.model, recipe=recipe, width=args.width, fc_units=args.fc_units,
        dataset=args.dataset, data_dir=args.data_dir,
        manual_dir=args.manual_dir, steps_per_epoch=args.steps, strategy=strategy,
        cpu_devices=args.cpu_devices, precision=args.precision, xla=args.xla,
        seed=args.seed, deterministic=args.deterministic,
        run_dir=args.run_dir or os.path.join(
            "runs", f"{args.model}-{time.strftime('%Y%m%d-%H%M%S')}"),
        resume=args.resume, checkpoint_every=args.checkpoint_every,
        steps_per_loop=args.steps_per_loop, init_from=args.init_from,
        weights=args.weights, model_options=dict(source.model_options) if source else {},
        export_dir=None if args.no_export else (args.export_dir or None),
        data_service=args.data_service)


def main(argv: list[str] | None = None) -> int:
    parser, args = parse_args(argv)
    try:
        config = run_config(args)
    except ConfigError as err:  # the config's own checks, said with the flag that sets the field
        parser.error(err.said(lambda field: "--" + FLAG_OF.get(field, field).replace("_", "-")))
    if config.init_from and not os.path.exists(config.init_from):
        parser.error(f"--init-from {config.init_from}: no such file")
    from pipelines.training import distribute  # TensorFlow after --help and argument errors
    if config.cpu_devices > 1:
        distribute.split_cpu(config.cpu_devices)
    from pipelines.training.loop import NonFiniteLoss
    from pipelines.training.run import train_and_evaluate
    from pipelines.training.signals import exit_code
    from pipelines.training.lock import owning
    try:
        # Data, run directory, cluster: one line (pipelines.cli.user_errors).
        with user_errors(parser.prog):
            if config.strategy in ("auto", "multi-worker"):
                distribute.cluster_from_slurm(args.cluster_port)  # srun: no TF_CONFIG to write
            # One owner per run dir (pipelines.training.lock); each worker of a job its own part.
            with owning(config.run_dir, distribute.lock_part(config.strategy)):
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
