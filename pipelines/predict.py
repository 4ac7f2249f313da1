"""python -m pipelines.predict MODEL_DIR IMAGE...: top-5 labels and scores from a SavedModel.

MODEL_DIR is one version (saved_models/alexnet/3) or its base (saved_models/alexnet: the newest
version). Every readable image gets its answer; the others get one error line each (exit 2).
"""

import os
import sys

from pipelines.cli import ArgumentParser, fail
from pipelines.serving.versions import resolve_version


def main(argv=None):
    parser = ArgumentParser(prog="python -m pipelines.predict", description=__doc__)
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
    failed = 0
    for image in args.images:
        problem = "no such file" if not os.path.isfile(image) else image_problem(image)
        if problem:
            print(f"{parser.prog}: error: {image}: {problem}", file=sys.stderr)
            failed += 1
            continue
        with open(image, "rb") as f:
            data = f.read()
        try:
            out = serve(images=tf.constant([data]))
        except tf.errors.InvalidArgumentError:
            print(f"{parser.prog}: error: {image}: cannot be decoded", file=sys.stderr)
            failed += 1
            continue
        labels = [b.decode() for b in out["top_k_labels"].numpy()[0][:args.top]]
        scores = out["top_k_scores"].numpy()[0][:args.top]
        print(f"{image}: " + ", ".join(f"{l} {s:.3f}" for l, s in zip(labels, scores)))
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
