"""keras.applications' VGG16/VGG19 ImageNet weights: the hosted files, their cache, their reader.

The files are those `keras.applications.VGG16(weights="imagenet")` and `VGG19` load, fetched as
they fetch them (`keras.utils.get_file` with the file's MD5, into the Keras cache's `models/`).
They are in the legacy Keras HDF5 layout: the root's `layer_names` attribute lists one group per
layer and each group's `weight_names` its arrays in order (`block1_conv1/kernel:0`,
`block1_conv1/bias:0`), as Keras' legacy `load_weights(by_name=True)` reads them; a whole-model
.h5 has them under `model_weights`. The layer names are build_vgg's (block1_conv1 ... fc1, fc2,
predictions).
"""

import os

import h5py
import keras
import numpy as np

from keras_nets.convert.errors import WeightsError

HOSTED = "https://storage.googleapis.com/tensorflow/keras-applications/"
# Per registry model: (file under HOSTED, its MD5) with the classifier (True) and without it
# (False, the `_notop` file), as keras/src/applications/vgg16.py and vgg19.py name them.
IMAGENET_FILES = {
    "vgg_d": {True: ("vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5",
                     "64373286793e3c8b2b4e3219cbf3544b"),
              False: ("vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
                      "6d6bbae143d832006294945121d1f1fc")},
    "vgg_e": {True: ("vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5",
                     "cbe5617147190e668d6c5d5026f83318"),
              False: ("vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
                      "253f8cb515780f3b799900260a226db6")},
}


def keras_home() -> str:
    """Where keras.utils.get_file caches: $KERAS_HOME, else ~/.keras, read at each call
    (keras/src/backend/config.py reads the same variable once, at import; its accessor is
    private)."""
    return os.path.expanduser(os.environ.get("KERAS_HOME") or os.path.join("~", ".keras"))


def cache_path(model: str, include_top: bool) -> str:
    """The path of `model`'s hosted file (with or without the classifier) in the Keras cache,
    whether it is there or not."""
    path, _ = IMAGENET_FILES[model][include_top]
    return os.path.join(keras_home(), "models", os.path.basename(path))


def imagenet_file(model: str, include_top: bool = True, notop_serves: bool = False) -> str:
    """The path of keras.applications' ImageNet weights for the registry model `model` ("vgg_d",
    "vgg_e"): the file in the Keras cache, else fetched into it with its hash checked.

    include_top: the file with the classifier (True) or the `_notop` one; a cached file with the
    classifier always serves for include_top=False (it holds the body too), and a cached `_notop`
    file serves for include_top=True when notop_serves (fine-tuning, where the classifier may
    start fresh). Raises WeightsError, one line, naming where to put the file and its URL when
    the fetch fails (no network, or a file of another hash)."""
    if model not in IMAGENET_FILES:
        raise WeightsError(f"no hosted ImageNet weights for {model}")
    serving = (include_top, not include_top) if notop_serves or not include_top else (True,)
    for top in serving:
        if os.path.isfile(cache_path(model, top)):
            return cache_path(model, top)
    return _fetch(model, include_top)


def _fetch(model: str, include_top: bool) -> str:
    """keras.utils.get_file of the hosted file into the Keras cache, as keras.applications
    fetches it; WeightsError (one line: the file, where it goes, its URL) when that fails."""
    path, md5 = IMAGENET_FILES[model][include_top]
    target = cache_path(model, include_top)
    url = HOSTED + path
    try:
        # get_file puts the file under /tmp/.keras when the cache's folder is missing (it checks
        # that it is writable before making it); a later run would not look there.
        os.makedirs(os.path.dirname(target), exist_ok=True)
        return keras.utils.get_file(os.path.basename(path), url, file_hash=md5,
                                    cache_subdir="models", cache_dir=keras_home())
    except Exception as err:  # get_file raises a bare Exception for a failed fetch
        # get_file leaves a file of the wrong hash behind; the next run would take it as cached.
        if os.path.isfile(target):
            os.remove(target)
        reason = (str(err).strip().splitlines() or [err.__class__.__name__])[0]
        raise WeightsError(f"{target}: not in the Keras cache and the download failed "
                           f"({reason[:200]}); put keras.applications' {os.path.basename(path)} "
                           f"there (from {url}) or give the file's path") from None


def is_legacy_h5(path: str) -> bool:
    """Whether `path` is an HDF5 file in keras.applications' layout (a `layer_names` root)."""
    try:
        with h5py.File(path, "r") as f:
            root = f["model_weights"] if "model_weights" in f else f
            return "layer_names" in root.attrs
    except (OSError, ValueError):
        return False


def read_h5(path: str) -> dict[str, list[np.ndarray]]:
    """{layer name: [arrays]} of every layer with weights; WeightsError (one line) for a file of
    another layout."""
    try:
        f = h5py.File(path, "r")
    except (OSError, ValueError):
        raise WeightsError(f"{path}: not an HDF5 file") from None
    with f:
        root = f["model_weights"] if "model_weights" in f else f
        if "layer_names" not in root.attrs:
            raise WeightsError(f"{path}: not a keras.applications weights file (no layer_names)")
        arrays = {}
        for raw in root.attrs["layer_names"]:
            name = raw.decode("utf8") if isinstance(raw, bytes) else str(raw)
            group = root[name]
            weight_names = [w.decode("utf8") if isinstance(w, bytes) else str(w)
                            for w in group.attrs.get("weight_names", [])]
            if weight_names:
                arrays[name] = [group[w][()] for w in weight_names]
    return arrays
