"""The embedded dataset as a TensorFlow Datasets builder: generated offline, prepared once.

Images are drawn in parallel (one process per CPU core, each image from its own seed, so the
dataset does not depend on the number of processes) and JPEG-encoded by TFDS as they arrive.
"""

import dataclasses
import logging
import multiprocessing
import os
from collections.abc import Iterator
from typing import Any

import numpy as np
import tensorflow_datasets as tfds

from pipelines.data.shapes.drawing import CLASS_NAMES, render

NAME = "keras_nets_shapes"


@dataclasses.dataclass
class ShapesConfig(tfds.core.BuilderConfig):
    num_train: int = 1500
    num_validation: int = 300
    seed: int = 0
    min_side: int = 128  # the scenes' shorter side, in scene pixels
    max_side: int = 320
    side: int | None = None  # rendered with the shorter side at this many pixels (None: 1:1)


def shapes_config(num_train: int = 1500, num_validation: int = 300, seed: int = 0,
                  min_side: int = 128, max_side: int = 320,
                  side: int | None = None) -> ShapesConfig:
    """A config named after its sizes, so every size is prepared once into its own directory."""
    name = "default" if (num_train, num_validation, seed, min_side, max_side, side) == (
        1500, 300, 0, 128, 320, None) else (
        f"n{num_train}_v{num_validation}_s{seed}_{min_side}_{max_side}"
        + (f"_at{side}" if side else ""))
    return ShapesConfig(name=name, num_train=num_train, num_validation=num_validation,
                        seed=seed, min_side=min_side, max_side=max_side, side=side)


def draw(seed: int, index: int, min_side: int, max_side: int,
         side: int | None = None) -> tuple[int, np.ndarray]:
    """Example `index` of the split with this seed: (label, uint8 image), from its own RNG. The
    scene does not depend on `side`, only its rendering does."""
    label = index % len(CLASS_NAMES)
    rng = np.random.default_rng([seed, 20120, index])
    return label, render(rng, label, min_side, max_side, side)


def _draw(args: tuple[int, int, int, int, int | None]) -> tuple[int, np.ndarray]:
    return draw(*args)


def _processes(count: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, count // 64))  # small splits: not worth a pool


class KerasNetsShapes(tfds.core.GeneratorBasedBuilder):
    """Ten classes of drawn objects (circle ... l_shape) on random textured backgrounds, JPEG."""

    VERSION = tfds.core.Version("1.2.0")
    RELEASE_NOTES = {"1.0.0": "First release.",
                     "1.1.0": "One seed per image; drawn in parallel.",
                     "1.2.0": "Drawn in float32; `side`: the same scenes at a lower resolution."}
    BUILDER_CONFIGS = [shapes_config()]

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description=__doc__,
            features=tfds.features.FeaturesDict({
                "image": tfds.features.Image(shape=(None, None, 3), encoding_format="jpeg"),
                "label": tfds.features.ClassLabel(names=CLASS_NAMES),
            }),
            supervised_keys=("image", "label"),
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager
                          ) -> dict[str, Iterator[tuple[int, dict[str, Any]]]]:
        c = self.builder_config
        return {"train": self._generate_examples(c.num_train, c.seed * 2),
                "validation": self._generate_examples(c.num_validation, c.seed * 2 + 1)}

    def _generate_examples(self, count: int, seed: int) -> Iterator[tuple[int, dict[str, Any]]]:
        c = self.builder_config
        jobs = [(seed, i, c.min_side, c.max_side, c.side) for i in range(count)]
        processes = _processes(count)
        if processes == 1:
            drawn = map(_draw, jobs)
            for i, (label, image) in enumerate(drawn):
                yield i, {"image": image, "label": label}
            return
        # fork: the workers only run NumPy (no TensorFlow), and start in milliseconds.
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            for i, (label, image) in enumerate(pool.imap(_draw, jobs, chunksize=16)):
                yield i, {"image": image, "label": label}


def _not_custom_config_notice(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("Using custom data configuration")


def shapes_builder(data_dir: str | None = None, **sizes: int | None) -> KerasNetsShapes:
    """The builder for the given sizes (default 1,500 train / 300 validation images)."""
    config = shapes_config(**sizes)
    # TFDS warns about every config not listed in BUILDER_CONFIGS, at each builder made (each
    # epoch's validation pass makes one); configs named after their sizes are this builder's
    # design, so the warning says nothing to the user.
    absl_logger = logging.getLogger("absl")
    absl_logger.addFilter(_not_custom_config_notice)
    try:
        return KerasNetsShapes(config="default" if config.name == "default" else config,
                               data_dir=data_dir)
    finally:
        absl_logger.removeFilter(_not_custom_config_notice)
