"""python -m keras_nets.summary MODEL: one row per layer (output shape, params, MACs) and totals."""

import argparse
import sys

from keras_nets.counting import format_summary
from keras_nets.registry import MODEL_NAMES, build_model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m keras_nets.summary",
        description="Print each layer's output shape, parameters and MACs, and the totals.")
    parser.add_argument("model", help=f"one of: {', '.join(MODEL_NAMES)}")
    parser.add_argument("--num-classes", type=int, default=1000)
    parser.add_argument("--input-size", type=int, default=None,
                        help="square input side (default: the paper's, 227 for AlexNet, 224 for VGG)")
    parser.add_argument("--towers", action="store_true",
                        help="one row per tower instead of one per paper layer")
    args = parser.parse_args(argv)
    try:
        model = build_model(args.model, num_classes=args.num_classes,
                            input_size=args.input_size)
    except ValueError as err:
        parser.exit(2, f"error: {err}\n")
    print(format_summary(model, merge_towers=not args.towers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
