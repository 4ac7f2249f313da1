"""Typed, frozen run configuration in four groups: the model, the data, the recipe
(pipelines.training.recipes) and the runtime, each checking its own fields when made; RunConfig
checks what spans them.

Each field that the training CLI sets declares its flag, default and help here
(pipelines.training.options.option); pipelines.train makes its flags from them. A run resolves
its RunConfig once into a Plan (pipelines.training.plan). config.json holds one flat object of
the fields (RunConfig.to_json) with the Resolved fields beside them, the layout every run
directory has had, so that older runs continue.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from keras_nets.registry import get_spec, model_names
from pipelines.training.checks import ConfigError, at_least, one_of
from pipelines.training.options import key_of, option
from pipelines.training.precision import PRECISIONS
from pipelines.training.recipes import Recipe

# pipelines.training.distribute.make_strategy's kinds: "auto" picks one for the hardware and the
# cluster it finds.
STRATEGIES = ("auto", "one-device", "mirrored", "multi-worker")


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """The net: a registry entry and how it is built and started."""
    name: str = option("alexnet", key="model", choices=model_names(),
                       help="the registry's name (VGG also by keras.applications' name)")
    width: float = option(1.0, help="scale every conv layer's filters (1.0: the paper's net)")
    fc_units: int = option(4096, help="units of the two hidden FC layers (4096: the papers')")
    # Further keyword options of the model's builder (ablations: {"lrn": False},
    # {"overlapping_pooling": False}, {"filters": (48, 128, 192, 192, 256)}, ...; pretrained
    # weights' own: keras_nets.convert.WeightSource.model_options).
    model_options: dict = dataclasses.field(default_factory=dict)
    init_from: str | None = option(
        None, help="VGG: a trained configuration A (.keras) to start from (VGG paper 3.1)")
    weights: str | None = option(
        None, metavar="imagenet|PATH",
        help="fine-tune pretrained weights: 'imagenet' (VGG D/E: keras.applications' file in the "
             "Keras cache) or a file: Caffe's bvlc_alexnet.caffemodel (alexnet), a torchvision "
             "vgg11/13/16/19 state dict (VGG A/B/D/E), a keras.applications .h5 (VGG D/E); a new "
             "head for the data's classes, the weights' own normalisation (use with --recipe "
             "finetune)")

    def __post_init__(self) -> None:
        try:
            spec = get_spec(self.name)
        except ValueError:
            raise ConfigError("model", f"must be a registry name ({', '.join(model_names())}); "
                                       f"got {self.name!r}") from None
        if not 0 < self.width <= 4:
            raise ConfigError("width", "must be in (0, 4]")
        at_least(self, 1, "fc_units")
        if self.init_from and spec.grow is None:
            raise ConfigError("init_from", f"applies to models grown from a shallower net "
                                           f"(VGG); not {self.name}")
        if self.weights and self.init_from:
            raise ConfigError("weights", "cannot go with {init_from}: both set the starting "
                                         "weights; give one")


@dataclasses.dataclass(frozen=True)
class DataConfig:
    """Where the images come from and how much of them an epoch takes."""
    dataset: str = option(
        "shapes", help="'shapes' (embedded, generated offline), a TFDS name (e.g. imagenet2012), "
                       "or an image folder path (root/train/<class>/... or root/<class>/...)")
    data_dir: str | None = option(None, help="TFDS data directory")
    manual_dir: str | None = option(
        None, help="TFDS manual directory (imagenet2012: the ILSVRC2012 tar files)")
    steps_per_epoch: int | None = option(
        None, flag="--steps", help="steps per epoch (default: one pass)")
    data_service: str | None = option(
        None, metavar="HOST:PORT",
        help="run the training input pipeline on tf.data service workers registered with this "
             "dispatcher (python -m pipelines.data.service)")

    def __post_init__(self) -> None:
        at_least(self, 1, "steps_per_epoch", optional=True)
        if self.data_service is not None:
            host, _, port = self.data_service.removeprefix("grpc://").rpartition(":")
            if not host or not port.isdigit():
                raise ConfigError("data_service", f"must be HOST:PORT, got "
                                                  f"{self.data_service!r}")


@dataclasses.dataclass(frozen=True)
class RuntimeConfig:
    """Where and how the run executes: devices, precision, seeds, its directory, checkpoints."""
    strategy: str = option("auto", choices=STRATEGIES)
    cpu_devices: int = option(
        1, help="split the CPU into this many logical devices (testing 'mirrored')")
    # pipelines.training.precision: config.json also has the one "auto" chose.
    precision: str = option(
        "auto", choices=PRECISIONS,
        help="compute precision over float32 weights; auto: bfloat16 on CPUs with bfloat16 "
             "arithmetic (AMX, AVX512-BF16) and on GPUs from compute capability 8.0, float16 "
             "(loss-scaled) on 7.x, float32 otherwise")
    xla: bool = option(False, help="compile the train step with XLA")
    seed: int = option(0)
    deterministic: bool = option(
        False, help="deterministic ops and input order (exact resume, slower)")
    run_dir: str = option("runs/run", cli_default=None, help="default: runs/<model>-<time>")
    resume: bool = option(
        False, help="continue the run in --run-dir (relaunching does so anyway whenever the run "
                    "dir holds a checkpoint)")
    checkpoint_every: int = option(200, help="steps (0: epochs only)")
    steps_per_loop: int = option(
        1, help="train steps per tf.function call; the host reads metrics, checks the loss and "
                "signals once per call (like Keras' steps_per_execution)")
    export_dir: str | None = option("saved_models", help="'' to skip the export")

    def __post_init__(self) -> None:
        at_least(self, 1, "cpu_devices", "steps_per_loop")
        at_least(self, 0, "checkpoint_every")
        one_of(self, "strategy", STRATEGIES)
        one_of(self, "precision", PRECISIONS)
        if self.cpu_devices > 1 and self.strategy not in ("mirrored", "auto"):
            raise ConfigError("cpu_devices", "> 1 goes with the mirrored strategy")


GROUPS = {"model": ModelConfig, "data": DataConfig, "runtime": RuntimeConfig}
# config.json's key of each field -> (group, field): the flat names every maker of a config uses.
KEYS = {key_of(field): (group, field.name)
        for group, cls in GROUPS.items() for field in dataclasses.fields(cls)}


@dataclasses.dataclass(frozen=True)
class RunConfig:
    """One run: the four groups. Made from flat field names with `RunConfig.make`, changed with
    `replace`, written flat by `to_json` (config.json's keys)."""
    model: ModelConfig
    data: DataConfig
    recipe: Recipe
    runtime: RuntimeConfig

    def __post_init__(self) -> None:
        if self.recipe.name == "finetune" and not self.model.weights:
            raise ConfigError("recipe", "finetune fine-tunes pretrained weights: give {weights} "
                                        "(imagenet or a file)")

    @classmethod
    def make(cls, recipe: Recipe, **fields: Any) -> RunConfig:
        """A RunConfig of `recipe` and the fields given by their config.json keys (model,
        width, dataset, seed, run_dir, ...); the others keep their defaults."""
        groups = _grouped(fields)
        return cls(recipe=recipe, **{name: GROUPS[name](**groups[name]) for name in GROUPS})

    def replace(self, **fields: Any) -> RunConfig:
        """This config with the fields given by their config.json keys (and `recipe`)."""
        recipe = fields.pop("recipe", self.recipe)
        groups = _grouped(fields)
        return dataclasses.replace(self, recipe=recipe, **{
            name: dataclasses.replace(getattr(self, name), **groups[name])
            for name in GROUPS if groups[name]})

    @property
    def shapes_sizes(self) -> dict[str, int] | None:
        """The embedded dataset's sizes this run draws (None for any other dataset: a folder
        run records nothing of the embedded dataset)."""
        return self.recipe.dataset_sizes if self.data.dataset == "shapes" else None

    def to_json(self) -> dict[str, Any]:
        """config.json's fields: one flat object, the recipe's fields under "recipe"."""
        groups = {group: dataclasses.asdict(getattr(self, group)) for group in GROUPS}
        flat = {key: groups[group][name] for key, (group, name) in KEYS.items()}
        return dict(flat, recipe=dataclasses.asdict(self.recipe))


def _grouped(fields: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Flat config.json keys -> {group: {field: value}}; TypeError for an unknown key."""
    groups: dict[str, dict[str, Any]] = {name: {} for name in GROUPS}
    for key, value in fields.items():
        if key not in KEYS:
            raise TypeError(f"RunConfig has no field {key!r}")
        group, name = KEYS[key]
        groups[group][name] = value
    return groups


@dataclasses.dataclass(frozen=True)
class Resolved:
    """What a run resolved from its RunConfig on the data and machine at hand; config.json holds
    these fields beside the RunConfig's (pipelines.training.run)."""
    preprocessing: dict  # keras_nets.Preprocessing.get_config(): size, scales, classes
    steps_per_epoch: int
    replicas: int = 1  # over every worker
    workers: int = 1
    train_images: int | None = None
    strategy_resolved: str | None = None  # the tf.distribute class "auto" chose
    precision_resolved: str | None = None  # the compute dtype policy "auto" chose, and why
    precision_why: str | None = None
    decoded_cache: bool = False  # training images decoded once and kept in memory

    def to_json(self) -> dict:
        return dataclasses.asdict(self)
