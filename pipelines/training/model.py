"""The run's net, built in one place from its RunConfig: the model its registry entry builds at
the run's input size, with the run's width, FC units and builder options and the recipe's
initialisation and dropout. Training, its float32 twin, VGG 3.1's compute ratio, the trainer's
benchmark and research's model sizes all build it here, so they build the same net."""

from __future__ import annotations

from typing import TYPE_CHECKING

from keras_nets import get_spec

if TYPE_CHECKING:
    from keras_nets import ImageClassifier
    from pipelines.training.config import RunConfig


def input_size(config: RunConfig) -> int:
    """The crop the run trains at: the recipe's, else the paper's for the model."""
    return config.recipe.input_size or get_spec(config.model.name).input_size


def build_model(config: RunConfig, num_classes: int = 1000,
                size: int | None = None) -> ImageClassifier:
    """The model config.model names, at `size` px (default: input_size(config)) with `num_classes` outputs."""
    recipe, net = config.recipe, config.model
    return get_spec(net.name)(size or input_size(config), num_classes=num_classes,
                              init=recipe.init, dropout=recipe.dropout, width=net.width,
                              fc_units=net.fc_units, **net.model_options)
