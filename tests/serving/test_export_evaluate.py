"""Serving export (subprocess that imports only TensorFlow) and the evaluation command."""

import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from imagefiles import encode, noise_image
from keras_nets import SPECS, build_alexnet, build_vgg
from pipelines.data import crops as pp
from pipelines.evaluate import main as evaluate_main
from pipelines.serving import batching
from pipelines.serving.saved_model import export_saved_model
from pipelines.serving.versions import next_version_dir

NAMES = ("a", "b", "c", "d", "e", "f", "g")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    base = tmp_path_factory.mktemp("saved_models")
    model = build_alexnet(width=0.25, fc_units=32, num_classes=7, input_shape=(67, 67, 3))
    model.preprocessing = SPECS["alexnet"].preprocessing(67, class_names=NAMES)
    assert model.preprocessing.eval_scale == 76
    path = export_saved_model(model, str(base / "alexnet"), top_k=3)
    return model, path, base


def test_versions_and_layout(exported, tmp_path):
    model, path, base = exported
    assert path.endswith(os.path.join("alexnet", "1"))
    assert os.path.exists(os.path.join(path, "saved_model.pb"))
    assert os.path.isdir(os.path.join(path, "variables"))
    assert next_version_dir(str(base / "alexnet")).endswith("2")
    os.makedirs(tmp_path / "m" / "7")
    assert next_version_dir(str(tmp_path / "m")).endswith("8")


SERVE = r"""
import sys, numpy as np, tensorflow as tf
assert "keras_nets" not in sys.modules and "pipelines" not in sys.modules
f = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
images = [open(p, "rb").read() for p in sys.argv[2:]]
out = f(images=tf.constant(images))
np.save(sys.argv[1] + "_probs.npy", out["probabilities"].numpy())
print(out["top_k_labels"].numpy()[0][0].decode(), out["top_k_indices"].shape)
"""


