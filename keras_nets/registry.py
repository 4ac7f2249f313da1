"""Every model of the project by name, with every rule the rest of the project needs about it.

One `ModelSpec` per model: its builder, the paper's crop size and resize side, its training and
test protocols, the scales they use, its default input normalisation, its weight sources and the
recipe tables it trains with. Training, evaluation, export and the benchmarks read only this; a
new model is one `register(ModelSpec(...))`.
"""

import dataclasses
import functools
from collections.abc import Callable, Iterable
from typing import Any

from keras_nets import convert
from keras_nets.alexnet import build_alexnet
from keras_nets.convert.keras_applications import IMAGENET_FILES
from keras_nets.image_classifier import ImageClassifier
from keras_nets.normalization import PAPER_NORMALIZATION
from keras_nets.preprocessing import Preprocessing
from keras_nets.protocols import ALEXNET_TESTS, TEST, TRAIN, VGG_TESTS
from keras_nets.vgg import ALIASES as VGG_ALIASES, build_vgg, init_from_shallower


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    name: str
    build: Callable  # build(input_shape=..., **options) -> keras_nets.ImageClassifier
    input_size: int  # the paper's training crop: 227 (AlexNet section 3.5), 224 (VGG 2.1)
    # The recipe tables' key (pipelines.training.recipes.RECIPES[recipe][recipes]).
    recipes: str
    # keras_nets.protocols.TRAIN: "central_crop" (AlexNet sections 2 and 4.1) or
    # "scale_jitter" (VGG 3.1).
    train_protocol: str
    # True: trained at one scale, eval_scale(size) (AlexNet section 2: 256 for 227 crops);
    # False: at S in the recipe's [scale_min, scale_max] (VGG 3.1).
    fixed_scale: bool
    test_protocols: tuple  # the test protocols that apply (keras_nets.protocols.TEST)
    # The image's shorter side before the crop: 256 in both papers (AlexNet 2: 256x256 images,
    # random 227 crops; VGG 3.1 with S = 256: random 224 crops).
    resize_side: int = 256
    normalization: str = PAPER_NORMALIZATION
    hosted_weights: tuple = ()  # values of `weights=` that load published weights
    # The pretrained weights files it loads (keras_nets.convert): "caffe" (bvlc_alexnet),
    # "torchvision" (vgg11/13/16/19 state dicts), "keras_applications" (VGG16/19 .h5 files).
    weight_sources: tuple = ()
    # grow(model, shallower): initialise from a trained shallower net (VGG 3.1), or None.
    grow: Callable | None = None
    aliases: tuple = ()
    paper: str = ""

    def __post_init__(self) -> None:
        unknown = sorted({self.train_protocol} - set(TRAIN)) + \
            sorted(set(self.test_protocols) - set(TEST))
        if unknown:
            raise ValueError(f"{self.name}: unknown protocol(s) {unknown}; training: "
                             f"{', '.join(TRAIN)}; test: {', '.join(TEST)}")

    def eval_scale(self, size: int | None = None) -> int:
        """The single test scale Q for size x size crops at the paper's ratio: 256/227 (AlexNet)
        or 256/224 (VGG) applied to `size` (148 for AlexNet at 131 px)."""
        return round((size or self.input_size) * self.resize_side / self.input_size)

    def train_scales(self, size: int | None, scale_min: int | None = None,
                     scale_max: int | None = None) -> tuple[int, int]:
        """(S_min, S_max) the model trains at: its fixed scale, or the given jitter range
        (default: the paper's [256, 512] at the paper's ratio, VGG 3.1)."""
        if self.fixed_scale:
            q = self.eval_scale(size)
            return q, q
        lo = int(scale_min) if scale_min else self.eval_scale(size)
        return lo, int(scale_max) if scale_max else 2 * lo

    def test_scales(self, size: int, scale_min: int | None = None,
                    scale_max: int | None = None) -> tuple[int, tuple[int, ...]]:
        """(single test scale Q, multi-scale Qs) for a model trained at `size` px.

        Fixed scale (AlexNet 4.1): its training scale, for the centre crop and the 10-crop.
        VGG 4.1: Q = S for a fixed S, (S_min + S_max) / 2 for a jittered one; VGG 4.2:
        Q in {S - 32, S, S + 32} for a fixed S, {S_min, (S_min + S_max) / 2, S_max} jittered.
        The 32 is for 224 crops; at another crop size it scales with it (5 at 32 px).
        """
        lo, hi = self.train_scales(size, scale_min, scale_max)
        if self.fixed_scale:
            return lo, (lo,)
        if lo == hi:
            step = max(1, round(32 * size / 224))
            # Never below the crop: S - 32 is the crop itself at the paper's S = 256 (224), and a
            # smaller image has no room for a crop nor for the dense net's last pooling.
            return lo, (max(size, lo - step), lo, lo + step)
        mid = (lo + hi) // 2
        return mid, (lo, mid, hi)

    def preprocessing(self, size: int | None = None, normalization: str | None = None,
                      scale_min: int | None = None, scale_max: int | None = None,
                      class_names: Iterable[str] = (), dataset: dict[str, Any] | None = None
                      ) -> Preprocessing:
        """The Preprocessing of this model trained at `size` under these settings (defaults:
        the paper's size, normalisation and scales)."""
        size = size or self.input_size
        lo, hi = self.train_scales(size, scale_min, scale_max)
        single, multi = self.test_scales(size, lo, hi)
        return Preprocessing(self.name, size, normalization or self.normalization, lo, hi,
                             single, multi, tuple(class_names), dataset)

    def __call__(self, input_size: int | None = None, weights: str | None = None,
                 **options: Any) -> ImageClassifier:
        """The model at `input_size` px (default: the paper's crop) built with the builder's
        `options`; with `weights` ("imagenet" or a file of its `weight_sources`: see
        keras_nets.convert.resolve) also loaded from them, as torchvision's builders and timm's
        create_model load theirs.

        Pretrained weights build the net under the options they need (Caffe's AlexNet: LRN
        constants, pooling), unless `options` say otherwise; every layer whose shapes agree is
        loaded and a classifier of other shapes (another `num_classes`) starts fresh; the model
        carries the input normalisation the weights were trained with. WeightsError (one line)
        for weights it cannot load."""
        size = input_size or self.input_size
        if weights is None:
            return self.build(input_shape=(size, size, 3), **options)
        source = convert.resolve(self, weights, include_top=options.get("include_top", True))
        model = self.build(input_shape=(size, size, 3), **{**source.model_options, **options})
        convert.load(model, source)
        model.preprocessing = self.preprocessing(size, normalization=source.normalization)
        return model


