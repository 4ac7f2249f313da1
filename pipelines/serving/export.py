"""SavedModel export for TensorFlow Serving: JPEG-in and float-in signatures, versioned dirs."""

import json
import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf

from keras_nets.normalization import PAPER_NORMALIZATION
from pipelines.data import image_ops
from pipelines.data.protocols import center, center_pixels
from pipelines.saved import PREPROCESSING_ASSET
from pipelines.serving.versions import next_version_dir


PARALLEL_DECODES = 16  # images of a request decoded at once (bounded by the inter-op threads)


def request_batch(images, size, scale, normalization=PAPER_NORMALIZATION):
    """A request's encoded images ([N] tf.string) to the model's input batch [N, size, size, 3]:
    the centre crop of each (pipelines.data.protocols.center_pixels), then the normalisation.

    One while loop over the request whose iterations run concurrently (parallel_iterations on
    TensorFlow's inter-op threads), in request order; the batch is then normalised at once (one
    multiply-add over the request instead of one per image). On 2 CPU cores, 32 images (timed
    with a throwaway script): 44 ms, where a tf.data map with AUTOTUNE parallelism inside the
    graph took 54 ms and one image after the other 90 ms. benchmarks.serving times this function
    alone next to the model and the whole signature."""
    pixels = tf.map_fn(lambda encoded: center_pixels(encoded, size, scale), images,
                       fn_output_signature=tf.TensorSpec([size, size, 3], tf.float32),
                       parallel_iterations=PARALLEL_DECODES)
    return image_ops.normalize(pixels, normalization)


def serving_functions(model, class_names, scale, top_k=5, normalization=PAPER_NORMALIZATION):
    """(serving_default, predict_images) tf.functions closing over the model; serving_default
    preprocesses under the model's own input normalisation."""
    size = model.input.shape[1]
    labels = tf.constant(list(class_names), tf.string)
    k = min(top_k, len(class_names))

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="images")])
    def serve_encoded(images):
        tf.debugging.assert_positive(tf.size(images), message="the request holds no images")
        batch = request_batch(images, size, scale, normalization)
        probabilities = tf.cast(model(batch, training=False), tf.float32)
        top = tf.math.top_k(probabilities, k)
        return {"probabilities": probabilities, "top_k_indices": top.indices,
                "top_k_scores": top.values, "top_k_labels": tf.gather(labels, top.indices)}

    @tf.function(input_signature=[tf.TensorSpec([None, size, size, 3], tf.float32,
                                                name="images")])
    def serve_preprocessed(images):
        return {"probabilities": tf.cast(model(images, training=False), tf.float32)}

    return serve_encoded, serve_preprocessed


def sample_jpegs(size, count=3, seed=0):
    """A few real JPEG requests of varied sizes (noise images) for warm-up and self-check."""
    rng = np.random.default_rng(seed)
    return [tf.io.encode_jpeg(rng.integers(0, 256, (size + 20 * i, size + 40, 3),
                                           dtype=np.uint8)).numpy() for i in range(count)]


def write_warmup(path, model_name, images):
    """assets.extra/tf_serving_warmup_requests: PredictionLog records TF Serving replays."""
    from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2
    os.makedirs(os.path.join(path, "assets.extra"), exist_ok=True)
    with tf.io.TFRecordWriter(os.path.join(path, "assets.extra",
                                           "tf_serving_warmup_requests")) as writer:
        for batch in ([images[0]], images):
            request = predict_pb2.PredictRequest(model_spec=model_pb2.ModelSpec(
                name=model_name, signature_name="serving_default"))
            request.inputs["images"].CopyFrom(tf.make_tensor_proto(batch, dtype=tf.string))
            log = prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(request=request))
            writer.write(log.SerializeToString())


def export_saved_model(model, base_dir, top_k=5, sample_images=None):
    """Write base_dir/<version>/ (never overwriting), atomically: the SavedModel, its warm-up
    requests, the model's Preprocessing and the self-check (reload, compare with the model)
    happen in a temporary sibling (a name TF Serving ignores), renamed to the next version only
    when all of them succeeded. A failure leaves no new version.

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
        return publish(staging, base_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone after the rename, or after a failure


def publish(staging, base_dir, attempts=5):
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


def self_check(model, path, class_names, scale, sample_images, atol=1e-4,
               normalization=PAPER_NORMALIZATION):
    """Reload the export and compare both signatures with the Keras model on sample images."""
    size = model.input.shape[1]
    loaded = tf.saved_model.load(path)
    encoded = tf.constant(sample_images)
    got = loaded.signatures["serving_default"](images=encoded)
    batch = tf.stack([center(e, size, scale, normalization=normalization)
                      for e in sample_images])
    expected = np.asarray(model(batch, training=False), np.float32)
    if not np.allclose(got["probabilities"], expected, atol=atol):
        raise RuntimeError(f"export self-check failed: {path} differs from the Keras model")
    got_float = loaded.signatures["predict_images"](images=batch)["probabilities"]
    if not np.allclose(got_float, expected, atol=atol):
        raise RuntimeError(f"export self-check failed on predict_images: {path}")
    top = [class_names[i] for i in np.argmax(expected, axis=1)]
    if [label.decode() for label in got["top_k_labels"].numpy()[:, 0]] != top:
        raise RuntimeError(f"export self-check failed on top_k_labels: {path}")
