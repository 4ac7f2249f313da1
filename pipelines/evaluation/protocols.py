"""The test protocols of both papers over a trained model: the views of each image, the softmax
averaged over them, top-1/top-5 error (AlexNet section 4.1 10-crop; VGG sections 3.2 and 4)."""

import json
import os

import numpy as np

from keras_nets import SPECS, get_spec

PROTOCOLS = ("center", "ten_crop", "multi_scale", "dense", "multi_crop", "dense_multi_crop")


def load_any(path):
    """(callable images -> probabilities, Keras model or None, input size, run config, input
    contract saved with the model or None: pipelines.contract)."""
    import keras
    import keras_nets  # noqa: F401  (registers the LRN layer)
    import tensorflow as tf
    from pipelines import contract
    from pipelines.serving.versions import resolve_version
    config = {}
    info = contract.read(path) if os.path.exists(path) else None
    if os.path.isdir(path) and os.path.exists(os.path.join(path, "model.keras")):
        if os.path.exists(os.path.join(path, "config.json")):
            with open(os.path.join(path, "config.json")) as f:
                config = json.load(f)
        path = os.path.join(path, "model.keras")
    if path.endswith(".keras") and os.path.isfile(path):
        model = keras.saving.load_model(path, safe_mode=True)
        return (lambda x: model(x, training=False)), model, model.input.shape[1], config, info
    if os.path.isdir(path):
        path = resolve_version(path)
        fn = tf.saved_model.load(path).signatures["predict_images"]
        size = fn.structured_input_signature[1]["images"].shape[1]
        info = contract.read(path)
        return (lambda x: fn(images=x)["probabilities"]), None, size, config, info
    raise FileNotFoundError(f"{path}: not a run directory, .keras file or SavedModel")


def spec_of(model, run_config, size):
    """The registry entry of a loaded model: the run's saved model name, else the Keras model's
    name, else (a bare SavedModel) the model whose paper input size is `size`."""
    for name in (run_config.get("model"), getattr(model, "name", None)):
        try:
            return get_spec(name)
        except ValueError:
            continue
    return next((s for s in SPECS.values() if s.input_size == size), SPECS["alexnet"])


def default_contract(spec, size):
    """The input contract assumed for a model saved without one (outside this project): the
    paper's normalisation and training scales at the paper's ratios (AlexNet 256/227; VGG
    S in [256, 512] for 224 crops)."""
    from pipelines import contract
    if spec.family == "alexnet":
        lo = hi = contract.alexnet_train_scale(size)
    else:
        lo = spec.eval_scale(size)
        hi = 2 * lo
    single, multi = contract.test_scales(spec.family, size, lo, hi)
    return dict(model=spec.name, family=spec.family, input_size=size,
                normalization=spec.normalization, train_scale_min=lo, train_scale_max=hi,
                eval_scale=single, test_scales=list(multi))


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
             normalization="mean_rgb"):
    """(top-1 error, top-5 error) averaging the softmax over each image's views, preprocessed
    under the model's input normalisation."""
    import tensorflow as tf
    from pipelines.data.pipeline import create_split, eval_preprocess
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
        probs_by_part.append(np.concatenate(probs))
    probs = np.mean(probs_by_part, axis=0)
    labels = np.concatenate(labels)
    top5 = np.argsort(-probs, axis=1)[:, :5]
    return 1 - np.mean(top5[:, 0] == labels), 1 - np.mean((top5 == labels[:, None]).any(1))
