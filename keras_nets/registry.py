"""Every model of the project by name, with what the rest of the project needs to know about it.

One `ModelSpec` per model: its family, builder, the paper's input size, the evaluation scale rule,
the papers' input normalisation and the hosted weights. The training CLI's choices, the
benchmarks, evaluation and export all read this table; a new model is one entry.
"""

import dataclasses
import functools
from typing import Callable

from keras_nets.alexnet import build_alexnet
from keras_nets.vgg import IMAGENET_WEIGHTS, build_vgg

# Both papers subtract the training set's mean RGB on the 0-255 scale and nothing else
# (AlexNet section 2, VGG section 2.1).
PAPER_NORMALIZATION = "mean_rgb"


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    name: str
    family: str  # "alexnet" or "vgg": selects the paper's training and test protocols
    build: Callable  # build(input_shape=..., **options) -> keras.Model
    input_size: int  # the paper's training crop: 227 (AlexNet section 3.5), 224 (VGG 2.1)
    # The image's shorter side before the crop: 256 in both papers (AlexNet 2: 256x256 images,
    # random 227 crops; VGG 3.1 with S = 256: random 224 crops).
    resize_side: int = 256
    normalization: str = PAPER_NORMALIZATION
    hosted_weights: tuple = ()  # values of `weights=` that load published weights
    aliases: tuple = ()
    paper: str = ""

    def eval_scale(self, size=None):
        """The test scale Q for a model trained on size x size crops: the paper's ratio 256/227
        (AlexNet) or 256/224 (VGG) applied to `size` (148 for AlexNet at 131 px)."""
        return round((size or self.input_size) * self.resize_side / self.input_size)

    def __call__(self, input_size=None, **options):
        size = input_size or self.input_size
        return self.build(input_shape=(size, size, 3), **options)


def _vgg(config, aliases=()):
    key = config.lower().replace("-", "_")
    weights = ("imagenet",) if any(c == config for c, _ in IMAGENET_WEIGHTS) else ()
    return ModelSpec(f"vgg_{key}", "vgg", functools.partial(build_vgg, config), 224,
                     hosted_weights=weights, aliases=aliases,
                     paper=f"Simonyan & Zisserman 2015, Table 1 configuration {config}")


SPECS = {spec.name: spec for spec in (
    ModelSpec("alexnet", "alexnet", functools.partial(build_alexnet, split=True), 227,
              paper="Krizhevsky, Sutskever & Hinton 2012, section 3.5 (two towers)"),
    ModelSpec("alexnet_one_tower", "alexnet", functools.partial(build_alexnet, split=False), 227,
              paper="Krizhevsky, Sutskever & Hinton 2012, section 3.5 (one tower)"),
    _vgg("A", ("vgg11",)),
    _vgg("A-LRN", ("vgg11_lrn",)),
    _vgg("B", ("vgg13",)),
    _vgg("C"),
    _vgg("D", ("vgg16",)),
    _vgg("E", ("vgg19",)),
)}
_BY_ALIAS = {alias: spec for spec in SPECS.values() for alias in spec.aliases}
MODEL_NAMES = tuple(SPECS) + tuple(_BY_ALIAS)


def get_spec(name):
    """The ModelSpec of a project name or alias ('alexnet', 'vgg_a_lrn', 'vgg16'), any case."""
    key = str(name).strip().lower().replace("-", "_")
    spec = SPECS.get(key) or _BY_ALIAS.get(key)
    if spec is None:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODEL_NAMES)}")
    return spec


def build_model(name, input_size=None, **options):
    """build_alexnet / build_vgg by project name (e.g. 'alexnet', 'vgg_a_lrn', 'vgg16')."""
    return get_spec(name)(input_size, **options)
