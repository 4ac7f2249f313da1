"""train_and_evaluate: one run from a RunConfig, from the data to the trained, exported model.

RunConfig -> Plan (pipelines.training.plan: each split opened once, the recipe fitted to the
data, precision, preprocessing) -> create_split (per worker) -> Trainer (distributed steps,
checkpoints) -> model.keras -> SavedModel (pipelines.serving.saved_model).
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

import keras
import tensorflow as tf

from pipelines.errors import DamagedFile
from pipelines.training import distribute, grow, rundir
from pipelines.training.config import RunConfig
from pipelines.training.inputs import dataset_fns
from pipelines.training.log import chief_only, line
from pipelines.training.loop import Trainer
from pipelines.training.metrics import first_screen
from pipelines.training.model import build_model
from pipelines.training.plan import Plan, RunError, plan

if TYPE_CHECKING:
    from keras_nets.convert import WeightSource
    from pipelines.training.recipes import Recipe


def train_and_evaluate(config: RunConfig, weights: WeightSource | None = None
                       ) -> tuple[Trainer, list[dict], str | None]:
    """Train the model `config.model` names per `config.recipe`; returns (trainer, history, stop signal). A recipe
    that grows the net from a shallower one (VGG 3.1, pipelines.training.grow) trains that one
    first, in its own run directory inside this run's; a stop signal in it ends the run. Its
    lines go to pipelines.training.log, from the chief only. `weights`: config.weights as the
    caller already resolved it (keras_nets.convert.resolve), so that it is resolved once."""
    strategy = distribute.make_strategy(config.runtime.strategy)  # first: collectives need a fresh context
    with chief_only(distribute.is_chief(strategy)):
        return _stages(config, strategy, weights)


def _stages(config: RunConfig, strategy: tf.distribute.Strategy,
            weights: WeightSource | None = None) -> tuple[Trainer, list[dict], str | None]:
    stage = grow.shallower_run(config)
    if stage is not None:
        ratio = grow.compute_ratio(config, stage)
        deep, shallow = config.model.name, stage.model.name
        line(f"VGG 3.1: {deep} starts from a trained {shallow}: two runs, "
             f"{shallow}'s first (in {stage.runtime.run_dir}), then {deep}'s "
             f"({_budget(config.recipe)}, at {ratio:.1f}x {shallow}'s compute per image); "
             f"{shallow}'s ETA adds {deep}'s estimate")
        trainer, history, stopped = _train(stage, strategy, then=(config, ratio))
        if stopped:
            return trainer, history, stopped
        line(f"{deep} from {shallow}'s first four conv and three FC layers")
        config = grow.grown(config, stage)
    return _train(config, strategy, weights=weights)  # a grown run has no --weights


def _budget(recipe: Recipe) -> str:
    """A recipe's step budget in words, before the data fixes the steps per epoch."""
    if recipe.min_steps:
        return f"{recipe.epochs} epochs, {recipe.min_steps:,} steps at least"
    return f"{recipe.epochs} epochs"


def _train(config: RunConfig, strategy: tf.distribute.Strategy,
           then: tuple[RunConfig, float] | None = None, weights: WeightSource | None = None
           ) -> tuple[Trainer, list[dict], str | None]:
    """One stage; `then` (the later stage's config, its compute per image over this one's)
    makes the progress line's ETA cover both."""
    keras.utils.set_random_seed(config.runtime.seed)
    if config.runtime.deterministic:
        tf.config.experimental.enable_op_determinism()
    run = plan(config, strategy, weights)  # resolved once: everything below reads the plan
    _write_config(run, strategy)
    train_fn, val_fn = dataset_fns(run)
    config = run.config
    keras.utils.set_random_seed(config.runtime.seed)  # the same initial weights under every strategy
    with strategy.scope():
        model = build_model(config, num_classes=run.num_classes,
                            size=run.preprocessing.input_size)
        model.preprocessing = run.preprocessing
        if config.model.init_from:
            shallower = keras.saving.load_model(config.model.init_from, safe_mode=True)
            run.spec.grow(model, shallower)
        head = _load_pretrained(run, model) if run.weights else None
    later = (then[0].model.name, grow.images_of(then[0], run) * then[1]) if then else None
    trainer = Trainer(strategy=strategy, model=model, plan=run, train_dataset_fn=train_fn,
                      val_dataset_fn=val_fn, head_layers=head, then=later)
    start = time.time()
    history, stopped = trainer.fit()
    if not stopped:
        final = history[-1] if history else trainer.evaluate()
        line(f"trained in {(time.time() - start) / 60:.1f} min; validation top-1 accuracy "
            f"{1 - final['val_top1_error']:.3f}, top-5 accuracy {1 - final['val_top5_error']:.3f}")
        _save(config, _float32(model, config), strategy)
    return trainer, history, stopped


def _load_pretrained(run: Plan, model: keras.Model) -> tuple[str, ...]:
    """The plan's pretrained weights (--weights) into `model` (keras_nets.convert): every layer
    whose shapes agree. Returns the layers left fresh (a head for the data's classes), which the
    finetune recipe trains alone first. Also on a relaunch: the checkpoint then overwrites them,
    and the fresh layers' names are the same."""
    from keras_nets import convert
    try:
        loaded = convert.load(model, run.weights)
    except convert.WeightsError as err:
        raise RunError(str(err)) from None
    head = ", ".join(loaded.fresh) or "none"
    epochs = run.config.recipe.head_epochs or 0
    phase = (f"; {epochs} epoch{'s' if epochs > 1 else ''} of the new layers alone first"
             if epochs and loaded.fresh else "")
    line(f"pretrained: {len(loaded.loaded)} layers from the "
         f"{convert.SOURCE_NAMES[run.weights.kind]} {run.weights.path}; new: {head}{phase}")
    return loaded.fresh


def _write_config(run: Plan, strategy: tf.distribute.Strategy) -> None:
    """Log what the run is in a few lines and write the resolved config to config.json; a run dir
    with a checkpoint is resumed, and only by the same run, and a damaged one refused
    (pipelines.training.rundir)."""
    written = run.written()
    try:
        rundir.check_resumable(run.config.runtime.run_dir, written)
    except (rundir.RunDirError, DamagedFile) as err:
        raise RunError(str(err)) from None
    for screen_line in first_screen(run.config, run.resolved):
        line(screen_line)
    if distribute.is_chief(strategy):
        rundir.write_config(run.config.runtime.run_dir, written)


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
    runtime = config.runtime
    if not distribute.is_chief(strategy):
        worker_dir = os.path.join(runtime.run_dir, f"worker{strategy.cluster_resolver.task_id}")
        os.makedirs(worker_dir, exist_ok=True)
        model.save(os.path.join(worker_dir, "model.keras"))
        return
    model.save(os.path.join(runtime.run_dir, "model.keras"))
    if runtime.export_dir:
        from pipelines.serving.saved_model import export_saved_model
        path = export_saved_model(model, os.path.join(runtime.export_dir, config.model.name))
        line(f"exported {path}")