def _alexnet(name: str, split: bool) -> ModelSpec:
    return ModelSpec(name, functools.partial(build_alexnet, split=split), 227, "alexnet",
                     "central_crop", fixed_scale=True, test_protocols=ALEXNET_TESTS,
                     # bvlc_alexnet's `group: 2` convolutions are the two towers
                     weight_sources=("caffe",) if split else (),
                     paper="Krizhevsky, Sutskever & Hinton 2012, section 3.5 "
                           f"({'two towers' if split else 'one tower'})")


def _vgg(config: str) -> ModelSpec:
    key = config.lower().replace("-", "_")
    aliases = tuple(alias for alias, c in VGG_ALIASES.items() if c == config)
    weights = ("imagenet",) if f"vgg_{key}" in IMAGENET_FILES else ()
    # torchvision's vgg11/13/16/19 are A, B, D, E (no LRN, no 1x1 convs: not A-LRN nor C)
    sources = (("keras_applications",) if weights else ()) + \
        (("torchvision",) if config in ("A", "B", "D", "E") else ())
    return ModelSpec(f"vgg_{key}", functools.partial(build_vgg, config), 224, "vgg",
                     "scale_jitter", fixed_scale=False, test_protocols=VGG_TESTS,
                     hosted_weights=weights, weight_sources=sources,
                     grow=init_from_shallower, aliases=aliases,
                     paper=f"Simonyan & Zisserman 2015, Table 1 configuration {config}")


SPECS = {}
_BY_ALIAS = {}


def register(spec: ModelSpec, replace: bool = False) -> ModelSpec:
    """Add a model to the registry: every CLI, evaluation and export then knows it by name."""
    names = (spec.name, *spec.aliases)
    taken = [n for n in names if n in SPECS or n in _BY_ALIAS]
    if taken and not replace:
        raise ValueError(f"model name(s) {taken} already registered")
    SPECS[spec.name] = spec
    _BY_ALIAS.update({alias: spec for alias in spec.aliases})
    return spec


def model_names() -> tuple[str, ...]:
    """Every registered name and alias (the training CLI's --model choices)."""
    return tuple(SPECS) + tuple(_BY_ALIAS)


for _spec in (_alexnet("alexnet", True), _alexnet("alexnet_one_tower", False),
              *(_vgg(config) for config in ("A", "A-LRN", "B", "C", "D", "E"))):
    register(_spec)
MODEL_NAMES = model_names()  # the built-in models


def get_spec(name: str) -> ModelSpec:
    """The ModelSpec of a project name or alias ('alexnet', 'vgg_a_lrn', 'vgg16'), any case."""
    key = str(name).strip().lower().replace("-", "_")
    spec = SPECS.get(key) or _BY_ALIAS.get(key)
    if spec is None:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(model_names())}")
    return spec


def build_model(name: str, input_size: int | None = None, weights: str | None = None,
                **options: Any) -> ImageClassifier:
    """The registry model `name` (or alias: 'alexnet', 'vgg_a_lrn', 'vgg16') built at
    `input_size` px with the builder's `options` and, with `weights` ("imagenet" or a weights
    file), loaded from them: ModelSpec.__call__."""
    return get_spec(name)(input_size, weights, **options)
