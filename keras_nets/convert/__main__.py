"""python -m keras_nets.convert SOURCE OUT.keras: a pretrained net as a whole .keras model.

SOURCE: Caffe's bvlc_alexnet.caffemodel (into the two-tower AlexNet with Caffe's options), a
torchvision vgg11/13/16/19 state dict, or a keras.applications VGG16/19 .h5. The model, its class
count, hidden units and width come from the file; the .keras file carries the normalisation the
weights were trained with (keras_nets.Preprocessing), so evaluation and serving read it alone.
"""

import argparse
import os
import sys
from typing import NoReturn

from keras_nets import convert
from keras_nets.convert.caffe import read_caffemodel, read_mean
from keras_nets.convert.keras_applications import read_h5
from keras_nets.convert.torchvision import read_state_dict
from keras_nets.normalization import normalization
from keras_nets.registry import get_spec

PROG = "python -m keras_nets.convert"
# The first conv layer's filters in the papers' nets: the file's count over it is the width.
FIRST_FILTERS = {"caffe": ("conv1_tower0", 48), "torchvision": ("block1_conv1", 64),
                 "keras_applications": ("block1_conv1", 64)}
VGG_BY_CONVS = {8: "vgg_a", 10: "vgg_b", 13: "vgg_d", 16: "vgg_e"}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def main(argv: list[str] | None = None) -> int:
    p = _Parser(prog=PROG, description=__doc__,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", help="a .caffemodel, a torch state dict or a keras.applications .h5")
    p.add_argument("output", help="the .keras file to write")
    p.add_argument("--model", default=None,
                   help="registry name (default: from the file: alexnet, or the VGG with as many "
                        "convolutions)")
    p.add_argument("--input-size", type=int, default=None,
                   help="the crop (default: the model's paper size, 227 or 224)")
    p.add_argument("--mean", default=None, metavar="BINARYPROTO",
                   help="also print the mean pixel of Caffe's mean file "
                        "(data/ilsvrc12/imagenet_mean.binaryproto) beside the normalisation's")
    args = p.parse_args(argv)
    if not args.output.endswith(".keras"):
        p.error(f"{args.output}: the output must be a .keras file")
    try:
        kind = convert.kind_of(args.source)
        found = _peek(kind, args.source)
        name = args.model or ("alexnet" if kind == "caffe" else VGG_BY_CONVS.get(found["convs"]))
        if name is None:
            raise convert.WeightsError(f"{args.source}: {found['convs']} convolutions match no "
                                       "VGG configuration; give --model")
        spec = get_spec(name)
        source = convert.resolve(spec, args.source)
        _, paper_filters = FIRST_FILTERS[kind]
        model = spec(args.input_size, num_classes=found["classes"], fc_units=found["fc_units"],
                     width=found["filters"] / paper_filters, **source.model_options)
        loaded = convert.load(model, source)
        if loaded.fresh:
            raise convert.WeightsError(
                f"{args.source}: no weights of the right shapes for {', '.join(loaded.fresh)} "
                f"at a {model.input.shape[1]} px crop (the size the file was trained at: "
                "--input-size)")
        model.preprocessing = spec.preprocessing(args.input_size,
                                                 normalization=source.normalization)
        if args.mean:
            pixel = read_mean(args.mean)[1]
            ours = normalization(source.normalization)[0]
            print(f"{args.mean}: mean pixel (B, G, R) {', '.join(f'{v:.3f}' for v in pixel)}; "
                  f"{source.normalization} subtracts {', '.join(f'{v:.3f}' for v in ours)}")
    # WeightsError (keras_nets.errors.UserError), and the builders' own ValueError for an
    # --input-size below what the net can take.
    except ValueError as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    model.save(args.output)
    print(f"{args.output}: {spec.name} from the {convert.SOURCE_NAMES[kind]} {args.source} "
          f"({len(loaded.loaded)} layers, {found['classes']} classes, input normalisation "
          f"{source.normalization})")
    return 0


def _peek(kind: str, path: str) -> dict[str, int]:
    """The file's number of convolutions, first conv's filters (per tower for AlexNet), hidden FC
    units and classes, from its arrays' shapes."""
    if kind == "caffe":
        blobs = read_caffemodel(path)
        shape = lambda name: blobs[name][0].shape if name in blobs else (0, 0)
        fc = lambda name: shape(name)[-2]  # (out, in), or V1's (1, 1, out, in)
        return dict(convs=5, filters=shape("conv1")[0] // 2, fc_units=fc("fc7"),
                    classes=fc("fc8"))
    if kind == "torchvision":
        state = read_state_dict(path)
        convs = [k for k in state if k.startswith("features.") and k.endswith(".weight")]
        first = min(convs, key=lambda k: int(k.split(".")[1]))
        return dict(convs=len(convs), filters=state[first].shape[0],
                    fc_units=state["classifier.3.weight"].shape[0],
                    classes=state["classifier.6.weight"].shape[0])
    arrays = read_h5(path)
    convs = [n for n in arrays if "_conv" in n]
    if "fc2" not in arrays:
        raise convert.WeightsError(f"{path}: a file without the classifier (a _notop file); "
                                   "convert the whole one")
    return dict(convs=len(convs), filters=arrays["block1_conv1"][0].shape[-1],
                fc_units=arrays["fc2"][0].shape[-1], classes=arrays["predictions"][0].shape[-1])


if __name__ == "__main__":
    sys.exit(main())
