"""SavedModel export for TensorFlow Serving: JPEG-in and float-in signatures, versioned dirs."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import tensorflow as tf

from keras_nets.normalization import PAPER_NORMALIZATION
from pipelines.data import image_ops
from pipelines.data.crops import center, center_pixels
from pipelines.serving.loader import PREPROCESSING_ASSET
from pipelines.serving import batching
from pipelines.serving.versions import next_version_dir

if TYPE_CHECKING:
    import keras


PARALLEL_DECODES = 16  # images of a request decoded at once (bounded by the inter-op threads)


def request_batch(images: tf.Tensor, size: int, scale: int,
                  normalization: str = PAPER_NORMALIZATION) -> tuple[tf.Tensor, tf.Tensor]:
    """A request's encoded images ([N] tf.string) to (the model's input batch [N, size, size, 3],
    valid [N] bool): the centre crop of each (pipelines.data.crops.center_pixels), then the
    normalisation; an image that cannot be decoded gets valid False and zeros.

    TensorFlow's decoders raise, and an error inside the graph cannot be caught there, so the
    request runs through a tf.data map inside the graph whose ignore_errors drops the images
    that raised (not an image, a damaged header, over image_ops.MAX_PIXELS, any decoder error):
    each image carries its index, and the survivors are scattered back into request order. One
    bad upload then fails only itself, also when TF Serving's batching has merged it with other
    clients' requests. A sentinel element ends the stream so that the one batch exists even when
    every image failed. The map decodes PARALLEL_DECODES images at once, in request order; the
    batch is normalised at once (one multiply-add over the request instead of one per image).

    Against the tf.map_fn this replaces (which cannot survive an error), the iterator's set-up
    costs about a millisecond per request and nothing measurable where decoding dominates
    (`python -m benchmarks.serving --loop`, benchmarks/results/serving_request_loop.json).
    """
    n = tf.shape(images)[0]
    indexed = tf.data.Dataset.from_tensor_slices((tf.range(n), images)).map(
        lambda i, encoded: (i, center_pixels(encoded, size, scale)),
        num_parallel_calls=PARALLEL_DECODES, deterministic=True)
    sentinel = tf.data.Dataset.from_tensors((tf.constant(-1), tf.zeros([size, size, 3])))
    options = tf.data.Options()
    options.autotune.enabled = False  # a fixed parallelism: no tuning thread per request
    options.experimental_optimization.apply_default_optimizations = False  # no graph rewrites
    stream = indexed.ignore_errors().concatenate(sentinel).batch(tf.cast(n, tf.int64) + 1)
    index, pixels = stream.with_options(options).get_single_element()
    index, pixels = index[:-1], pixels[:-1]
    valid = tf.scatter_nd(index[:, None], tf.ones_like(index), [n]) > 0
    pixels = tf.cond(tf.shape(index)[0] == n, lambda: pixels,  # all decoded: already in order
                     lambda: tf.scatter_nd(index[:, None], pixels, [n, size, size, 3]))
    return image_ops.normalize(pixels, normalization), valid


def serving_functions(model: keras.Model, class_names: Sequence[str], scale: int, top_k: int = 5,
                      normalization: str = PAPER_NORMALIZATION
                      ) -> tuple[tf.types.experimental.PolymorphicFunction,
                                 tf.types.experimental.PolymorphicFunction]:
    """(serving_default, predict_images) tf.functions closing over the model; serving_default
    preprocesses under the model's own input normalisation.

    serving_default answers every image it can decode; for the others `valid` is False,
    `probabilities` and `top_k_scores` are zeros, `top_k_indices` -1 and `top_k_labels` empty
    strings (the model still runs on their zero rows: bad images are rare, and a fixed batch
    keeps the shapes TF Serving's batching pads to)."""
    size = model.input.shape[1]
    labels = tf.constant(list(class_names), tf.string)
    k = min(top_k, len(class_names))

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="images")])
    def serve_encoded(images: tf.Tensor) -> dict[str, tf.Tensor]:
        tf.debugging.assert_positive(tf.size(images), message="the request holds no images")
        batch, valid = request_batch(images, size, scale, normalization)
        probabilities = tf.cast(model(batch, training=False), tf.float32)
        probabilities = tf.where(valid[:, None], probabilities, 0.0)
        top = tf.math.top_k(probabilities, k)
        indices = tf.where(valid[:, None], top.indices, -1)
        return {"probabilities": probabilities, "top_k_indices": indices,
                "top_k_scores": top.values,
                "top_k_labels": tf.where(valid[:, None], tf.gather(labels, top.indices), ""),
                "valid": valid}

    @tf.function(input_signature=[tf.TensorSpec([None, size, size, 3], tf.float32,
                                                name="images")])
    def serve_preprocessed(images: tf.Tensor) -> dict[str, tf.Tensor]:
        return {"probabilities": tf.cast(model(images, training=False), tf.float32)}

    return serve_encoded, serve_preprocessed


def photo_like(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Smooth colour gradients with a little sensor-like noise: compresses as photographs do."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    channels = [128 + 100 * np.sin(x / (width / 3 + 7 * c) + c) * np.cos(y / (height / 2) - c)
                for c in range(3)]
    image = np.stack(channels, -1) + rng.normal(0, 4, (height, width, 3))
    return np.clip(image, 0, 255).astype(np.uint8)


