"""python -m pipelines.evaluate: top-1/top-5 error under the test protocols of both papers.

Averages the softmax of each image's views; one row per protocol and scale, as the papers'
tables. MODEL is a run directory (its model.keras), a .keras file, or a SavedModel directory.
"""

import sys

from pipelines.cli import ArgumentParser, add_data_arguments, fail
from pipelines.evaluation.protocols import PROTOCOLS


def main(argv=None):
    parser = ArgumentParser(prog="python -m pipelines.evaluate", description=__doc__)
    parser.add_argument("model", help="run directory, .keras file or SavedModel directory")
    add_data_arguments(parser)
    parser.add_argument("--split", default="validation")
    parser.add_argument("--protocols", default="center,ten_crop,multi_scale,dense,multi_crop",
                        help=f"comma-separated, from {', '.join(PROTOCOLS)}")
    parser.add_argument("--scale", default=None,
                        help="test scale(s) Q, comma-separated, for every protocol (default: "
                             "from the model's saved training scale: AlexNet its training scale; "
                             "VGG Q = S or (S_min + S_max) / 2, multi-scale {S-32, S, S+32} or "
                             "{S_min, mid, S_max}, VGG section 4)")
    parser.add_argument("--shapes-train", type=int, default=None,
                        help="embedded dataset sizes (default: the run's, else the default)")
    parser.add_argument("--shapes-validation", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        scales = [int(q) for q in args.scale.split(",")] if args.scale else None
    except ValueError:
        parser.error(f"--scale {args.scale!r}: integers, comma-separated")
    if scales is not None and min(scales) < 1:
        parser.error("--scale must be >= 1")
    protocols = [p for p in args.protocols.split(",") if p]
    bad = [p for p in protocols if p not in PROTOCOLS]
    if bad:
        parser.error(f"unknown protocol(s) {bad}; choose from {PROTOCOLS}")
    from keras_nets import to_dense
    from pipelines.data.folders import DataError
    from pipelines.data.sources import load_split
    from pipelines.evaluation.protocols import (default_contract, evaluate, load_any,
                                                protocol_rows, spec_of)
    try:
        predict, model, size, run, info = load_any(args.model)
    except (FileNotFoundError, OSError, ValueError) as err:
        fail(parser.prog, err)
    spec = spec_of(model, info or run, size)
    if info is None:
        info = default_contract(spec, size)
        print(f"{parser.prog}: note: {args.model} holds no saved input contract; assuming the "
              f"paper's ({info['normalization']}, training scale {info['train_scale_min']}-"
              f"{info['train_scale_max']})", file=sys.stderr)
    normalization = info["normalization"]
    single = scales or [info["eval_scale"]]
    multi = scales or info["test_scales"]
    recipe = run.get("recipe", {})
    sizes = dict(info.get("shapes_sizes") or {})  # the embedded dataset the model was run on
    sizes.update({k: recipe[k] for k in ("num_train", "num_validation") if recipe.get(k)})
    sizes.update({k: recipe[f"shapes_{k}"] for k in ("min_side", "max_side", "side")
                  if recipe.get(f"shapes_{k}")})
    if args.shapes_train:
        sizes["num_train"] = args.shapes_train
    if args.shapes_validation:
        sizes["num_validation"] = args.shapes_validation
    is_vgg = model is not None and spec.family == "vgg"  # dense needs the Keras model
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
    print(f"{spec.name}, {size} px, normalization {normalization}, training scale "
          f"{info['train_scale_min']}-{info['train_scale_max']}")
    print(f"{'protocol':<32}{'top-1 err %':>12}{'top-5 err %':>12}")
    for protocol in protocols:
        if protocol in ("dense", "dense_multi_crop", "multi_scale") and not is_vgg:
            print(f"{protocol:<32}{'(VGG protocols only)':>24}")
            continue
        for row, input_protocol, q in protocol_rows(protocol, single, multi):
            e1, e5 = evaluate(predict, dense, dataset_fn, input_protocol, size, q, normalization)
            print(f"{row:<32}{100 * e1:>12.1f}{100 * e5:>12.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
