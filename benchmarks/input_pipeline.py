"""python -m benchmarks.input_pipeline: images/s of every train and test pipeline on the embedded
dataset, next to a baseline of plain full decode + resize, side by side in one process.

--photos DIR: on the JPEGs in DIR instead (large photos: the DCT-scaled decoding's case); an
empty or missing DIR is first filled with --photo-count photo-like JPEGs (gradients and noise)
of 2000-4000 px a side, so that the same files time any version of the code.
--json PATH writes the rows with the machine and the date (benchmarks/results/)."""

from __future__ import annotations

import datetime
import glob
import os

import sys
from typing import TYPE_CHECKING

from benchmarks import results_schema
from benchmarks.timing import cpu_description, items_per_second
from pipelines.cli import ArgumentParser, add_data_arguments

if TYPE_CHECKING:
    import tensorflow as tf


def rate(dataset: tf.data.Dataset, images_per_element: int, min_seconds: float) -> float:
    """Images/s of a dataset (restarted when it ends) over at least min_seconds."""
    state = {"iterator": iter(dataset)}

    def next_count() -> int:
        try:
            batch = next(state["iterator"])
        except StopIteration:
            state["iterator"] = iter(dataset)
            batch = next(state["iterator"])
        return int(batch[0].shape[0]) * images_per_element
    return items_per_second(next_count, min_seconds)


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="python -m benchmarks.input_pipeline", description=__doc__)
    add_data_arguments(parser)
    parser.add_argument("--seconds", type=float, default=8.0, help="per pipeline")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--photos", default=None, help="a folder of JPEGs (see above)")
    parser.add_argument("--photo-count", type=int, default=16)
    parser.add_argument("--json", default=None, help="write the figures here too")
    args = parser.parse_args(argv)
    if args.photo_count < 1:
        parser.error("--photo-count must be >= 1")
    import tensorflow as tf
    from pipelines.data import image_ops
    from pipelines.data.pipeline import create_split
    from pipelines.data.crops import eval_preprocess, train_preprocess
    from pipelines.data.sources import load_split

    if args.photos:
        examples = photo_examples(args.photos, args.photo_count)
    else:
        examples = load_split(args.dataset, "train", data_dir=args.data_dir).dataset.cache()
    for _ in examples:  # fill the cache: measure preprocessing, not file reading
        pass
    baseline = lambda e: tf.image.resize(image_ops.decode_rgb(e), [224, 224])
    rows = [
        ("baseline: decode + resize 224", create_split(
            examples, train=False, batch_size=args.batch_size, preprocess=baseline), 1),
        ("alexnet train 227", create_split(
            examples, train=True, batch_size=args.batch_size,
            preprocess=train_preprocess("central_crop", 227, scale_min=256)), 1),
        ("vgg train 224, S in [256, 512]", create_split(
            examples, train=True, batch_size=args.batch_size,
            preprocess=train_preprocess("scale_jitter", 224, scale_min=256, scale_max=512)), 1),
        ("centre crop 224", create_split(
            examples, train=False, batch_size=args.batch_size,
            preprocess=eval_preprocess("center", 224)), 1),
        ("alexnet 10-crop 227", create_split(
            examples, train=False, batch_size=8, preprocess=eval_preprocess("ten_crop", 227)),
         1),
        ("vgg multi-crop 50 views, Q=384", create_split(
            examples, train=False, batch_size=2,
            preprocess=eval_preprocess("multi_crop", 224, 384)), 1),
        ("vgg full image + mirror, Q=384", create_split(
            examples, train=False, batch_size=1,
            preprocess=eval_preprocess("dense", 224, 384)), 1),
    ]
    print(f"machine: {cpu_description()}")
    print(f"{'pipeline':<34}{'images/s':>10}{'vs baseline':>13}")
    base, results = None, []
    for name, dataset, per in rows:
        images_s = rate(dataset, per, args.seconds)
        base = base or images_s
        print(f"{name:<34}{images_s:>10.1f}{images_s / base:>12.2f}x", flush=True)
        results.append(dict(pipeline=name, images_per_s=images_s))
    if args.json:
        # No table rows: the report's table has no input figures (docs/data.md has them).
        results_schema.write(args.json, benchmark="benchmarks.input_pipeline",
                             machine=cpu_description(), date=datetime.date.today().isoformat(),
                             rows=(), order=0, data=dict(data=args.photos or args.dataset,
                                                        seconds=args.seconds, rows=results))
        print(f"wrote {args.json}")
    return 0


def photo_examples(folder: str, count: int) -> tf.data.Dataset:
    """{"image", "label"} examples of the JPEGs in folder, made first when it has none."""
    import tensorflow as tf
    paths = sorted(glob.glob(os.path.join(folder, "*.jpg")))
    if not paths:
        import numpy as np
        from pipelines.serving.saved_model import photo_like
        os.makedirs(folder, exist_ok=True)
        rng = np.random.default_rng(0)
        for i in range(count):
            height, width = rng.integers(2000, 4001, 2)
            with open(os.path.join(folder, f"{i:03d}.jpg"), "wb") as f:
                f.write(tf.io.encode_jpeg(photo_like(rng, height, width), quality=90).numpy())
        paths = sorted(glob.glob(os.path.join(folder, "*.jpg")))
    images = [open(path, "rb").read() for path in paths]
    return tf.data.Dataset.from_tensor_slices({"image": images, "label": [0] * len(images)})


if __name__ == "__main__":
    sys.exit(main())