def sample_jpegs(size: int, count: int = 3, seed: int = 0) -> list[bytes]:
    """Real JPEG requests for the self-check and warm-up: noise images of varied sizes, and
    (count > 1) a photo-like one eight times the crop's size, so that the check runs the JPEG
    decoding at a DCT scale too."""
    rng = np.random.default_rng(seed)
    images = [rng.integers(0, 256, (size + 20 * i, size + 40, 3), dtype=np.uint8)
              for i in range(count - 1 if count > 1 else count)]
    if count > 1:
        images.append(photo_like(rng, 8 * size + 13, 11 * size + 5))
    return [tf.io.encode_jpeg(image).numpy() for image in images]


def write_warmup(path: str, model_name: str, images: Sequence[bytes],
                 batch_sizes: Iterable[int] = batching.ALLOWED_BATCH_SIZES) -> None:
    """assets.extra/tf_serving_warmup_requests: PredictionLog records TF Serving replays, one
    request of each batch size that its batching forms (pipelines.serving.batching), so that
    each shape's kernels are built before the first client's request; images cycle through
    `images`."""
    from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2
    os.makedirs(os.path.join(path, "assets.extra"), exist_ok=True)
    with tf.io.TFRecordWriter(os.path.join(path, "assets.extra",
                                           "tf_serving_warmup_requests")) as writer:
        for batch_size in batch_sizes:
            batch = [images[i % len(images)] for i in range(batch_size)]
            request = predict_pb2.PredictRequest(model_spec=model_pb2.ModelSpec(
                name=model_name, signature_name="serving_default"))
            request.inputs["images"].CopyFrom(tf.make_tensor_proto(batch, dtype=tf.string))
            log = prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(request=request))
            writer.write(log.SerializeToString())


def export_saved_model(model: keras.Model, base_dir: str, top_k: int = 5,
                       sample_images: Sequence[bytes] | None = None) -> str:
    """Write base_dir/<version>/ (never overwriting), atomically: the SavedModel, its warm-up
    requests, the model's Preprocessing and the self-check (reload, compare with the model)
    happen in a temporary sibling (a name TF Serving ignores), renamed to the next version only
    when all of them succeeded. A failure leaves no new version. base_dir/batching_parameters.txt
    (pipelines.serving.batching) is written beside the versions for --batching_parameters_file.

    The model is a keras_nets.ImageClassifier whose Preprocessing (trained normalisation, test
    scale, class names) the JPEG signature applies and assets.extra/ keeps."""
    import keras
    preprocessing = getattr(model, "preprocessing", None)
    if preprocessing is None or not preprocessing.class_names:
        raise ValueError(f"{model.name} carries no Preprocessing with class names: set "
                         "model.preprocessing (keras_nets.ModelSpec.preprocessing) first")
    class_names, scale = preprocessing.class_names, preprocessing.eval_scale
    normalization = preprocessing.normalization
    os.makedirs(base_dir, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".export-", dir=base_dir)
    try:
        serve_encoded, serve_preprocessed = serving_functions(model, class_names, scale, top_k,
                                                              normalization=normalization)
        archive = keras.export.ExportArchive()
        archive.track(model)
        archive.add_endpoint("serving_default", serve_encoded)
        archive.add_endpoint("predict_images", serve_preprocessed)
        archive.write_out(staging, verbose=False)
        samples = sample_images or sample_jpegs(model.input.shape[1])
        write_warmup(staging, os.path.basename(os.path.normpath(base_dir)), samples)
        with open(os.path.join(staging, "assets.extra", PREPROCESSING_ASSET), "w") as f:
            json.dump(preprocessing.get_config(), f, indent=1)
        self_check(model, staging, class_names, scale, samples, normalization=normalization)
        batching.write_parameters(base_dir)
        return publish(staging, base_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone after the rename, or after a failure


def publish(staging: str, base_dir: str, attempts: int = 5) -> str:
    """Rename the finished export to the next integer version (another exporter may take a
    number at the same time: then the next one)."""
    for _ in range(attempts):
        path = next_version_dir(base_dir)
        try:
            os.rename(staging, path)
            return path
        except OSError:
            if not os.path.exists(path):
                raise
    raise RuntimeError(f"no free version number under {base_dir}")


def self_check(model: keras.Model, path: str, class_names: Sequence[str], scale: int,
               sample_images: Sequence[bytes], atol: float = 1e-4,
               normalization: str = PAPER_NORMALIZATION) -> None:
    """Reload the export and compare both signatures with the Keras model on sample images; a
    request that also holds undecodable bytes must answer the others alike and mark that one."""
    size = model.input.shape[1]
    loaded = tf.saved_model.load(path)
    encoded = tf.constant(list(sample_images) + [b"not an image"])
    got = loaded.signatures["serving_default"](images=encoded)
    batch = tf.stack([center(e, size, scale, normalization=normalization)
                      for e in sample_images])
    expected = np.asarray(model(batch, training=False), np.float32)
    valid = got["valid"].numpy()
    if not valid[:-1].all() or valid[-1]:
        raise RuntimeError(f"export self-check failed on valid: {path} marks {valid.tolist()}")
    if not np.allclose(got["probabilities"][:-1], expected, atol=atol):
        raise RuntimeError(f"export self-check failed: {path} differs from the Keras model")
    got_float = loaded.signatures["predict_images"](images=batch)["probabilities"]
    if not np.allclose(got_float, expected, atol=atol):
        raise RuntimeError(f"export self-check failed on predict_images: {path}")
    top = [class_names[i] for i in np.argmax(expected, axis=1)]
    if [label.decode() for label in got["top_k_labels"].numpy()[:-1, 0]] != top:
        raise RuntimeError(f"export self-check failed on top_k_labels: {path}")
