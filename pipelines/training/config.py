"""Typed, frozen run configuration: the run around a recipe (pipelines.training.recipes).

A run resolves its `RunConfig` once into a Plan (pipelines.training.plan), written to the run
directory's config.json with the Resolved fields beside the RunConfig's. RunConfig checks its
own fields when made (pipelines.training.checks).
"""

import dataclasses
from typing import Any

from keras_nets.registry import get_spec, model_names
from pipelines.training.checks import ConfigError, at_least, one_of
from pipelines.training.precision import PRECISIONS
from pipelines.training.recipes import Recipe

# pipelines.training.distribute.make_strategy's kinds: "auto" picks one for the hardware and the
# cluster it finds.
STRATEGIES = ("auto", "one-device", "mirrored", "multi-worker")


@dataclasses.dataclass(frozen=True)
class RunConfig:
    model: str
    recipe: Recipe
    width: float = 1.0  # scales every conv's filters (keras_nets builders; ablations, tests)
    # Further keyword options of the model's builder (ablations: {"lrn": False},
    # {"overlapping_pooling": False}, {"filters": (48, 128, 192, 192, 256)}, ...).
    model_options: dict = dataclasses.field(default_factory=dict)
    fc_units: int = 4096  # the hidden FC layers (AlexNet FC6/FC7, VGG fc1/fc2): the papers' 4096
    dataset: str = "shapes"
    data_dir: str | None = None
    manual_dir: str | None = None
    steps_per_epoch: int | None = None  # None: one pass over the training split
    strategy: str = "auto"
    cpu_devices: int = 1
    # pipelines.training.precision: "auto" (what the hardware computes fastest), "float32",
    # "bfloat16" or "float16" compute over float32 weights; config.json also has the one chosen.
    precision: str = "auto"
    xla: bool = False
    seed: int = 0
    deterministic: bool = False
    run_dir: str = "runs/run"
    resume: bool = False
    checkpoint_every: int = 200  # steps; 0: at epoch ends only
    steps_per_loop: int = 1  # steps per tf.function call (the host reads metrics once per call)
    init_from: str | None = None
    # Pretrained weights to fine-tune (keras_nets.convert.resolve): "imagenet" or a file.
    weights: str | None = None
    export_dir: str | None = "saved_models"
    data_service: str | None = None  # HOST:PORT of a tf.data service dispatcher (training input)

    def __post_init__(self) -> None:
        try:
            spec = get_spec(self.model)
        except ValueError:
            raise ConfigError("model", f"must be a registry name ({', '.join(model_names())}); "
                                       f"got {self.model!r}") from None
        if not 0 < self.width <= 4:
            raise ConfigError("width", "must be in (0, 4]")
        at_least(self, 1, "fc_units", "cpu_devices", "steps_per_loop")
        at_least(self, 1, "steps_per_epoch", optional=True)
        at_least(self, 0, "checkpoint_every")
        one_of(self, "strategy", STRATEGIES)
        one_of(self, "precision", PRECISIONS)
        if self.init_from and spec.grow is None:
            raise ConfigError("init_from", f"applies to models grown from a shallower net "
                                           f"(VGG); not {self.model}")
        if self.weights and self.init_from:
            raise ConfigError("weights", "cannot go with {init_from}: both set the starting "
                                         "weights; give one")
        if self.recipe.name == "finetune" and not self.weights:
            raise ConfigError("recipe", "finetune fine-tunes pretrained weights: give {weights} "
                                        "(imagenet or a file)")
        if self.cpu_devices > 1 and self.strategy not in ("mirrored", "auto"):
            raise ConfigError("cpu_devices", "> 1 goes with the mirrored strategy")
        if self.data_service is not None:
            host, _, port = self.data_service.removeprefix("grpc://").rpartition(":")
            if not host or not port.isdigit():
                raise ConfigError("data_service", f"must be HOST:PORT, got "
                                                  f"{self.data_service!r}")

    @property
    def shapes_sizes(self) -> dict[str, int] | None:
        """The embedded dataset's sizes this run draws (None for any other dataset: a folder
        run records nothing of the embedded dataset)."""
        return self.recipe.dataset_sizes if self.dataset == "shapes" else None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


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