def test_export_answers_in_plain_tensorflow(exported, tmp_path):
    model, path, _ = exported
    files = []
    for i, (data, fmt) in enumerate([(noise_image(90, 120), "JPEG"), (noise_image(70, 70), "PNG"),
                                      (noise_image(80, 100)[..., 0], "PNG")]):
        files.append(tmp_path / f"img{i}")
        files[-1].write_bytes(encode(data, fmt))
    result = subprocess.run([sys.executable, "-c", SERVE, path, *map(str, files)],
                            capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "(3, 3)" in result.stdout
    batch = tf.stack([pp.center(tf.constant(f.read_bytes()), 67, 76) for f in files])
    np.testing.assert_allclose(np.load(path + "_probs.npy"), model(batch), atol=1e-4)


def test_signatures_batch_one_and_bad_bytes(exported):
    model, path, _ = exported
    loaded = tf.saved_model.load(path)
    assert set(loaded.signatures) == {"serving_default", "predict_images"}
    one = loaded.signatures["serving_default"](images=tf.constant([encode(noise_image(50, 90))]))
    assert one["probabilities"].shape == (1, 7) and one["top_k_labels"].dtype == tf.string
    floats = loaded.signatures["predict_images"](images=tf.zeros([2, 67, 67, 3]))
    np.testing.assert_allclose(floats["probabilities"], model(tf.zeros([2, 67, 67, 3])), atol=1e-5)
    bad = loaded.signatures["serving_default"](images=tf.constant([b"not an image"]))
    assert not bad["valid"].numpy()[0] and bad["top_k_labels"].numpy()[0, 0] == b""


def test_parallel_decoding_keeps_request_order(exported):
    model, path, _ = exported
    images = [encode(noise_image(60 + 7 * i, 90 - 3 * i), "PNG" if i % 3 else "JPEG")
              for i in range(12)]
    got = tf.saved_model.load(path).signatures["serving_default"](images=tf.constant(images))
    batch = tf.stack([pp.center(tf.constant(e), 67, 76) for e in images])
    np.testing.assert_allclose(got["probabilities"], model(batch), atol=1e-4)


def test_evaluate_run_dir_protocols(tmp_path, capsys):
    model = build_vgg("A", width=1 / 16, fc_units=16, num_classes=2, input_shape=(224, 224, 3))
    model.save(str(tmp_path / "vgg.keras"))
    for cls in ("x", "y"):
        os.makedirs(tmp_path / "data" / "validation" / cls)
        for i in range(2):
            (tmp_path / "data" / "validation" / cls / f"{i}.jpg").write_bytes(
                encode(noise_image(240 + 10 * i, 300), "JPEG"))
    code = evaluate_main([str(tmp_path / "vgg.keras"), "--dataset", str(tmp_path / "data"),
                          "--protocols", "center,ten_crop,dense,dense_multi_crop"])
    out = capsys.readouterr().out
    assert code == 0
    # No saved preprocessing: the paper's S in [256, 512], so Q = 384 single, {256, 384, 512} multi.
    for row in ("centre crop, Q=384", "10-crop", "dense + flip, Q=256",
                "dense + multi-crop, Q=512"):
        assert row in out
    errors = [float(line.split()[-2]) for line in out.splitlines()[3:]]
    assert all(0 <= e <= 100 for e in errors)


def test_evaluate_bad_arguments(tmp_path):
    with pytest.raises(SystemExit) as info:
        evaluate_main([str(tmp_path / "missing.keras")])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        evaluate_main([str(tmp_path), "--protocols", "bogus"])
    assert info.value.code == 2


def test_warmup_file_parses_as_prediction_logs(exported):
    from tensorflow_serving.apis import prediction_log_pb2
    _, path, _ = exported
    records = list(tf.data.TFRecordDataset(
        os.path.join(path, "assets.extra", "tf_serving_warmup_requests")).as_numpy_iterator())
    sizes = []
    for record in records:
        log = prediction_log_pb2.PredictionLog.FromString(record)
        request = log.predict_log.request
        assert request.model_spec.signature_name == "serving_default"
        images = tf.make_ndarray(request.inputs["images"])
        assert tf.io.is_jpeg(images[0])
        sizes.append(len(images))
    assert tuple(sizes) == batching.ALLOWED_BATCH_SIZES  # every shape batching will form


def test_batching_parameters_beside_the_versions(exported):
    _, path, base = exported
    text = (base / "alexnet" / batching.FILE_NAME).read_text()
    assert [n for n in os.listdir(base / "alexnet") if n.endswith(".txt")] == [batching.FILE_NAME]
    largest = batching.ALLOWED_BATCH_SIZES[-1]  # TF Serving refuses a file where they differ
    assert f"max_execution_batch_size {{ value: {largest} }}" in text
    assert "enable_large_batch_splitting { value: true }" in text
    assert "num_batch_threads { value: " in text and "batch_timeout_micros { value: " in text
    allowed = [int(line.split(":")[1]) for line in text.splitlines()
               if line.startswith("allowed_batch_sizes")]
    assert allowed == list(batching.ALLOWED_BATCH_SIZES)


def test_saved_model_cli_lists_both_signatures(exported):
    _, path, _ = exported
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    out = subprocess.run([cli, "show", "--dir", path, "--all"], capture_output=True, text=True,
                         timeout=300, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")).stdout
    for expected in ("signature_def['serving_default']", "signature_def['predict_images']",
                     "inputs['images'] tensor_info:\n        dtype: DT_STRING\n        shape: (-1)",
                     "dtype: DT_FLOAT\n        shape: (-1, 67, 67, 3)",
                     "outputs['top_k_labels']", "outputs['top_k_scores']",
                     "outputs['top_k_indices']", "outputs['probabilities']",
                     "outputs['valid'] tensor_info:\n        dtype: DT_BOOL"):
        assert expected in out, expected


def test_predict_command(exported, tmp_path, capsys):
    from pipelines.predict import main as predict_main
    _, path, base = exported
    good = tmp_path / "good.png"
    good.write_bytes(encode(noise_image(80, 90)))
    text = tmp_path / "notes.jpg"
    text.write_bytes(b"hello")
    whole = encode(noise_image(120, 160), "JPEG")
    cut = tmp_path / "cut.jpg"  # an interrupted upload: libjpeg decodes what arrived
    cut.write_bytes(whole[:len(whole) * 2 // 3])
    code = predict_main([str(base / "alexnet"), str(good), str(tmp_path / "missing.jpg"),
                         str(text), str(cut)])
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.out.splitlines()
    assert [line.split(": ")[0] for line in lines] == [str(good), str(cut)]
    assert lines[0].count(",") == 2  # k = 3
    assert "missing.jpg: no such file" in captured.err and "notes.jpg: not an image" in captured.err
    assert len(captured.err.strip().splitlines()) == 2
    with pytest.raises(SystemExit) as info:
        predict_main([str(tmp_path), str(good)])
    assert info.value.code == 2


def test_failed_self_check_leaves_no_new_version(exported, tmp_path, monkeypatch):
    """The export is staged in a hidden sibling and renamed to a version only once the warm-up
    file and the self-check are done: a failing self-check publishes nothing."""
    from pipelines.serving import saved_model
    model, _, _ = exported
    base = tmp_path / "alexnet"
    first = export_saved_model(model, str(base), top_k=3)
    assert os.path.exists(os.path.join(first, "assets.extra", "tf_serving_warmup_requests"))
    seen = []

    def failing(model, path, *args, **kwargs):
        seen.append(sorted(os.listdir(path)))  # complete before the check, warm-up included
        raise RuntimeError("export self-check failed: forced")

    monkeypatch.setattr(saved_model, "self_check", failing)
    with pytest.raises(RuntimeError, match="forced"):
        export_saved_model(model, str(base), top_k=3)
    assert "assets.extra" in seen[0] and "saved_model.pb" in seen[0]
    assert sorted(os.listdir(base)) == ["1", batching.FILE_NAME]  # no version 2, no staging
    assert os.path.basename(first) == "1"
