"""python -m pipelines.evaluate: top-1/top-5 error under the test protocols of both papers.

Averages the softmax of each image's views; one row per protocol and scale, as the papers'
tables. MODEL is a run directory (its model.keras), a .keras file, or a SavedModel directory.
"""

import json
import os
import sys

import numpy as np

from pipelines.cli import ArgumentParser, add_data_arguments, fail

PROTOCOLS = ("center", "ten_crop", "multi_scale", "dense", "multi_crop", "dense_multi_crop")


def load_any(path):
    """(callable images -> probabilities, Keras model or None, input size, run config)."""
    import keras
    import keras_nets  # noqa: F401  (registers the LRN layer)
    import tensorflow as tf
    from pipelines.predict import resolve_version
    config = {}
    if os.path.isdir(path) and os.path.exists(os.path.join(path, "model.keras")):
        if os.path.exists(os.path.join(path, "config.json")):
            with open(os.path.join(path, "config.json")) as f:
                config = json.load(f)
        path = os.path.join(path, "model.keras")
    if path.endswith(".keras") and os.path.isfile(path):
        model = keras.saving.load_model(path, safe_mode=True)
        return (lambda x: model(x, training=False)), model, model.input.shape[1], config
    if os.path.isdir(path):
        fn = tf.saved_model.load(resolve_version(path)).signatures["predict_images"]
        size = fn.structured_input_signature[1]["images"].shape[1]
        return (lambda x: fn(images=x)["probabilities"]), None, size, config
    raise FileNotFoundError(f"{path}: not a run directory, .keras file or SavedModel")


def protocol_rows(protocol, size, scale, is_vgg):
    """[(row name, input protocol, scale)] for one protocol of the papers' tables."""
    scales = (scale,) if not is_vgg else (256, 384, 512)
    if protocol == "center":
        return [(f"centre crop, Q={scale}", "center", scale)]
    if protocol == "ten_crop":
        return [(f"10-crop, Q={scale}", "ten_crop", scale)]
    if protocol == "multi_scale":
        return [(f"centre crop, Q={q}", "center", q) for q in scales]
    if protocol == "dense":
        return [(f"dense + flip, Q={q}", "full_image", q) for q in scales]
    if protocol == "multi_crop":
        return [(f"multi-crop 50, Q={q}", "multi_crop", q) for q in scales]
    return [(f"dense + multi-crop, Q={q}", "dense_multi_crop", q) for q in scales]


def evaluate(predict, dense_predict, dataset_fn, input_protocol, size, scale):
    """(top-1 error, top-5 error) averaging the softmax over each image's views."""
    import tensorflow as tf
    from pipelines.input import create_split, eval_preprocess
    correct1 = correct5 = total = 0
    if input_protocol == "dense_multi_crop":
        parts = [("full_image", dense_predict), ("multi_crop", predict)]
    elif input_protocol == "full_image":
        parts = [("full_image", dense_predict)]
    else:
        parts = [(input_protocol, predict)]
    probs_by_part = []
    for proto, fn in parts:
        batch = 1 if proto == "full_image" else 8
        ds = create_split(dataset_fn(), train=False, batch_size=batch, cache=False,
                          preprocess=eval_preprocess(proto, size, scale))
        probs, labels = [], []
        for views, y in ds:
            b, v = views.shape[0], views.shape[1]
            p = fn(tf.reshape(views, [-1, *views.shape[2:]]))
            probs.append(np.asarray(p).reshape(b, v, -1).mean(axis=1))
            labels.append(y.numpy())
        probs_by_part.append(np.concatenate(probs))
    probs = np.mean(probs_by_part, axis=0)
    labels = np.concatenate(labels)
    top5 = np.argsort(-probs, axis=1)[:, :5]
    return 1 - np.mean(top5[:, 0] == labels), 1 - np.mean((top5 == labels[:, None]).any(1))


def main(argv=None):
    parser = ArgumentParser(prog="python -m pipelines.evaluate", description=__doc__)
    parser.add_argument("model", help="run directory, .keras file or SavedModel directory")
    add_data_arguments(parser)
    parser.add_argument("--split", default="validation")
    parser.add_argument("--protocols", default="center,ten_crop,multi_scale,dense,multi_crop",
                        help=f"comma-separated, from {', '.join(PROTOCOLS)}")
    parser.add_argument("--scale", type=int, default=None, help="test scale Q (default: the run's)")
    parser.add_argument("--shapes-train", type=int, default=None,
                        help="embedded dataset sizes (default: the run's, else the default)")
    parser.add_argument("--shapes-validation", type=int, default=None)
    args = parser.parse_args(argv)
    protocols = [p for p in args.protocols.split(",") if p]
    bad = [p for p in protocols if p not in PROTOCOLS]
    if bad:
        parser.error(f"unknown protocol(s) {bad}; choose from {PROTOCOLS}")
    from keras_nets import to_dense
    from pipelines.folders import DataError
    from pipelines.sources import load_split
    try:
        predict, model, size, run = load_any(args.model)
    except (FileNotFoundError, OSError, ValueError) as err:
        fail(parser.prog, err)
    scale = args.scale or run.get("eval_scale") or round(size * 256 / 224)
    sizes = dict(run.get("recipe", {}).get("dataset_sizes") or {})
    if args.shapes_train:
        sizes["num_train"] = args.shapes_train
    if args.shapes_validation:
        sizes["num_validation"] = args.shapes_validation
    is_vgg = model is not None and model.name.startswith("vgg")  # dense needs the Keras model
    dense = None
    if is_vgg:
        dense_model = to_dense(model)
        dense = lambda x: dense_model(x, training=False)
    sizes = sizes or None
    try:
        load_split(args.dataset, args.split, data_dir=args.data_dir, shapes_sizes=sizes)
    except DataError as err:
        fail(parser.prog, err)
    dataset_fn = lambda: load_split(args.dataset, args.split, data_dir=args.data_dir,
                                    shapes_sizes=sizes).dataset
    print(f"{'protocol':<32}{'top-1 err %':>12}{'top-5 err %':>12}")
    for protocol in protocols:
        if protocol in ("dense", "dense_multi_crop", "multi_scale") and not is_vgg:
            print(f"{protocol:<32}{'(VGG protocols only)':>24}")
            continue
        for row, input_protocol, q in protocol_rows(protocol, size, scale, is_vgg):
            e1, e5 = evaluate(predict, dense, dataset_fn, input_protocol, size, q)
            print(f"{row:<32}{100 * e1:>12.1f}{100 * e5:>12.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
