"""torchvision's VGG state dicts (vgg11/13/16/19: configurations A, B, D, E) into build_vgg.

torchvision.models.vgg: `features` is a Sequential of Conv2d, ReLU (and MaxPool2d after each
block), so the convolutions sit at indices 0, 2, 5, 7, ... of `features.N.weight` / `.bias`;
`classifier` is Linear(512 * 7 * 7, 4096), ReLU, Dropout, Linear(4096, 4096), ReLU, Dropout,
Linear(4096, 1000): indices 0, 3, 6. The classifier reads an AdaptiveAvgPool2d((7, 7)) of pool5
flattened as (C, H, W); at the 224 crop pool5 is 7x7 and the average pool is the identity.
torch is imported here only, inside `read_state_dict` (the `convert` extra).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from keras_nets.convert.errors import WeightsError

if TYPE_CHECKING:
    import keras

CLASSIFIER = (("fc1", 0), ("fc2", 3), ("predictions", 6))


def read_state_dict(path: str) -> dict[str, np.ndarray]:
    """{key: float32 array} of a torch.save'd state dict (or a checkpoint holding one under
    'state_dict' or 'model'); WeightsError when torch is missing or the file is no state dict."""
    try:
        import torch
    except ImportError:
        raise WeightsError("reading a torchvision state dict needs torch: pip install "
                           "'keras-nets[convert]'") from None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises several kinds for a file of another format
        raise WeightsError(f"{path}: not a torch state dict ({err.__class__.__name__})") from None
    for key in ("state_dict", "model"):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
    if not isinstance(state, dict) or not all(hasattr(v, "numpy") for v in state.values()):
        raise WeightsError(f"{path}: not a torch state dict of tensors")
    # DataParallel's "module." prefix
    return {k.removeprefix("module."): v.detach().float().numpy() for k, v in state.items()}


def vgg_arrays(state: Mapping[str, np.ndarray], model: keras.Model
               ) -> dict[str, list[np.ndarray]]:
    """{keras layer name: [kernel, bias]} for a build_vgg model from torchvision's keys."""
    if any("running_mean" in k for k in state):
        raise WeightsError("a batch-normalised VGG state dict (vgg*_bn): the papers' VGG has no "
                           "batch normalisation; use vgg11/13/16/19")
    convs, index, block = [], 0, None
    for layer in model.layers:  # block<b>_conv<i>, in order; a MaxPool2d closes each block
        if "_conv" in layer.name and layer.name.startswith("block"):
            b = layer.name.split("_")[0]
            if block is not None and b != block:
                index += 1
            convs.append((layer.name, f"features.{index}"))
            index, block = index + 2, b  # Conv2d, ReLU
    found = sorted(int(k.split(".")[1]) for k in state if k.startswith("features.")
                   and k.endswith(".weight"))
    expected = [int(key.split(".")[1]) for _, key in convs]
    if found != expected:
        raise WeightsError(f"the state dict has {len(found)} convolutions at features.{found}, "
                           f"this VGG {len(expected)} at features.{expected}: another VGG "
                           "configuration (A: vgg11, B: vgg13, D: vgg16, E: vgg19)")
    arrays = {name: [state[f"{key}.weight"].transpose(2, 3, 1, 0), state[f"{key}.bias"]]
              for name, key in convs}
    names = {layer.name for layer in model.layers}
    for name, i in CLASSIFIER:
        key = f"classifier.{i}"
        if name not in names or f"{key}.weight" not in state:
            continue
        weight = state[f"{key}.weight"]
        if name == "fc1":
            h, w, c = model.get_layer("flatten").input.shape[1:]
            if weight.shape[1] == h * w * c:  # torch flattens (C, H, W), Keras (H, W, C)
                weight = weight.reshape(-1, c, h, w).transpose(0, 2, 3, 1).reshape(-1, h * w * c)
        arrays[name] = [np.ascontiguousarray(weight.T), state[f"{key}.bias"]]
    return arrays
