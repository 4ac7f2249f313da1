"""Pretrained weights from other frameworks' files into the project's models, by layer name.

Three sources, each with the input normalisation its weights were trained with and the builder
options under which the project's net computes what the source's net computes:

- "caffe": Caffe's bvlc_alexnet.caffemodel into the two-tower AlexNet (keras_nets.convert.caffe),
  built with keras_nets.alexnet.CAFFE_OPTIONS; Caffe's BGR mean ("caffe_alexnet_bgr").
- "torchvision": torchvision's vgg11/13/16/19 state dicts into VGG A, B, D, E
  (keras_nets.convert.torchvision, needs torch); torchvision's ImageNet mean/std ("standardize").
- "keras_applications": keras.applications' VGG16/VGG19 .h5 files into VGG D, E
  (keras_nets.convert.keras_applications); "caffe_bgr".

`resolve(spec, weights)` names the source of `weights` ("imagenet": keras.applications' hosted
file, fetched into the Keras cache when missing; or a path) for a registry entry from the file's
contents alone; `load(model, source)` sets the weights: every layer
whose shapes agree; the body must agree, the classifier layers that do not (another number of
classes, another input size for the first FC layer) keep their fresh initialisation. The
registry's factory (`keras_nets.build_model(name, weights=...)`) is resolve + build + load.
`python -m keras_nets.convert SOURCE OUT.keras` writes a whole 1000-class model.
"""

import dataclasses
import os
import zipfile
from typing import Protocol

import keras

from keras_nets.alexnet import CAFFE_OPTIONS
from keras_nets.convert import caffe, keras_applications, torchvision
from keras_nets.convert.errors import WeightsError

NORMALIZATION = {"caffe": "caffe_alexnet_bgr", "torchvision": "standardize",
                 "keras_applications": "caffe_bgr"}
SOURCE_NAMES = {"caffe": "Caffe caffemodel", "torchvision": "torchvision state dict",
                "keras_applications": "keras.applications .h5"}

__all__ = ["WeightSource", "WeightsError", "resolve", "load", "load_weights", "kind_of",
           "NORMALIZATION"]


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


class WeightedSpec(Protocol):
    """What resolve reads of a registry entry (keras_nets.ModelSpec): its name and the weights
    it loads."""
    name: str
    hosted_weights: tuple  # values of `weights=` naming published weights ("imagenet")
    weight_sources: tuple  # the kinds of file it loads (keys of NORMALIZATION)


def kind_of(path: str) -> str:
    """The source kind ("caffe", "torchvision", "keras_applications") of the file at `path`,
    from its first bytes; WeightsError (one line) for a missing file or any other format."""
    if not os.path.isfile(path):
        raise WeightsError(f"{path}: no such file")
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(b"\x89HDF"):
        if keras_applications.is_legacy_h5(path):
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


def resolve(spec: WeightedSpec, weights: str, include_top: bool = True) -> WeightSource:
    """The WeightSource of `weights` for the registry entry `spec`: "imagenet" (its hosted
    weights) or a path. WeightsError, one line, when the entry has no such weights, the file is
    missing or of a kind the entry does not load, or the hosted file cannot be fetched.

    "imagenet" is keras.applications' file for VGG D/E in the Keras cache ($KERAS_HOME or
    ~/.keras, then models/), fetched there with its hash checked when missing, as
    keras.applications fetches it. A cached `_notop` file serves too (fine-tuning gives a new
    head anyway); include_top=False fetches the `_notop` file when neither is cached."""
    sources = ", ".join(SOURCE_NAMES[k] for k in spec.weight_sources) or "none"
    if weights == "imagenet":
        if "imagenet" not in spec.hosted_weights:
            raise WeightsError(f"no hosted ImageNet weights for {spec.name}; give a file "
                               f"(--weights PATH): {sources}")
        path = keras_applications.imagenet_file(spec.name, include_top, notop_serves=True)
    else:
        path = str(weights)
    kind = kind_of(path)
    if kind not in spec.weight_sources:
        raise WeightsError(f"{path}: a {SOURCE_NAMES[kind]}, which {spec.name} does not load "
                           f"(its sources: {sources})")
    options = dict(CAFFE_OPTIONS) if kind == "caffe" else {}
    return WeightSource(kind, path, NORMALIZATION[kind], options)


def arrays(model: keras.Model, source: WeightSource) -> dict:
    """{keras layer name: [arrays]} read from the source for `model`."""
    if source.kind == "caffe":
        return caffe.alexnet_arrays(caffe.read_caffemodel(source.path), model)
    if source.kind == "torchvision":
        return torchvision.vgg_arrays(torchvision.read_state_dict(source.path), model)
    return keras_applications.read_h5(source.path)


def load(model: keras.Model, source: WeightSource) -> Loaded:
    """Set `model`'s weights from `source`, layer by layer; returns Loaded(loaded layer names,
    fresh layer names). The convolutions must match (WeightsError, one line, naming the first
    that does not); a classifier layer of other shapes keeps its own weights."""
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


def load_weights(model: keras.Model, weights: str, hosted: str | None = None,
                 include_top: bool = True) -> None:
    """Set every layer of `model` from `weights` (a builder's `weights=`): "imagenet", the hosted
    file of the registry model `hosted` (fetched when missing, the one with or without the
    classifier as include_top says), or a path: a file of the three sources, by layer name, or
    else a Keras weights file (model.load_weights, and its own errors). Every layer must get
    weights: WeightsError names those that do not."""
    path = (keras_applications.imagenet_file(hosted, include_top) if weights == "imagenet"
            else str(weights))
    try:
        kind = kind_of(path)
    except WeightsError:
        model.load_weights(path)  # a Keras 3 .weights.h5 (or its error)
        return
    fresh = load(model, WeightSource(kind, path, NORMALIZATION[kind], {})).fresh
    if fresh:
        raise WeightsError(f"{path}: no weights of the right shapes for {fresh}")
