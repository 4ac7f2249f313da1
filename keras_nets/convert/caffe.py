"""Caffe's bvlc_alexnet.caffemodel into the two-tower AlexNet, without Caffe.

A caffemodel is a serialised `NetParameter` of Caffe's src/caffe/proto/caffe.proto. Only the
fields that hold the weights are read, by a small reader of the protobuf wire format: a packed
`repeated float data` becomes one `np.frombuffer`, where the protobuf package would make one
Python float per weight (37.7 M in fc6). The fields, quoted from caffe.proto:

- NetParameter: `repeated LayerParameter layer = 100;` and, in old files such as bvlc_alexnet,
  `repeated V1LayerParameter layers = 2;`
- LayerParameter: `optional string name = 1;` `optional string type = 2;`
  `repeated BlobProto blobs = 7;`
- V1LayerParameter: `optional string name = 4;` `optional LayerType type = 5;`
  `repeated BlobProto blobs = 6;`
- BlobProto: `optional BlobShape shape = 7;` `repeated float data = 5 [packed = true];`
  `repeated double double_data = 8 [packed = true];` and the deprecated 4D dimensions
  `num = 1`, `channels = 2`, `height = 3`, `width = 4`
- BlobShape: `repeated int64 dim = 1 [packed = true];`

keras_nets/convert/caffe_schema.py builds the same subset as protobuf message classes, for
writing caffemodels: the tests write theirs with it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from keras_nets.convert.errors import WeightsError

if TYPE_CHECKING:
    import keras

# (keras layer prefix, caffe layer, groups in Caffe's net): models/bvlc_alexnet/deploy.prototxt
# has `group: 2` in conv2, conv4 and conv5; conv1 and conv3 read every channel.
ALEXNET_CONVS = (("conv1", 1), ("conv2", 2), ("conv3", 1), ("conv4", 2), ("conv5", 2))
ALEXNET_FCS = ("fc6", "fc7", "fc8")


class _Truncated(Exception):
    pass


def _varint(buf: memoryview, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise _Truncated()
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise WeightsError("malformed varint")


def _fields(buf: memoryview) -> Iterator[tuple[int, int, int | memoryview]]:
    """(field number, wire type, value) of one message; length-delimited values are memoryviews,
    fixed-width ones raw bytes."""
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise WeightsError("field number 0")
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            size, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + size], pos + size
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:  # 3 and 4 (groups) appear nowhere in caffe.proto
            raise WeightsError(f"wire type {wire}")
        if pos > end:
            raise _Truncated()
        yield number, wire, value


def _blob(buf: memoryview) -> np.ndarray:
    """A BlobProto as a float32 array of its shape (`shape` or the deprecated num, channels,
    height, width)."""
    dims4, shape, chunks, doubles = {}, None, [], []
    for number, wire, value in _fields(buf):
        if number in (1, 2, 3, 4) and wire == 0:
            dims4[number] = value
        elif number == 7 and wire == 2:
            shape = []
            for n, w, v in _fields(value):
                if n == 1 and w == 2:  # packed
                    pos = 0
                    while pos < len(v):
                        d, pos = _varint(v, pos)
                        shape.append(d)
                elif n == 1 and w == 0:
                    shape.append(v)
        elif number == 5:
            chunks.append(np.frombuffer(value, "<f4"))  # packed, or one fixed32 per value
        elif number == 8:
            doubles.append(np.frombuffer(value, "<f8"))
    data = np.concatenate(chunks) if chunks else (
        np.concatenate(doubles).astype("float32") if doubles else np.zeros(0, "float32"))
    if shape is None:
        shape = [dims4.get(i, 0) for i in (1, 2, 3, 4)]
    shape = tuple(int(d) for d in shape)
    if int(np.prod(shape)) != data.size:
        raise WeightsError(f"a blob of shape {shape} holds {data.size} values")
    return data.reshape(shape).astype("float32")


def read_caffemodel(path: str) -> dict[str, list[np.ndarray]]:
    """{layer name: [blobs as float32 arrays of Caffe's shapes]} of every layer with weights.
    WeightsError (one line) when the file is not a readable caffemodel."""
    with open(path, "rb") as f:
        buf = memoryview(f.read())
    layers = {}
    try:
        for number, wire, value in _fields(buf):
            # 100: LayerParameter (name 1, blobs 7); 2: V1LayerParameter (name 4, blobs 6)
            if wire != 2 or number not in (2, 100):
                continue
            name_field, blob_field = (1, 7) if number == 100 else (4, 6)
            name, blobs = None, []
            for n, w, v in _fields(value):
                if n == name_field and w == 2:
                    name = bytes(v).decode("utf-8")
                elif n == blob_field and w == 2:
                    blobs.append(_blob(v))
            if name and blobs:
                layers[name] = blobs
    except (_Truncated, WeightsError, UnicodeDecodeError, ValueError) as err:
        detail = "truncated" if isinstance(err, _Truncated) else str(err) or "malformed"
        raise WeightsError(f"{path}: not a Caffe caffemodel (NetParameter: {detail})") from None
    if not layers:
        raise WeightsError(f"{path}: not a Caffe caffemodel (no layer with weights)")
    return layers


def read_mean(path: str) -> tuple[np.ndarray, tuple[float, ...]]:
    """The mean image of a Caffe mean file (a BlobProto, such as data/ilsvrc12/
    imagenet_mean.binaryproto: 1 x 3 x 256 x 256, BGR) as a (3, H, W) array, and its mean pixel
    (B, G, R): what Caffe's examples/00-classification.ipynb subtracts, and the
    "caffe_alexnet_bgr" normalisation's mean."""
    with open(path, "rb") as f:
        buf = memoryview(f.read())
    try:
        mean = _blob(buf)
    except (_Truncated, WeightsError, ValueError) as err:
        raise WeightsError(f"{path}: not a Caffe mean file (BlobProto: {err or 'truncated'})") \
            from None
    mean = mean.reshape(mean.shape[-3:]) if mean.ndim >= 3 else mean
    if mean.ndim != 3 or mean.shape[0] != 3:
        raise WeightsError(f"{path}: a mean of shape {mean.shape}, not 3 x H x W")
    return mean, tuple(float(v) for v in mean.mean(axis=(1, 2)))


def alexnet_arrays(blobs: Mapping[str, Sequence[np.ndarray]], model: keras.Model
                   ) -> dict[str, list[np.ndarray]]:
    """{keras layer name: [kernel, bias]} for a two-tower `build_alexnet` from bvlc_alexnet's
    blobs. Each Caffe layer's outputs are split between the towers in order (conv1's first 48
    filters are conv1_tower0's); Caffe's `group: 2` splits the inputs the same way, which is how
    the towers' own convolutions read their own tower. Caffe's convolution is a cross-correlation
    of (out, in, h, w) kernels, Keras' of (h, w, in, out) ones: a transpose, no flip. Caffe's
    InnerProduct reads pool5 flattened as (C, H, W) (inner_product_layer.cpp:
    `K_ = bottom[0]->count(axis)` over the NCHW blob), Keras' Flatten as (H, W, C): fc6's rows are
    permuted accordingly."""
    names = {layer.name for layer in model.layers}
    if "conv1_tower1" not in names:
        raise WeightsError("Caffe's bvlc_alexnet converts into the two-tower AlexNet "
                           "(--model alexnet)")
    arrays = {}
    for layer, groups in ALEXNET_CONVS:
        weight, bias = _weights_of(blobs, layer)
        if weight.ndim != 4:
            raise WeightsError(f"caffemodel {layer}: a kernel of shape {weight.shape}")
        halves_w, halves_b = np.split(weight, 2), np.split(bias, 2)
        for t in (0, 1):
            arrays[f"{layer}_tower{t}"] = [halves_w[t].transpose(2, 3, 1, 0), halves_b[t]]
    flatten = model.get_layer("flatten") if "flatten" in names else None
    for i, layer in enumerate(ALEXNET_FCS):
        if layer not in names or layer not in blobs:
            continue
        weight, bias = _weights_of(blobs, layer)
        weight = weight.reshape(weight.shape[-2:]) if weight.ndim == 4 else weight  # V1: 1x1xOxI
        if i == 0 and flatten is not None:
            h, w, c = flatten.input.shape[1:]
            if weight.shape[1] == h * w * c:
                weight = weight.reshape(-1, c, h, w).transpose(0, 2, 3, 1).reshape(-1, h * w * c)
        arrays[layer] = [weight.T, bias]
    return arrays


def _weights_of(blobs: Mapping[str, Sequence[np.ndarray]], layer: str
                ) -> tuple[np.ndarray, np.ndarray]:
    if layer not in blobs or len(blobs[layer]) != 2:
        raise WeightsError(f"the caffemodel has no weights and biases for layer {layer!r} "
                           f"(it has {', '.join(sorted(blobs)) or 'none'})")
    weight, bias = blobs[layer]
    return weight, bias.reshape(-1)
