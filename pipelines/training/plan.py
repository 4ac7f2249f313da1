"""A run resolved once: what a RunConfig means on the data and the machine at hand.

`plan(config, strategy)` opens each split once (its size and class names), fits the recipe to
the data (pipelines.training.recipes.Recipe.for_data), picks the precision, decides the decoded
cache, resolves pretrained weights and makes the model's Preprocessing. What follows reads the
frozen Plan: the first screen, config.json and the relaunch check (pipelines.training.run), the
input pipelines (pipelines.training.inputs), the model (pipelines.training.model) and the
Trainer (pipelines.training.loop).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from keras_nets import get_spec
from pipelines.data.sources import EMBEDDED, open_split
from pipelines.errors import UserError
from pipelines.training import distribute, precision
from pipelines.training.config import Resolved, RunConfig
from pipelines.training.inputs import decoded_cache
from pipelines.training.model import input_size

if TYPE_CHECKING:
    import tensorflow as tf

    from keras_nets.convert import WeightSource
    from keras_nets.preprocessing import Preprocessing
    from keras_nets.registry import ModelSpec
    from pipelines.data.sources import Source
    from pipelines.training.recipes import Recipe


class RunError(UserError):
    """A configuration that cannot run here (one line for the CLI)."""


@dataclasses.dataclass(frozen=True)
class Plan:
    """One run as it will train: the config with its recipe fitted to the data, the registry
    entry, each split opened once, the input the model sees and what the run resolved."""
    config: RunConfig
    spec: ModelSpec
    train: Source
    validation: Source
    preprocessing: Preprocessing  # saved inside the model: size, normalisation, scales, classes
    resolved: Resolved  # written to config.json beside the config's fields
    weights: WeightSource | None = None  # --weights, resolved (keras_nets.convert)

    @property
    def steps_per_epoch(self) -> int:
        return self.resolved.steps_per_epoch

    @property
    def num_classes(self) -> int:
        return len(self.train.class_names)

    def written(self) -> dict:
        """config.json: the RunConfig's fields and the resolved ones (pipelines.training.rundir
        compares it on a relaunch)."""
        return dict(self.config.to_json(), **self.resolved.to_json())


def plan(config: RunConfig, strategy: tf.distribute.Strategy,
         weights: WeightSource | None = None) -> Plan:
    """`config` resolved on this machine's `strategy` and its data (RunError, DataError: one
    line). Applies the precision policy it picks (pipelines.training.precision). `weights`:
    config.weights already resolved (pipelines.train resolves it for its normalisation)."""
    spec = get_spec(config.model.name)
    recipe = config.recipe
    chosen, why = precision.apply(config.runtime.precision)
    replicas = strategy.num_replicas_in_sync
    if recipe.batch_size % replicas:
        raise RunError(f"global batch {recipe.batch_size} does not split over {replicas} replicas")
    source = config.data
    data = dict(data_dir=source.data_dir, manual_dir=source.manual_dir,
                shapes_sizes=config.shapes_sizes)
    train = open_split(source.dataset, "train", **data)
    validation = open_split(source.dataset, "validation", **data)
    recipe, spe = fit_recipe(config, train.num_examples)
    config = config.replace(recipe=recipe)
    # What inference needs (size, normalisation, scales, class names, the data trained on)
    # travels inside the model's Keras config (keras_nets.Preprocessing); config.json has the run.
    preprocessing = spec.preprocessing(
        input_size(config), recipe.normalization, recipe.scale_min, recipe.scale_max,
        train.class_names, dataset=dict(name=source.dataset, sizes=config.shapes_sizes))
    workers = distribute.cluster_workers() if config.runtime.strategy != "one-device" else 1
    resolved = Resolved(preprocessing=preprocessing.get_config(), steps_per_epoch=spe,
                        replicas=replicas, workers=workers, train_images=train.num_examples,
                        strategy_resolved=strategy.__class__.__name__,
                        precision_resolved=chosen, precision_why=why,
                        decoded_cache=not source.data_service and decoded_cache(
                            spec, preprocessing, train.num_examples))
    return Plan(config, spec, train, validation, preprocessing, resolved,
                (weights or _weights(config, spec)) if config.model.weights else None)


def fit_recipe(config: RunConfig, train_images: int) -> tuple[Recipe, int]:
    """(recipe, steps per epoch) of `config` on `train_images` training images
    (pipelines.training.recipes.Recipe.for_data); RunError when they are under one batch."""
    batch = config.recipe.batch_size
    steps = config.data.steps_per_epoch
    pass_steps = steps or train_images // batch
    if pass_steps < 1:
        raise RunError(f"{train_images} training images are fewer than one batch of {batch}")
    return config.recipe.for_data(config.data.dataset == EMBEDDED, pass_steps,
                                  steps_given=steps is not None)


def _weights(config: RunConfig, spec: ModelSpec) -> WeightSource:
    from keras_nets import convert
    try:
        return convert.resolve(spec, config.model.weights)
    except convert.WeightsError as err:
        raise RunError(str(err)) from None
