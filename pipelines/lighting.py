"""python -m pipelines.lighting: the RGB PCA of a training set for AlexNet's lighting noise."""

import json
import sys

import numpy as np

from pipelines.cli import ArgumentParser, add_data_arguments, fail


def rgb_pca(images):
    """Eigenvalues (descending) and eigenvectors (rows) of the 3x3 covariance of RGB in [0, 1]."""
    pixels = np.concatenate([np.asarray(i, np.float64).reshape(-1, 3) / 255.0 for i in images])
    values, vectors = np.linalg.eigh(np.cov(pixels, rowvar=False))
    order = np.argsort(values)[::-1]
    return values[order], vectors[:, order].T


def main(argv=None):
    parser = ArgumentParser(prog="python -m pipelines.lighting", description=__doc__)
    add_data_arguments(parser)
    parser.add_argument("--images", type=int, default=500, help="images to sample")
    parser.add_argument("--output", required=True, help="JSON file to write")
    args = parser.parse_args(argv)
    from pipelines.data import image_ops
    from pipelines.data.folders import DataError
    from pipelines.data.sources import load_split
    import tensorflow as tf
    try:
        split = load_split(args.dataset, "train", data_dir=args.data_dir,
                           manual_dir=args.manual_dir)
    except DataError as err:
        fail(parser.prog, err)
    small = split.dataset.take(args.images).map(
        lambda e: image_ops.resize_shorter(image_ops.decode_rgb(e["image"]), 64), num_parallel_calls=8)
    values, vectors = rgb_pca(small.as_numpy_iterator())
    # Eigenvectors as columns p_i, as AlexNet paper 4.1 writes them: [p1 p2 p3].
    result = {"eigval": values.tolist(), "eigvec": vectors.T.tolist(), "dataset": args.dataset}
    with open(args.output, "w") as f:
        json.dump(result, f, indent=2)
    print(f"wrote {args.output}: eigenvalues {np.round(values, 5).tolist()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
