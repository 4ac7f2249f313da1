"""python -m benchmarks.input_pipeline: images/s of every train and test pipeline on the embedded
dataset, next to a baseline of plain full decode + resize, side by side in one process."""

import sys
import time

from pipelines.cli import ArgumentParser, add_data_arguments


def measure(dataset, images_per_element, min_seconds):
    """Images/s over at least min_seconds after one warm-up element."""
    iterator = iter(dataset)
    next(iterator)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < min_seconds:
        try:
            batch = next(iterator)
        except StopIteration:
            iterator = iter(dataset)
            continue
        count += int(batch[0].shape[0]) * images_per_element
    return count / (time.perf_counter() - start)


def main(argv=None):
    parser = ArgumentParser(prog="python -m benchmarks.input_pipeline", description=__doc__)
    add_data_arguments(parser)
    parser.add_argument("--seconds", type=float, default=8.0, help="per pipeline")
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args(argv)
    import tensorflow as tf
    from pipelines.data import preprocess as pp
    from pipelines.data.pipeline import create_split, eval_preprocess, train_preprocess
    from pipelines.data.sources import load_split

    split = load_split(args.dataset, "train", data_dir=args.data_dir)
    examples = split.dataset.cache()
    for _ in examples:  # fill the cache: measure preprocessing, not file reading
        pass
    baseline = lambda e: tf.image.resize(pp.decode_rgb(e), [224, 224])
    rows = [
        ("baseline: decode + resize 224", create_split(
            examples, train=False, batch_size=args.batch_size, preprocess=baseline), 1),
        ("alexnet train 227", create_split(
            examples, train=True, batch_size=args.batch_size,
            preprocess=train_preprocess("alexnet", 227)), 1),
        ("vgg train 224, S in [256, 512]", create_split(
            examples, train=True, batch_size=args.batch_size,
            preprocess=train_preprocess("vgg", 224)), 1),
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
            preprocess=eval_preprocess("full_image", 224, 384)), 1),
    ]
    print(f"{'pipeline':<34}{'images/s':>10}{'vs baseline':>13}")
    base = None
    for name, dataset, per in rows:
        rate = measure(dataset, per, args.seconds)
        base = base or rate
        print(f"{name:<34}{rate:>10.1f}{rate / base:>12.2f}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
