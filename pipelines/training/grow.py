"""VGG section 3.1's way to train a deep net: first the shallower net A, then the deeper net with
A's first four conv layers and three FC layers (keras_nets.ModelSpec.grow), as one run.

A recipe with `grow_from` set makes `pipelines.train --model vgg_e` two stages: the shallower
net's own run of the same recipe in RUN_DIR/grown_from_<name>/ (its own run directory, so that a
relaunch continues whichever stage was running), then the deeper net from that run's model.keras.
"""

import dataclasses
import os

from keras_nets import get_spec
from pipelines.training.config import RunConfig
from pipelines.training.plan import Plan, fit_recipe
from pipelines.training.recipes import recipe_for
from pipelines.training.rundir import stage_dir

# What the two stages must share: the input the nets see (size, scale, normalisation,
# augmentation) and the embedded dataset drawn. Everything else is the shallower net's own recipe.
DATA_FIELDS = ("input_size", "scale_min", "scale_max", "normalization", "lighting", "flip",
               "num_train", "num_validation", "shapes_min_side", "shapes_max_side",
               "shapes_side")


def shallower_run(config: RunConfig) -> RunConfig | None:
    """The first stage of `config` (the shallower net's run), or None when `config` trains from
    its own initialisation, from --init-from or from pretrained --weights."""
    source = config.recipe.grow_from
    if not source or config.model.init_from or config.model.weights:
        return None
    spec = get_spec(source)
    own = recipe_for(config.recipe.name, spec.recipes, spec.name)
    recipe = dataclasses.replace(
        own, **{field: getattr(config.recipe, field) for field in DATA_FIELDS})
    if config.recipe.grow_epochs:
        recipe = dataclasses.replace(recipe, epochs=config.recipe.grow_epochs, min_steps=None)
    return config.replace(
        model=spec.name, recipe=recipe, model_options={}, init_from=None,
        run_dir=stage_dir(config.runtime.run_dir, spec.name), export_dir=None)


def compute_ratio(config: RunConfig, stage: RunConfig) -> float:
    """The deeper net's multiply-accumulates per image over the shallower one's at the run's
    input size (VGG D's are 1.9x A's at 32 px): the second stage's time per step against the
    first's (both stages train at the same size: DATA_FIELDS)."""
    from keras_nets.counting import count_macs
    from pipelines.training.model import build_model
    macs = [count_macs(build_model(run)) for run in (config, stage)]
    return macs[0] / macs[1]


def images_of(config: RunConfig, stage: Plan) -> int:
    """The images the deeper net's run `config` will train on: its recipe fitted to the data the
    first stage's plan opened (the same data; pipelines.training.recipes.Recipe.for_data)."""
    recipe, steps = fit_recipe(config, stage.train.num_examples)
    return recipe.epochs * steps * recipe.batch_size


def grown(config: RunConfig, stage: RunConfig) -> RunConfig:
    """`config` starting from the trained first stage's model.keras."""
    return config.replace(init_from=os.path.join(stage.runtime.run_dir, "model.keras"))
