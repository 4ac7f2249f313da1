"""Evaluation scales follow the model: VGG section 4 and AlexNet section 4.1, from the
preprocessing saved in the model's Keras config, `--scale` honoured."""

import os

import pytest

from keras_nets import SPECS, build_vgg
from pipelines.evaluate import main as evaluate_main
from pipelines.evaluation.scoring import protocol_rows

from imagefiles import encode, noise_image


def test_vgg_section_4_test_scales():
    vgg = SPECS["vgg_d"]
    assert vgg.test_scales(224, 256, 256) == (256, (224, 256, 288))
    assert vgg.test_scales(224, 384, 384) == (384, (352, 384, 416))
    assert vgg.test_scales(224, 256, 512) == (384, (256, 384, 512))
    assert vgg.test_scales(64, 72, 96) == (84, (72, 84, 96))
    assert vgg.test_scales(32, 37, 37) == (37, (32, 37, 42))  # 32 * 32 / 224
    assert vgg.test_scales(32, 36, 36) == (36, (32, 36, 41))  # not 31: below the crop
    assert vgg.test_scales(224) == (384, (256, 384, 512))  # the paper's S in [256, 512]


def test_alexnet_tests_at_its_training_scale():
    alexnet = SPECS["alexnet"]
    assert alexnet.test_scales(227) == (256, (256,))
    assert alexnet.test_scales(131) == (148, (148,))
    assert alexnet.test_scales(131, 300, 400) == (148, (148,))  # one scale, whatever is asked


def test_preprocessing_comes_from_the_registry_entry_and_the_recipe():
    vgg = SPECS["vgg_d"].preprocessing(224, "mean_rgb", 256, 512)
    assert vgg.normalization == "mean_rgb" and vgg.test_scales == (256, 384, 512)
    small = SPECS["vgg_a"].preprocessing(32, "standardize", 40, 40)
    assert (small.eval_scale, small.test_scales) == (40, (35, 40, 45))
    alex = SPECS["alexnet"].preprocessing(131, "mean_rgb", 256, 512)
    assert (alex.train_scale_min, alex.eval_scale, alex.test_scales) == (148, 148, (148,))
    with pytest.raises(ValueError, match="unknown normalization"):
        SPECS["alexnet"].preprocessing(131, "bogus")


def test_protocol_rows_use_the_given_scales():
    assert protocol_rows("center", [84], [72, 84, 96]) == [("centre crop, Q=84", "center", 84)]
    assert [r[2] for r in protocol_rows("multi_crop", [84], [72, 84, 96])] == [72, 84, 96]
    assert [r[2] for r in protocol_rows("dense", [84], [72, 84, 96])] == [72, 84, 96]
    assert protocol_rows("ten_crop", [148], [148]) == [("10-crop, Q=148", "ten_crop", 148)]


@pytest.fixture(scope="module")
def small_vgg(tmp_path_factory):
    """A VGG A at 32 px carrying the preprocessing of a fixed training scale S = 64."""
    root = tmp_path_factory.mktemp("vgg")
    model = build_vgg("A", width=1 / 16, fc_units=8, num_classes=2, input_shape=(32, 32, 3))
    model.preprocessing = SPECS["vgg_a"].preprocessing(32, "standardize", 64, 64, ("x", "y"))
    assert model.preprocessing.test_scales == (59, 64, 69)
    model.preprocessing = model.preprocessing.replace(test_scales=(32, 64, 96))
    path = str(root / "vgg.keras")
    model.save(path)
    for cls in ("x", "y"):
        os.makedirs(root / "data" / "validation" / cls)
        (root / "data" / "validation" / cls / "0.jpg").write_bytes(
            encode(noise_image(60, 80), "JPEG"))
    return path, str(root / "data")


def test_evaluate_reads_the_scales_and_normalization_saved_with_the_model(small_vgg, capsys):
    path, data = small_vgg
    assert evaluate_main([path, "--dataset", data, "--protocols", "center,multi_crop"]) == 0
    out = capsys.readouterr().out
    assert "normalization standardize, training scale 64-64" in out
    for row in ("centre crop, Q=64", "multi-crop 50, Q=32", "multi-crop 50, Q=64",
                "multi-crop 50, Q=96"):
        assert row in out, row
    assert "Q=256" not in out and "Q=384" not in out


def test_evaluate_honours_scale(small_vgg, capsys):
    path, data = small_vgg
    assert evaluate_main([path, "--dataset", data, "--protocols", "center,dense",
                          "--scale", "40,48"]) == 0
    out = capsys.readouterr().out
    for row in ("centre crop, Q=40", "centre crop, Q=48", "dense + flip, Q=40",
                "dense + flip, Q=48"):
        assert row in out, row
    assert "Q=64" not in out
    with pytest.raises(SystemExit) as info:
        evaluate_main([path, "--dataset", data, "--scale", "big"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:  # below the 32 px crop: one line, not a traceback
        evaluate_main([path, "--dataset", data, "--protocols", "dense", "--scale", "24"])
    assert info.value.code == 2
    assert "below the model's 32 px crop" in capsys.readouterr().err
