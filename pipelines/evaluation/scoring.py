"""The test protocols of both papers over a trained model: the views of each image, the softmax
averaged over them, top-1/top-5 error (AlexNet section 4.1 10-crop; VGG sections 3.2 and 4).
The protocols and their rows come from their one table, keras_nets.protocols.TEST."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from keras_nets.protocols import DENSE, TEST

if TYPE_CHECKING:
    import tensorflow as tf

PROTOCOLS = tuple(TEST)  # every protocol; a model's registry entry says which apply to it


def protocol_rows(protocol: str, single_scales: list[int],
                  multi_scales: list[int]) -> list[tuple[str, str, int]]:
    """[(row name, protocol, scale)]: one row of the papers' tables per test scale of
    `protocol` (TEST[protocol].scales: each single test scale, or each multi-scale Q)."""
    entry = TEST[protocol]
    scales = single_scales if entry.scales == "single" else multi_scales
    return [(f"{entry.label}, Q={q}", protocol, q) for q in scales]


def evaluate(predict: Callable[[tf.Tensor], Any], dense_predict: Callable[[tf.Tensor], Any] | None,
             dataset_fn: Callable[[], tf.data.Dataset], protocol: str, size: int, scale: int,
             normalization: str = "mean_rgb",
             progress: Callable[[int], object] | None = None) -> tuple[float, float]:
    """(top-1 error, top-5 error) of `protocol` (keras_nets.protocols.TEST) at test scale
    `scale`: the softmax averaged over each image's views (TEST[protocol].views), preprocessed
    under the model's input normalisation; whole images go through `dense_predict`, crops
    through `predict`."""
    import tensorflow as tf
    from pipelines.data.pipeline import create_split
    from pipelines.data.crops import eval_preprocess
    probs_by_part = []
    for part in TEST[protocol].views:
        fn = dense_predict if part == DENSE else predict
        batch = 1 if part == DENSE else 8  # whole images differ in size: one per batch
        ds = create_split(dataset_fn(), train=False, batch_size=batch, cache=False,
                          preprocess=eval_preprocess(part, size, scale,
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
