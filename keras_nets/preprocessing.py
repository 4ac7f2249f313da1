"""What inference needs to know of a trained network, carried in its Keras config.

A `Preprocessing` travels inside the model (`keras_nets.ImageClassifier.get_config`), so a
`.keras` file alone says how to feed it: the crop size, the input normalisation it was trained
with, its test scales (AlexNet section 4.1, VGG sections 3.2 and 4) and its class names. `dataset`
names the data the model was trained on (a run's dataset and embedded-dataset sizes), so that an
evaluation of the file alone scores the data it came from; it is None for a model built in code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from keras_nets.normalization import normalization as _check_normalization


@dataclasses.dataclass(frozen=True)
class Preprocessing:
    model: str  # the registry name (keras_nets.get_spec)
    input_size: int  # the square crop the network reads
    normalization: str  # keras_nets.normalization.NORMALIZATIONS
    train_scale_min: int  # the shorter side before the training crop (S, VGG 3.1)
    train_scale_max: int
    eval_scale: int  # the single test scale Q of the centre crop and 10-crop
    test_scales: tuple  # the multi-scale Qs (VGG 4.2)
    class_names: tuple = ()
    dataset: dict | None = None  # {"name": ..., "sizes": {...} or None}: the training data

    def __post_init__(self) -> None:
        _check_normalization(self.normalization)
        if self.input_size < 1 or self.eval_scale < 1 or min(self.test_scales, default=1) < 1:
            raise ValueError(f"sizes and scales must be positive: {self}")
        object.__setattr__(self, "test_scales", tuple(int(q) for q in self.test_scales))
        object.__setattr__(self, "class_names", tuple(str(c) for c in self.class_names))

    def replace(self, **changes: Any) -> Preprocessing:
        return dataclasses.replace(self, **changes)

    def get_config(self) -> dict[str, Any]:
        config = dataclasses.asdict(self)
        config.update(test_scales=list(self.test_scales), class_names=list(self.class_names))
        return config

    @classmethod
    def from_config(cls, config: Preprocessing | Mapping[str, Any] | None
                    ) -> Preprocessing | None:
        if config is None or isinstance(config, cls):
            return config
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(config) - known
        if unknown:
            raise ValueError(f"unknown preprocessing fields {sorted(unknown)}")
        return cls(**config)
