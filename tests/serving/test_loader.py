"""One loader for every saved form: a .keras file carries its preprocessing, evaluation follows
the data the model was trained on, and damaged files get one line (exit 2)."""

import json
import os

import pytest

from cli import exit_2_error
from imagefiles import encode, noise_image
from keras_nets import SPECS, build_alexnet
from pipelines.evaluate import main as evaluate_main
from pipelines.serving.loader import DamagedFile, load


def image_folder(root, classes, split="validation", per_class=2):
    for cls in classes:
        os.makedirs(root / split / cls)
        for i in range(per_class):
            (root / split / cls / f"{i}.jpg").write_bytes(encode(noise_image(80, 90 + i), "JPEG"))
    return str(root)


@pytest.fixture(scope="module")
def trained_on_folder(tmp_path_factory):
    """A small AlexNet whose preprocessing says it was trained on an image folder."""
    root = tmp_path_factory.mktemp("saved")
    data = image_folder(root / "photos", ("cat", "dog", "owl"))
    model = build_alexnet(width=0.0625, fc_units=16, num_classes=3, input_shape=(67, 67, 3))
    model.preprocessing = SPECS["alexnet"].preprocessing(
        67, "standardize", class_names=("cat", "dog", "owl"), dataset=dict(name=data, sizes=None))
    path = str(root / "model.keras")
    model.save(path)
    return path, data, root


def test_the_keras_file_alone_carries_what_inference_needs(trained_on_folder):
    path, data, _ = trained_on_folder
    saved = load(path)
    assert (saved.kind, saved.assumed, saved.spec.name) == ("keras", False, "alexnet")
    pre = saved.preprocessing
    assert (pre.input_size, pre.normalization, pre.eval_scale) == (67, "standardize", 76)
    assert pre.class_names == ("cat", "dog", "owl") and pre.dataset["name"] == data


def test_evaluate_scores_the_data_the_model_was_trained_on(trained_on_folder, capsys):
    path, data, _ = trained_on_folder
    assert evaluate_main([path, "--protocols", "center"]) == 0
    out = capsys.readouterr().out
    assert f"data: folder:{data}, split validation, 6 images (the data it was trained on)" in out
    assert "centre crop, Q=76" in out


def test_evaluate_refuses_data_of_other_classes(trained_on_folder, tmp_path, capsys):
    path, _, _ = trained_on_folder
    other = image_folder(tmp_path / "other", ("cat", "dog", "emu"))
    line = exit_2_error(evaluate_main, [path, "--dataset", other], capsys)
    assert "classes are not the data's" in line and "emu" in line


def test_a_model_built_in_code_is_assumed_to_follow_its_paper(tmp_path):
    model = build_alexnet(width=0.0625, fc_units=16, num_classes=3, input_shape=(67, 67, 3))
    model.save(str(tmp_path / "plain.keras"))
    saved = load(str(tmp_path / "plain.keras"))
    assert saved.assumed and saved.preprocessing.normalization == "mean_rgb"
    assert saved.preprocessing.eval_scale == 76


def test_damaged_files_are_one_line_each(trained_on_folder, tmp_path, capsys):
    path, _, _ = trained_on_folder
    truncated = tmp_path / "cut.keras"
    truncated.write_bytes(open(path, "rb").read()[:5000])
    with pytest.raises(DamagedFile, match="not a complete .keras file"):
        load(str(truncated))
    assert "not a complete .keras" in exit_2_error(evaluate_main, [str(truncated)], capsys)
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text('{"model": "alexnet", "recipe": {')
    (run / "model.keras").write_bytes(open(path, "rb").read())
    assert "config.json: damaged run config" in exit_2_error(evaluate_main, [str(run)], capsys)
    (run / "config.json").write_text(json.dumps({"model": "alexnet"}))
    os.remove(run / "model.keras")
    assert "has no model.keras yet" in exit_2_error(evaluate_main, [str(run)], capsys)
    assert "no such file or directory" in exit_2_error(evaluate_main, [str(tmp_path / "missing")], capsys)


def test_a_keras_file_alone_exports_and_serves(trained_on_folder, tmp_path, capsys):
    import tensorflow as tf
    from pipelines.export import main as export_main
    path, data, _ = trained_on_folder
    assert export_main([path, "--export-dir", str(tmp_path / "sm"), "--top-k", "2"]) == 0
    version = tmp_path / "sm" / "alexnet" / "1"
    assert f"exported {version}" in capsys.readouterr().out
    serve = tf.saved_model.load(str(version)).signatures["serving_default"]
    image = open(os.path.join(data, "validation", "owl", "0.jpg"), "rb").read()
    labels = serve(images=tf.constant([image]))["top_k_labels"].numpy()[0]
    assert set(labels) <= {b"cat", b"dog", b"owl"} and len(labels) == 2
    # The export carries the same preprocessing: it evaluates like the .keras file.
    assert load(str(version)).preprocessing == load(path).preprocessing
    plain = tmp_path / "plain.keras"
    build_alexnet(width=0.0625, fc_units=16, num_classes=3, input_shape=(67, 67, 3)).save(
        str(plain))
    assert "carries no class names" in exit_2_error(export_main, [str(plain)], capsys)
