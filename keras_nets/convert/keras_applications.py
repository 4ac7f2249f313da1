"""keras.applications' VGG16/VGG19 weights files (the legacy Keras HDF5 layout) read by layer name.

The files hold one group per layer; the root's `layer_names` attribute lists them and each
group's `weight_names` its arrays in order (`block1_conv1/kernel:0`, `block1_conv1/bias:0`), as
Keras' legacy `load_weights(by_name=True)` reads them. A whole-model .h5 has them under
`model_weights`. The layer names are build_vgg's (block1_conv1 ... fc1, fc2, predictions).
"""

import h5py

from keras_nets.convert.errors import WeightsError


def is_legacy_h5(path):
    try:
        with h5py.File(path, "r") as f:
            root = f["model_weights"] if "model_weights" in f else f
            return "layer_names" in root.attrs
    except (OSError, ValueError):
        return False


def read_h5(path):
    """{layer name: [arrays]} of every layer with weights."""
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
