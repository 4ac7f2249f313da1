"""python -m pipelines.evaluate: top-1/top-5 error under the test protocols of both papers.

Averages the softmax of each image's views; one row per protocol and scale, as the papers'
tables. MODEL is a run directory, a .keras file or a SavedModel export; by default it is
evaluated on the data it was trained on (the run's dataset, validation split), under the
normalisation and test scales it carries.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from pipelines import quiet

# Before anything imports TensorFlow (the protocol table's module does): its start-up notices
# stay off the screen, --help included, as in pipelines.train (pipelines.quiet).
quiet.hide_startup_notices()

from pipelines.cli import ArgumentParser, user_errors  # noqa: E402  (after the notices are filtered)
from pipelines.errors import UserError  # noqa: E402
from pipelines.evaluation.scoring import PROTOCOLS  # noqa: E402

if TYPE_CHECKING:
    import argparse

    from pipelines.serving.loader import Saved

DEFAULT_PROTOCOLS = "center,ten_crop,multi_scale,dense,multi_crop"


def parse_args(argv: list[str] | None = None) -> tuple[ArgumentParser, argparse.Namespace]:
    parser = ArgumentParser(module="pipelines.evaluate", description=__doc__)
    parser.add_argument("model", help="run directory, .keras file or SavedModel directory")
    parser.add_argument("--dataset", default=None,
                        help="'shapes' (embedded), a TFDS name or an image folder path "
                             "(default: the data the model was trained on)")
    parser.add_argument("--data-dir", default=None, help="TFDS data directory")
    parser.add_argument("--split", default="validation")
    parser.add_argument("--protocols", default=DEFAULT_PROTOCOLS,
                        help=f"comma-separated, from {', '.join(PROTOCOLS)}; those that do not "
                             "apply to the model (AlexNet: center and ten_crop) are skipped")
    parser.add_argument("--scale", default=None,
                        help="test scale(s) Q, comma-separated, for every protocol (default: "
                             "the model's own: AlexNet its training scale; VGG Q = S or "
                             "(S_min + S_max) / 2, multi-scale {S-32, S, S+32} or "
                             "{S_min, mid, S_max}, VGG section 4)")
    parser.add_argument("--shapes-train", type=int, default=None,
                        help="embedded dataset sizes (default: the ones the model was run on)")
    parser.add_argument("--shapes-validation", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        args.scales = [int(q) for q in args.scale.split(",")] if args.scale else None
    except ValueError:
        parser.error(f"--scale {args.scale!r}: integers, comma-separated")
    if args.scales is not None and min(args.scales) < 1:
        parser.error("--scale must be >= 1")
    args.protocol_list = [p for p in args.protocols.split(",") if p]
    bad = [p for p in args.protocol_list if p not in PROTOCOLS]
    if bad:
        parser.error(f"unknown protocol(s) {bad}; choose from {PROTOCOLS}")
    return parser, args


def data_of(saved: Saved, args: argparse.Namespace
            ) -> tuple[str, dict[str, int | None] | None, str]:
    """(dataset, embedded-dataset sizes, how it was chosen): the one asked for, else the one
    the model was trained on, else the embedded dataset."""
    trained_on = saved.preprocessing.dataset or {}
    dataset = args.dataset or trained_on.get("name") or "shapes"
    sizes = dict(trained_on.get("sizes") or {}) if dataset == trained_on.get("name") else {}
    if args.shapes_train:
        sizes["num_train"] = args.shapes_train
    if args.shapes_validation:
        sizes["num_validation"] = args.shapes_validation
    how = "as asked" if args.dataset else (
        "the data it was trained on" if trained_on.get("name") else
        "the embedded dataset: the model does not say what it was trained on")
    return dataset, sizes or None, how


def check_classes(saved: Saved, class_names: Sequence[str], outputs: int | None) -> None:
    """A model scored on data of other classes scores chance: refuse it instead."""
    own = saved.preprocessing.class_names
    if own and tuple(own) != tuple(class_names):
        differ = sorted(set(own) ^ set(class_names))[:5]
        raise UserError(f"the model's {len(own)} classes are not the data's {len(class_names)} "
                        f"(in order){': e.g. ' + ', '.join(differ) if differ else ''}; "
                        "give the --dataset it was trained on")
    if outputs is not None and outputs != len(class_names):
        raise UserError(f"the model has {outputs} outputs, the data {len(class_names)} classes")


class Progress:
    """Images done of the total, with rate and ETA, on one refreshed stderr line."""

    def __init__(self, total: int, stream: TextIO = sys.stderr, every: float = 2.0) -> None:
        self.total, self.done, self.stream, self.every = total, 0, stream, every
        self.start = self.last = time.monotonic()

    def __call__(self, images: int) -> None:
        self.done += images
        now = time.monotonic()
        if now - self.last < self.every and self.done < self.total:
            return
        self.last = now
        rate = self.done / max(now - self.start, 1e-9)
        eta = (self.total - self.done) / rate if rate else 0
        print(f"\r  {self.done}/{self.total} images, {rate:.1f} img/s, ETA {eta:.0f} s ",
              end="" if self.done < self.total else "\n", file=self.stream, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser, args = parse_args(argv)
    with user_errors(parser.prog):  # a missing or damaged model, data of other classes, ...
        return score(parser.prog, args)


def score(prog: str, args: argparse.Namespace) -> int:
    """The table: one row per protocol and test scale (UserError: one line for the CLI)."""
    from keras_nets import to_dense
    from keras_nets.protocols import TEST
    from pipelines.data.sources import load_split
    from pipelines.evaluation.scoring import evaluate, protocol_rows
    from pipelines.serving.loader import load
    saved = load(args.model)
    pre, spec = saved.preprocessing, saved.spec
    if saved.assumed:
        print(f"{prog}: note: {args.model} carries no preprocessing; assuming the "
              f"paper's for {spec.name} ({pre.normalization}, test scale {pre.eval_scale})",
              file=sys.stderr)
    dataset, sizes, how = data_of(saved, args)
    # A run directory also says where its TFDS data was prepared (config.json).
    data_dir = args.data_dir or (saved.run_config.get("data_dir") if not args.dataset else None)
    # Opened once: a folder is scanned once, however many protocols read it.
    split = load_split(dataset, args.split, data_dir=data_dir, shapes_sizes=sizes)
    outputs = saved.model.output.shape[-1] if saved.model is not None else None
    check_classes(saved, split.class_names, outputs)
    if args.scales and min(args.scales) < pre.input_size:
        raise UserError(f"--scale {min(args.scales)} is below the model's {pre.input_size} px "
                        f"crop: a test scale Q is the shorter side the crops are taken from "
                        f"(VGG section 3.2)")
    single = args.scales or [pre.eval_scale]
    multi = args.scales or list(pre.test_scales)
    dense = None
    if saved.model is not None and "dense" in spec.test_protocols:
        dense_model = to_dense(saved.model)
        dense = lambda x: dense_model(x, training=False)
    print(f"{spec.name}, {pre.input_size} px, normalization {pre.normalization}, training "
          f"scale {pre.train_scale_min}-{pre.train_scale_max}")
    print(f"data: {split.source}, split {args.split}, {split.num_examples} images ({how})")
    print(f"{'protocol':<32}{'top-1 err %':>12}{'top-5 err %':>12}")
    for protocol in args.protocol_list:
        needs_dense = protocol in TEST and TEST[protocol].needs_dense
        if protocol not in spec.test_protocols or (needs_dense and dense is None):
            why = "needs the Keras model" if protocol in spec.test_protocols else \
                f"not a protocol of {spec.name}"
            print(f"{protocol:<32}({why})")
            continue
        for row, input_protocol, q in protocol_rows(protocol, single, multi):
            e1, e5 = evaluate(saved.predict, dense, lambda: split.dataset, input_protocol,
                              pre.input_size, q, pre.normalization,
                              progress=Progress(  # one pass over the images per set of views
                                  split.num_examples * len(TEST[input_protocol].views)))
            print(f"{row:<32}{100 * e1:>12.1f}{100 * e5:>12.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
