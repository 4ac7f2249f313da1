"""train_and_evaluate: one run from a RunConfig, from the data to the trained, exported model.

sources -> create_split (per worker) -> Trainer (distributed steps, checkpoints) -> model.keras
-> SavedModel (pipelines.serving.export).
"""

from __future__ import annotations

import dataclasses
import os
import time
from typing import TYPE_CHECKING

import keras
import tensorflow as tf

from keras_nets import get_spec
from pipelines.data.sources import EMBEDDED, load_split
from pipelines.errors import DamagedFile, UserError
from pipelines.training import distribute, grow, precision, rundir
from pipelines.training.config import Resolved, RunConfig
from pipelines.training.inputs import dataset_fns, decoded_cache
from pipelines.training.log import chief_only, line
from pipelines.training.loop import Trainer
from pipelines.training.metrics import first_screen
from pipelines.training.model import build_model, input_size

if TYPE_CHECKING:
    from pipelines.training.config import Recipe


class RunError(UserError):
    """A configuration that cannot run here (one line for the CLI)."""


def train_and_evaluate(config: RunConfig) -> tuple[Trainer, list[dict], str | None]:
    """Train `config.model` per `config.recipe`; returns (trainer, history, stop signal). A recipe
    that grows the net from a shallower one (VGG 3.1, pipelines.training.grow) trains that one
    first, in its own run directory inside this run's; a stop signal in it ends the run. Its
    lines go to pipelines.training.log, from the chief only."""
    strategy = distribute.make_strategy(config.strategy)  # first: collectives need a fresh context
    with chief_only(distribute.is_chief(strategy)):
        return _stages(config, strategy)


def _stages(config: RunConfig, strategy: tf.distribute.Strategy
            ) -> tuple[Trainer, list[dict], str | None]:
    stage = grow.shallower_run(config)
    if stage is not None:
        size = input_size(config)
        line(f"VGG 3.1: {config.model} starts from a trained {stage.model}: two runs, "
            f"{stage.model}'s first (in {stage.run_dir}), then {config.model}'s "
            f"({_budget(config.recipe)}, at {grow.compute_ratio(config, stage, size):.1f}x "
            f"{stage.model}'s compute per image); each prints its own ETA")
        trainer, history, stopped = _train(stage, strategy)
        if stopped:
            return trainer, history, stopped
        line(f"{config.model} from {stage.model}'s first four conv and three FC layers")
        config = grow.grown(config, stage)
    return _train(config, strategy)


def _budget(recipe: Recipe) -> str:
    """A recipe's step budget in words, before the data fixes the steps per epoch."""
    if recipe.min_steps:
        return f"{recipe.epochs} epochs or {recipe.min_steps:,} steps, whichever is more"
    return f"{recipe.epochs} epochs"


def _train(config: RunConfig, strategy: tf.distribute.Strategy
           ) -> tuple[Trainer, list[dict], str | None]:
    spec = get_spec(config.model)
    recipe = config.recipe
    keras.utils.set_random_seed(config.seed)
    if config.deterministic:
        tf.config.experimental.enable_op_determinism()
    chosen, why = precision.apply(config.precision)
    replicas = strategy.num_replicas_in_sync
    if recipe.batch_size % replicas:
        raise RunError(f"global batch {recipe.batch_size} does not split over {replicas} replicas")
    data = dict(data_dir=config.data_dir, manual_dir=config.manual_dir,
                shapes_sizes=config.shapes_sizes)
    train_info = load_split(config.dataset, "train", **data)
    val_info = load_split(config.dataset, "validation", **data)
    workers = distribute.cluster_workers() if config.strategy != "one-device" else 1
    spe = config.steps_per_epoch or train_info.num_examples // recipe.batch_size
    if spe < 1:
        raise RunError(f"{train_info.num_examples} training images are fewer than one batch of "
                       f"{recipe.batch_size}")
    recipe = recipe.for_data(config.dataset == EMBEDDED, spe,
                             epochs_given=config.steps_per_epoch is not None)
    config = dataclasses.replace(config, recipe=recipe)
    size = input_size(config)
    # What inference needs (size, normalisation, scales, class names, the data trained on)
    # travels inside the model's Keras config (keras_nets.Preprocessing); config.json has the run.
    preprocessing = spec.preprocessing(
        size, recipe.normalization, recipe.scale_min, recipe.scale_max, train_info.class_names,
        dataset=dict(name=config.dataset, sizes=config.shapes_sizes))
    resolved = Resolved(preprocessing=preprocessing.get_config(), steps_per_epoch=spe,
                        replicas=replicas, workers=workers,
                        train_images=train_info.num_examples,
                        strategy_resolved=strategy.__class__.__name__,
                        precision_resolved=chosen, precision_why=why,
                        decoded_cache=not config.data_service and decoded_cache(
                            spec, preprocessing, train_info.num_examples))
    _write_config(config, resolved, strategy)
    train_fn, val_fn = dataset_fns(config, spec, preprocessing, val_info.num_examples,
                                   cached=resolved.decoded_cache)

    keras.utils.set_random_seed(config.seed)  # the same initial weights under every strategy
    with strategy.scope():
        model = build_model(config, num_classes=len(train_info.class_names), size=size)
        model.preprocessing = preprocessing
        if config.init_from:
            spec.grow(model, keras.saving.load_model(config.init_from, safe_mode=True))
        head = _load_pretrained(config, model) if config.weights else None
    trainer = Trainer(strategy=strategy, model=model, config=config, steps_per_epoch=spe,
                      train_dataset_fn=train_fn, val_dataset_fn=val_fn, head_layers=head)
    start = time.time()
    history, stopped = trainer.fit()
    if not stopped:
        final = history[-1] if history else trainer.evaluate()
        line(f"trained in {(time.time() - start) / 60:.1f} min; validation top-1 accuracy "
            f"{1 - final['val_top1_error']:.3f}, top-5 accuracy {1 - final['val_top5_error']:.3f}")
        _save(config, _float32(model, config), strategy)
    return trainer, history, stopped


