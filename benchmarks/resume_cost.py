"""python -m benchmarks.resume_cost: seconds from building the training stream to its first
batch when a run resumes early or late, for create_split (which starts at the resumed pass and
skips within it) and for skipping after shuffle + repeat (what resuming cost before).

The embedded dataset's training split (TFRecords, read as in training, not cached); median of 3; AlexNet's
training preprocessing at 67 px, batch 32.
"""

import argparse
import time

import tensorflow as tf

from pipelines.data.pipeline import create_split, train_preprocess
from pipelines.data.sources import load_split


def first_batch_seconds(make, repeats=3):
    """Median of `repeats` (the callers alternate the two pipelines, so that load on a shared
    machine touches both alike)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        next(iter(make()))
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.resume_cost", description=__doc__)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--images", type=int, default=4000, help="embedded training images")
    p.add_argument("--epochs", type=int, nargs="+", default=[1, 60, 600],
                   help="resume after this many epochs")
    args = p.parse_args(argv)
    split = load_split("shapes", "train", data_dir=args.data_dir,
                       shapes_sizes={"num_train": args.images, "num_validation": 16})
    augment = train_preprocess("alexnet", 67, scale=76)

    def product(skip):
        return create_split(split.dataset, train=True, batch_size=32, preprocess=augment,
                            cache=False, skip=skip)

    def skip_after_shuffle(skip):
        ds = split.dataset.shuffle(2048, seed=0).repeat().skip(skip)
        return ds.map(lambda e: augment(e["image"], tf.constant([0, 0], tf.int64))).batch(32)

    first_batch_seconds(lambda: product(0), repeats=1)  # warm-up: tracing, file cache
    first_batch_seconds(lambda: skip_after_shuffle(0), repeats=1)
    print(f"| resumed after | create_split (s) | skip after shuffle (s) |\n|---|---|---|")
    for epochs in args.epochs:
        skip = epochs * split.num_examples + 7 * 32  # a few steps into the next epoch
        print(f"| {epochs} epochs ({skip:,} images) | {first_batch_seconds(lambda: product(skip)):.2f} | "
              f"{first_batch_seconds(lambda: skip_after_shuffle(skip)):.2f} |", flush=True)


if __name__ == "__main__":
    main()
