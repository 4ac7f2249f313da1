"""python -m pipelines.predict MODEL_DIR IMAGE...: top-5 labels and scores from a SavedModel.

MODEL_DIR is one version (saved_models/alexnet/3) or its base (saved_models/alexnet: the newest
version). Every decodable image gets its answer (a truncated JPEG too, as far as its data goes);
the others get one error line each, naming the file (exit 2).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pipelines import quiet
from pipelines.cli import ArgumentParser, user_errors

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
    quiet.hide_startup_notices()  # TensorFlow's start-up notices off the answers' screen
    from pipelines.serving.loader import load_signature  # TensorFlow, after the filter
    from pipelines.data.folders import image_problem
    with user_errors(parser.prog):
        _, serve = load_signature(args.model_dir, "serving_default")

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
        with quiet.decoder_warnings_hidden():  # each bad image gets its own line below
            replies = answers(serve, [data for _, data in chunk])
        for (image, _), answer in zip(chunk, replies):
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