def _load_pretrained(config: RunConfig, model: keras.Model) -> tuple[str, ...]:
    """The pretrained weights of --weights into `model` (keras_nets.convert): every layer whose
    shapes agree. Returns the layers left fresh (a head for the data's classes), which the
    finetune recipe trains alone first. Also on a relaunch: the checkpoint then overwrites them,
    and the fresh layers' names are the same."""
    from keras_nets import convert
    try:
        source = convert.resolve(get_spec(config.model), config.weights)
        loaded = convert.load(model, source)
    except convert.WeightsError as err:
        raise RunError(str(err)) from None
    head = ", ".join(loaded.fresh) or "none"
    epochs = config.recipe.head_epochs or 0
    phase = (f"; {epochs} epoch{'s' if epochs > 1 else ''} of the new layers alone first"
             if epochs and loaded.fresh else "")
    line(f"pretrained: {len(loaded.loaded)} layers from the {convert.SOURCE_NAMES[source.kind]} "
        f"{source.path}; new: {head}{phase}")
    return loaded.fresh


def _write_config(config: RunConfig, resolved: Resolved,
                  strategy: tf.distribute.Strategy) -> None:
    """Log what the run is in a few lines and write the resolved config to config.json; a run dir
    with a checkpoint is resumed, and only by the same run, and a damaged one refused
    (pipelines.training.rundir)."""
    written = dict(config.to_json(), **resolved.to_json())
    try:
        rundir.check_resumable(config.run_dir, written)
    except (rundir.RunDirError, DamagedFile) as err:
        raise RunError(str(err)) from None
    for screen_line in first_screen(config, resolved):
        line(screen_line)
    if distribute.is_chief(strategy):
        rundir.write_config(config.run_dir, written)


def _float32(model: keras.Model, config: RunConfig) -> keras.Model:
    """`model` itself, or under a mixed precision its float32 twin with the same weights: what is
    saved and exported computes in float32, so a model trained in bfloat16 on a CPU that has it
    serves at full speed and precision on one that does not."""
    policy = keras.config.dtype_policy()
    if policy.name == "float32":
        return model
    keras.config.set_dtype_policy("float32")
    try:
        twin = build_model(config, num_classes=model.output_shape[-1],
                           size=model.preprocessing.input_size)
    finally:
        keras.config.set_dtype_policy(policy)
    twin.set_weights(model.get_weights())
    twin.preprocessing = model.preprocessing
    return twin


def _save(config: RunConfig, model: keras.Model, strategy: tf.distribute.Strategy) -> None:
    """model.keras in the run directory (other workers' apart, to check that replicas agree),
    then the chief's SavedModel export; both carry the model's Preprocessing."""
    if not distribute.is_chief(strategy):
        worker_dir = os.path.join(config.run_dir, f"worker{strategy.cluster_resolver.task_id}")
        os.makedirs(worker_dir, exist_ok=True)
        model.save(os.path.join(worker_dir, "model.keras"))
        return
    model.save(os.path.join(config.run_dir, "model.keras"))
    if config.export_dir:
        from pipelines.serving.export import export_saved_model
        path = export_saved_model(model, os.path.join(config.export_dir, config.model))
        line(f"exported {path}")
