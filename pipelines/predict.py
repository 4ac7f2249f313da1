"""python -m pipelines.predict MODEL_DIR IMAGE...: top-5 labels and scores from a SavedModel.

MODEL_DIR is one version (saved_models/alexnet/3) or its base (saved_models/alexnet: the newest
version). Every decodable image gets its answer (a truncated JPEG too, as far as its data goes);
the others get one error line each, naming the file (exit 2).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pipelines.cli import ArgumentParser, fail
from pipelines.serving.versions import resolve_version

from pipelines.serving.batching import ALLOWED_BATCH_SIZES

if TYPE_CHECKING:
    import numpy as np
    import tensorflow as tf

REQUEST_IMAGES = ALLOWED_BATCH_SIZES[-1]  # images sent at once: the largest warmed-up batch


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(module="pipelines.predict", description=__doc__)
    parser.add_argument("model_dir")
    parser.add_argument("images", nargs="+")
    parser.add_argument("--top", type=int, default=5, help="labels to print per image (<= k)")
    args = parser.parse_args(argv)
    try:
        path = resolve_version(args.model_dir)
    except FileNotFoundError as err:
        fail(parser.prog, err)
    from pipelines.data.folders import image_problem
    import tensorflow as tf
    try:
        serve = tf.saved_model.load(path).signatures["serving_default"]
    except (OSError, KeyError, ValueError) as err:
        fail(parser.prog, f"{path}: not a keras-nets export ({err.__class__.__name__})")

    def error(image: str, problem: str) -> None:
        print(f"{parser.prog}: error: {image}: {problem}", file=sys.stderr)

    readable = []
    for image in args.images:
        try:
            with open(image, "rb") as f:
                readable.append((image, f.read()))
        except OSError as err:
            error(image, "no such file" if isinstance(err, FileNotFoundError)
                  else f"unreadable ({err.strerror or err})")
    failed = len(args.images) - len(readable)
    for start in range(0, len(readable), REQUEST_IMAGES):
        chunk = readable[start:start + REQUEST_IMAGES]
        for (image, _), answer in zip(chunk, answers(serve, [data for _, data in chunk])):
            if answer is None:
                # The signature says only that it could not decode the image; the file's
                # signature bytes and end say why when they can (not an image, empty, ...).
                error(image, image_problem(image) or "cannot be decoded (damaged, or over "
                      "178 megapixels)")
                failed += 1
                continue
            labels, scores = answer
            print(f"{image}: " + ", ".join(f"{label} {score:.3f}" for label, score
                                          in list(zip(labels, scores))[:args.top]))
    return 2 if failed else 0


def answers(serve: Callable[..., dict[str, tf.Tensor]], images: Sequence[bytes]
            ) -> list[tuple[list[str], np.ndarray] | None]:
    """(labels, scores) per image, None for one the export could not decode. An export from
    before the `valid` output fails the whole request on a bad image: then one by one."""
    import tensorflow as tf
    try:
        out = serve(images=tf.constant(images))
    except tf.errors.InvalidArgumentError:
        if len(images) == 1:
            return [None]
        return [answer for image in images for answer in answers(serve, [image])]
    valid = out["valid"].numpy() if "valid" in out else [True] * len(images)
    labels, scores = out["top_k_labels"].numpy(), out["top_k_scores"].numpy()
    return [([b.decode() for b in labels[i]], scores[i]) if valid[i] else None
            for i in range(len(images))]


if __name__ == "__main__":
    sys.exit(main())
