"""The test protocols of both papers over a trained model: the views of each image, the softmax
averaged over them, top-1/top-5 error (AlexNet section 4.1 10-crop; VGG sections 3.2 and 4)."""

import numpy as np

from keras_nets.registry import VGG_TESTS

PROTOCOLS = VGG_TESTS  # every protocol; a model's registry entry says which apply to it


def protocol_rows(protocol, single_scales, multi_scales):
    """[(row name, input protocol, scale)] for one protocol of the papers' tables: the centre
    crop and the 10-crop at each single test scale, the others at each of the multi-scale Qs."""
    scales = multi_scales
    if protocol == "center":
        return [(f"centre crop, Q={q}", "center", q) for q in single_scales]
    if protocol == "ten_crop":
        return [(f"10-crop, Q={q}", "ten_crop", q) for q in single_scales]
    if protocol == "multi_scale":
        return [(f"centre crop, Q={q}", "center", q) for q in scales]
    if protocol == "dense":
        return [(f"dense + flip, Q={q}", "full_image", q) for q in scales]
    if protocol == "multi_crop":
        return [(f"multi-crop 50, Q={q}", "multi_crop", q) for q in scales]
    return [(f"dense + multi-crop, Q={q}", "dense_multi_crop", q) for q in scales]


def evaluate(predict, dense_predict, dataset_fn, input_protocol, size, scale,
             normalization="mean_rgb", progress=None):
    """(top-1 error, top-5 error) averaging the softmax over each image's views, preprocessed
    under the model's input normalisation."""
    import tensorflow as tf
    from pipelines.data.pipeline import create_split
    from pipelines.data.protocols import eval_preprocess
    correct1 = correct5 = total = 0
    if input_protocol == "dense_multi_crop":
        parts = [("full_image", dense_predict), ("multi_crop", predict)]
    elif input_protocol == "full_image":
        parts = [("full_image", dense_predict)]
    else:
        parts = [(input_protocol, predict)]
    probs_by_part = []
    for proto, fn in parts:
        batch = 1 if proto == "full_image" else 8
        ds = create_split(dataset_fn(), train=False, batch_size=batch, cache=False,
                          preprocess=eval_preprocess(proto, size, scale,
                                                     normalization=normalization))
        probs, labels = [], []
        for views, y in ds:
            b, v = views.shape[0], views.shape[1]
            p = fn(tf.reshape(views, [-1, *views.shape[2:]]))
            probs.append(np.asarray(p).reshape(b, v, -1).mean(axis=1))
            labels.append(y.numpy())
            if progress:
                progress(b)
        probs_by_part.append(np.concatenate(probs))
    probs = np.mean(probs_by_part, axis=0)
    labels = np.concatenate(labels)
    top5 = np.argsort(-probs, axis=1)[:, :5]
    return 1 - np.mean(top5[:, 0] == labels), 1 - np.mean((top5 == labels[:, None]).any(1))
