"""Pretrained weights from other frameworks' files into the project's models, by layer name.

Three sources, each with the input normalisation its weights were trained with and the builder
options under which the project's net computes what the source's net computes:

- "caffe": Caffe's bvlc_alexnet.caffemodel into the two-tower AlexNet (keras_nets.convert.caffe),
  built with keras_nets.alexnet.CAFFE_OPTIONS; Caffe's BGR mean ("caffe_alexnet_bgr").
- "torchvision": torchvision's vgg11/13/16/19 state dicts into VGG A, B, D, E
  (keras_nets.convert.torchvision, needs torch); torchvision's ImageNet mean/std ("standardize").
- "keras_applications": keras.applications' VGG16/VGG19 .h5 files into VGG D, E
  (keras_nets.convert.keras_applications); "caffe_bgr".

`resolve(model, weights)` names the source of `weights` ("imagenet" or a path) from the file's
contents alone (no TensorFlow, no torch), `load(model, source)` sets the weights: every layer
whose shapes agree; the body must agree, the classifier layers that do not (another number of
classes, another input size for the first FC layer) keep their fresh initialisation.
`python -m keras_nets.convert SOURCE OUT.keras` writes a whole 1000-class model.
"""

import dataclasses
import os
import zipfile

from keras_nets.convert.errors import WeightsError

NORMALIZATION = {"caffe": "caffe_alexnet_bgr", "torchvision": "standardize",
                 "keras_applications": "caffe_bgr"}
SOURCE_NAMES = {"caffe": "Caffe caffemodel", "torchvision": "torchvision state dict",
                "keras_applications": "keras.applications .h5"}
HEADS = ("fc8", "predictions")  # the class layers: replaced for another set of classes

__all__ = ["WeightSource", "WeightsError", "resolve", "load", "kind_of", "NORMALIZATION"]


@dataclasses.dataclass(frozen=True)
class WeightSource:
    kind: str  # "caffe", "torchvision", "keras_applications"
    path: str
    normalization: str  # keras_nets.normalization: the one the weights were trained with
    model_options: dict  # builder options the weights need (Caffe's AlexNet)


@dataclasses.dataclass(frozen=True)
class Loaded:
    loaded: tuple  # layers whose weights came from the file (the body, and matching FC layers)
    fresh: tuple  # layers with weights left as initialised (a new head)


def kind_of(path):
    """The source kind of a file from its first bytes; WeightsError for anything else."""
    if not os.path.isfile(path):
        raise WeightsError(f"{path}: no such file")
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(b"\x89HDF"):
        from keras_nets.convert.keras_applications import is_legacy_h5
        if is_legacy_h5(path):
            return "keras_applications"
        raise WeightsError(f"{path}: an HDF5 file without keras.applications' layer_names "
                           "(a Keras 3 .weights.h5 loads with model.load_weights)")
    if head.startswith(b"PK"):
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
        if any(n.endswith("data.pkl") for n in names):  # torch.save's zip format
            return "torchvision"
        raise WeightsError(f"{path}: a zip file that is no torch state dict (a .keras model "
                           "loads with keras.saving.load_model)")
    if head[:1] == b"\x80":  # torch.save's legacy pickle format
        return "torchvision"
    # Caffe's NetParameter starts with field 1 (name: 0x0a), 2 (V1 layers: 0x12) or 3, 4, 8
    # (inputs), or 100 (layer: 0xa2 0x06).
    if head[:1] in (b"\x0a", b"\x12", b"\x1a", b"\x20", b"\x42") or head[:2] == b"\xa2\x06":
        return "caffe"
    raise WeightsError(f"{path}: not a weights file this project reads (a Caffe caffemodel, a "
                       "torchvision state dict or a keras.applications .h5)")


def resolve(model_name, weights, download=False):
    """The WeightSource of `weights` ("imagenet" or a path) for the registry model `model_name`.
    "imagenet" is Keras' hosted file for VGG D/E: its copy in the Keras cache
    ($KERAS_HOME or ~/.keras, then models/); with download=True keras.utils.get_file fetches it."""
    from keras_nets.registry import get_spec
    spec = get_spec(model_name)
    sources = ", ".join(f"{SOURCE_NAMES[k]}" for k in spec.weight_sources) or "none"
    if weights == "imagenet":
        if "imagenet" not in spec.hosted_weights:
            raise WeightsError(f"no hosted ImageNet weights for {spec.name}; give a file "
                               f"(--weights PATH): {sources}")
        from keras_nets.vgg import imagenet_weights_path, resolve_config
        config = resolve_config(spec.name.removeprefix("vgg_"))
        try:
            path = imagenet_weights_path(config, True, download=download)
        except WeightsError as missing:
            try:  # the _notop file serves too: a new head replaces the 1000 classes anyway
                path = imagenet_weights_path(config, False, download=False)
            except WeightsError:
                raise missing from None
    else:
        path = str(weights)
    kind = kind_of(path)
    if kind not in spec.weight_sources:
        raise WeightsError(f"{path}: a {SOURCE_NAMES[kind]}, which {spec.name} does not load "
                           f"(its sources: {sources})")
    options = {}
    if kind == "caffe":
        from keras_nets.alexnet import CAFFE_OPTIONS
        options = dict(CAFFE_OPTIONS)
    return WeightSource(kind, path, NORMALIZATION[kind], options)


def arrays(model, source):
    """{keras layer name: [arrays]} read from the source for `model`."""
    if source.kind == "caffe":
        from keras_nets.convert.caffe import alexnet_arrays, read_caffemodel
        return alexnet_arrays(read_caffemodel(source.path), model)
    if source.kind == "torchvision":
        from keras_nets.convert.torchvision import read_state_dict, vgg_arrays
        return vgg_arrays(read_state_dict(source.path), model)
    from keras_nets.convert.keras_applications import read_h5
    return read_h5(source.path)


def load(model, source):
    """Set `model`'s weights from `source`, layer by layer. The convolutions must match (one
    line naming the first that does not); a classifier layer of other shapes keeps its own
    weights. Returns Loaded(loaded layer names, fresh layer names)."""
    found = arrays(model, source)
    loaded, fresh = [], []
    for layer in model.layers:
        if not layer.weights:
            continue
        ours = [tuple(w.shape) for w in layer.get_weights()]
        theirs = found.get(layer.name)
        if theirs is not None and [tuple(a.shape) for a in theirs] == ours:
            layer.set_weights([a.astype(w.dtype) for a, w in zip(theirs, layer.get_weights())])
            loaded.append(layer.name)
        elif layer.name.startswith(("fc", "predictions")):
            fresh.append(layer.name)
        else:
            shapes = [tuple(a.shape) for a in theirs] if theirs is not None else "nothing"
            raise WeightsError(f"{source.path}: layer {layer.name} gets {shapes} from the "
                               f"{SOURCE_NAMES[source.kind]}, the model has {ours} (build it at "
                               "the weights' width and filters)")
    return Loaded(tuple(loaded), tuple(fresh))
