"""Caffe's schema as protobuf message classes, built at run time, and a caffemodel writer.

The subset of caffe.proto quoted in keras_nets/convert/caffe.py (the same field numbers, types
and packing), as a FileDescriptorProto: caffemodels are written, and the reader checked, with
the protobuf package itself and without Caffe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from google.protobuf.message import Message


def caffe_messages() -> dict[str, type[Message]]:
    """{name: message class} for NetParameter, LayerParameter, V1LayerParameter, BlobProto and
    BlobShape, built at run time from the caffe.proto fields quoted in keras_nets/convert/caffe.py
    (the same field numbers, types and packing), for writing caffemodels without Caffe."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    F = descriptor_pb2.FieldDescriptorProto
    spec = {
        "BlobShape": [("dim", 1, F.TYPE_INT64, True, None)],
        "BlobProto": [("shape", 7, F.TYPE_MESSAGE, False, "BlobShape"),
                      ("data", 5, F.TYPE_FLOAT, True, None),
                      ("double_data", 8, F.TYPE_DOUBLE, True, None),
                      ("num", 1, F.TYPE_INT32, False, None),
                      ("channels", 2, F.TYPE_INT32, False, None),
                      ("height", 3, F.TYPE_INT32, False, None),
                      ("width", 4, F.TYPE_INT32, False, None)],
        "LayerParameter": [("name", 1, F.TYPE_STRING, False, None),
                           ("type", 2, F.TYPE_STRING, False, None),
                           ("blobs", 7, F.TYPE_MESSAGE, True, "BlobProto")],
        # V1's `optional LayerType type = 5` is an enum: an int32 on the wire.
        "V1LayerParameter": [("name", 4, F.TYPE_STRING, False, None),
                             ("type", 5, F.TYPE_INT32, False, None),
                             ("blobs", 6, F.TYPE_MESSAGE, True, "BlobProto")],
        "NetParameter": [("name", 1, F.TYPE_STRING, False, None),
                         ("layers", 2, F.TYPE_MESSAGE, True, "V1LayerParameter"),
                         ("layer", 100, F.TYPE_MESSAGE, True, "LayerParameter")],
    }
    file = descriptor_pb2.FileDescriptorProto(name="keras_nets_caffe_subset.proto",
                                              package="caffe", syntax="proto2")
    for message, fields in spec.items():
        proto = file.message_type.add(name=message)
        for name, number, kind, repeated, type_name in fields:
            field = proto.field.add(name=name, number=number, type=kind,
                                    label=F.LABEL_REPEATED if repeated else F.LABEL_OPTIONAL)
            if type_name:
                field.type_name = f".caffe.{type_name}"
            if repeated and kind != F.TYPE_MESSAGE:
                field.options.packed = True
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return {name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"caffe.{name}"))
            for name in spec}


# V1LayerParameter.LayerType values (caffe.proto) of the layers that carry weights.
V1_CONVOLUTION, V1_INNER_PRODUCT = 4, 14


def write_caffemodel(path: str, layers: Mapping[str, Sequence[np.ndarray]],
                     v1: bool = False) -> None:
    """Write {layer name: [arrays]} (Caffe's shapes) as a caffemodel: V1 `layers` with 4D
    num/channels/height/width blobs as in bvlc_alexnet, or `layer` with BlobShape."""
    messages = caffe_messages()
    net = messages["NetParameter"](name="AlexNet")
    for name, arrays in layers.items():
        conv = all(a.ndim == 4 for a in arrays[:1])
        if v1:
            layer = net.layers.add(name=name, type=V1_CONVOLUTION if conv else V1_INNER_PRODUCT)
        else:
            layer = net.layer.add(name=name, type="Convolution" if conv else "InnerProduct")
        for array in arrays:
            blob = layer.blobs.add()
            if v1:
                dims = (1,) * (4 - array.ndim) + tuple(array.shape)
                blob.num, blob.channels, blob.height, blob.width = dims
            else:
                blob.shape.dim.extend(array.shape)
            blob.data.extend(np.asarray(array, "float32").ravel().tolist())
    with open(path, "wb") as f:
        f.write(net.SerializeToString())
