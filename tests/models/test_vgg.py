import h5py
import keras
import numpy as np
import pytest

from conftest import images
from harness import check_gradients, check_model
from keras_nets import build_vgg, to_dense
from keras_nets import vgg as vgg_module


def small(config="A", **kwargs):
    kwargs = dict(width=1 / 16, fc_units=16, num_classes=4, input_shape=(64, 64, 3)) | kwargs
    return build_vgg(config, **kwargs)


def conv_layers(model):
    return [l for l in model.layers if isinstance(l, keras.layers.Conv2D)]


@pytest.mark.parametrize("config,depth", [("A", 8), ("A-LRN", 8), ("B", 10), ("C", 13),
                                          ("D", 13), ("E", 16)])
def test_table_1_depths(config, depth):
    model = small(config)
    assert len(conv_layers(model)) == depth
    assert sum(isinstance(l, keras.layers.Dense) for l in model.layers) == 3
    assert [l.name for l in model.layers if "lrn" in l.name] == (
        ["block1_lrn"] if config == "A-LRN" else [])


def test_c_has_1x1_convolutions_at_the_end_of_blocks_3_to_5():
    ones = [l.name for l in conv_layers(small("C")) if l.kernel_size == (1, 1)]
    assert ones == ["block3_conv3", "block4_conv3", "block5_conv3"]


@pytest.mark.parametrize("alias,config", [("vgg11", "A"), ("VGG13", "B"), ("vgg16", "D"),
                                          ("vgg19", "E"), ("a-lrn", "A-LRN"), ("a_lrn", "A-LRN")])
def test_aliases(alias, config):
    assert vgg_module.resolve_config(alias) == config


def test_unknown_config_and_bad_sizes():
    with pytest.raises(ValueError, match="unknown VGG configuration"):
        build_vgg("F")
    with pytest.raises(ValueError, match="too small"):
        small(input_shape=(31, 31, 3))
    with pytest.raises(ValueError, match="imagenet"):
        build_vgg("A", weights="imagenet")


def test_dropout_on_fc6_and_fc7():
    model = small("D")
    assert [l.name for l in model.layers if isinstance(l, keras.layers.Dropout)] == [
        "fc1_dropout", "fc2_dropout"]
    assert all(l.rate == 0.5 for l in model.layers if isinstance(l, keras.layers.Dropout))


@pytest.mark.parametrize("config,reference", [("D", "VGG16"), ("E", "VGG19")])
def test_matches_keras_applications_by_name(config, reference, tmp_path):
    theirs = getattr(keras.applications, reference)(weights=None)
    ours = build_vgg(config)
    ours_weighted = [l.name for l in ours.layers if l.weights]
    assert ours_weighted == [l.name for l in theirs.layers if l.weights]
    path = str(tmp_path / "theirs.weights.h5")
    theirs.save_weights(path)
    ours.load_weights(path)
    x = images(1, 224, scale=60.0)
    np.testing.assert_allclose(ours(x, training=False), theirs(x), rtol=1e-4, atol=1e-7)


def save_legacy_h5(model, path):
    """The layout of Keras' hosted ImageNet files (legacy HDF5, weights by layer order)."""
    from keras.src.legacy.saving import legacy_h5_format
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)


def test_imagenet_path_loads_the_hosted_file_format(tmp_path, monkeypatch):
    theirs = keras.applications.VGG16(weights=None, include_top=False, input_shape=(64, 64, 3))
    hosted = str(tmp_path / "vgg16_notop.h5")
    save_legacy_h5(theirs, hosted)
    asked = {}

    def fake_get_file(fname, origin, file_hash, cache_subdir, cache_dir):
        asked.update(fname=fname, origin=origin, file_hash=file_hash, cache_dir=cache_dir)
        return hosted

    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))  # an empty cache
    monkeypatch.setattr(keras.utils, "get_file", fake_get_file)
    ours = build_vgg("vgg16", weights="imagenet", include_top=False, input_shape=(64, 64, 3))
    assert asked["origin"].endswith("vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")
    assert asked["file_hash"] == "6d6bbae143d832006294945121d1f1fc"
    assert asked["cache_dir"] == str(tmp_path / "keras_home")
    x = images(2, 64, scale=60.0)
    np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("config", ["A-LRN", "C"])
def test_save_load_roundtrip_and_gradients(config, tmp_path):
    model = small(config)
    x = images(4, 64)
    check_model(model, x, tmp_path)
    check_gradients(model, x, np.array([0, 1, 2, 3]))


def test_no_top_pooling():
    assert small(include_top=False, pooling="avg").output.shape == (None, 32)
    assert small(include_top=False).output.shape == (None, 2, 2, 32)


@pytest.mark.parametrize("config", ["A-LRN", "C"])
def test_dense_evaluation_equals_model_on_224(config, tmp_path):
    model = small(config, input_shape=(224, 224, 3))
    dense = to_dense(model)
    x = images(2, 224)
    np.testing.assert_allclose(dense(x), model(x), rtol=1e-4, atol=1e-6)
    check_model(dense, x, tmp_path)


def test_dense_evaluation_on_larger_images():
    model = small("A", input_shape=(224, 224, 3))
    score_map = to_dense(model, average=False)(images(1, 288))
    assert score_map.shape == (1, 3, 3, 4)
    np.testing.assert_allclose(np.sum(score_map, axis=-1), 1.0, rtol=1e-5)
    x = images(1, 256)
    averaged = to_dense(model)(x)
    np.testing.assert_allclose(averaged, np.mean(to_dense(model, average=False)(x), axis=(1, 2)),
                               rtol=1e-5)
    assert to_dense(model, average=False)(images(1, 384)).shape == (1, 6, 6, 4)


def test_dense_needs_a_top():
    with pytest.raises(ValueError, match="include_top"):
        to_dense(small(include_top=False))
