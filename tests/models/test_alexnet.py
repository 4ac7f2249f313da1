import keras
import numpy as np
import pytest
from keras import layers

from conftest import images
from harness import check_gradients, check_model
from keras_nets import build_alexnet

STAGES = ("conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool5")


def small(**kwargs):
    kwargs = dict(width=0.25, fc_units=32, num_classes=5, input_shape=(99, 99, 3)) | kwargs
    return build_alexnet(**kwargs)


@pytest.mark.parametrize("size", [227, 224])
@pytest.mark.parametrize("split", [True, False])
def test_stage_shapes(size, split):
    model = build_alexnet(split=split, input_shape=(size, size, 3), include_top=False)
    towers = ("_tower0", "_tower1") if split else ("",)
    channels = dict(conv1=96, pool1=96, conv2=256, pool2=256, conv3=384, conv4=384,
                    conv5=256, pool5=256)
    for stage, side in zip(STAGES, (55, 27, 27, 13, 13, 13, 13, 6)):
        shapes = [model.get_layer(stage + t).output.shape for t in towers]
        assert all(s[1:3] == (side, side) for s in shapes), stage
        assert sum(s[-1] for s in shapes) == channels[stage], stage
    assert model.output.shape[1:] == (6, 6, 256)


def test_full_size_output_and_no_nan():
    model = build_alexnet()
    out = model(images(2, 227, scale=50.0), training=False)
    assert out.shape == (2, 1000)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(np.sum(out, axis=1), 1.0, rtol=1e-5)


def test_other_sizes_and_too_small():
    assert build_alexnet(input_shape=(131, 131, 3), include_top=False).output.shape[1:3] == (3, 3)
    assert build_alexnet(input_shape=(67, 67, 3), include_top=False).output.shape[1:3] == (1, 1)
    with pytest.raises(ValueError, match="too small for AlexNet.*67"):
        build_alexnet(input_shape=(66, 66, 3))
    with pytest.raises(ValueError, match="height, width, 3"):
        build_alexnet(input_shape=(227, 227))


def test_no_top_pooling_and_bad_arguments():
    assert small(include_top=False, pooling="avg").output.shape == (None, 64)
    assert small(include_top=False, pooling="max").output.shape == (None, 64)
    with pytest.raises(ValueError, match="pooling"):
        small(include_top=False, pooling="sum")
    with pytest.raises(ValueError, match="init"):
        small(init="orthogonal")
    with pytest.raises(ValueError, match="dropout"):
        small(dropout=1.0)


def test_layer_names_are_deterministic_and_say_the_tower():
    names = [l.name for l in small().layers]
    assert names == [l.name for l in small().layers]
    for expected in ("conv1_tower0", "conv1_tower1", "lrn1_tower0", "conv2_tower1",
                     "join_conv3", "conv3_tower0", "conv5_tower1", "join_fc6", "fc6", "fc8"):
        assert expected in names
    one = [l.name for l in small(split=False).layers]
    assert "conv2" in one and not any("tower" in n for n in one)


def test_tower_wiring():
    model = small(lrn=False)
    probe = keras.Model(model.input, [model.get_layer(n).output for n in
                                      ("conv2_tower0", "conv2_tower1", "conv3_tower0",
                                       "conv3_tower1", "conv4_tower1")])
    x = images(2, 99)
    before = [np.asarray(t) for t in probe(x)]
    kernel = model.get_layer("conv1_tower0").kernel
    kernel.assign(kernel * 1.5 + 0.01)
    after = [np.asarray(t) for t in probe(x)]
    assert not np.allclose(before[0], after[0])        # tower 0's conv2 sees the change
    np.testing.assert_array_equal(before[1], after[1])  # tower 1's conv2 does not
    assert not np.allclose(before[2], after[2])        # conv3 reads both towers
    assert not np.allclose(before[3], after[3])
    assert not np.allclose(before[4], after[4])        # tower 1 after the join sees it too


def grouped_alexnet(reference):
    """The same net with one Conv2D(groups=2) per paper layer, weights copied from the towers."""
    inputs = keras.Input(reference.input.shape[1:])
    x = inputs
    for name, groups, pool in (("conv1", 1, True), ("conv2", 2, True), ("conv3", 1, False),
                               ("conv4", 2, False), ("conv5", 2, True)):
        towers = [reference.get_layer(f"{name}_tower{t}") for t in (0, 1)]
        conv = layers.Conv2D(2 * towers[0].filters, towers[0].kernel_size,
                             strides=towers[0].strides, padding=towers[0].padding,
                             activation="relu", groups=groups)
        x = conv(x)
        conv.set_weights([np.concatenate([t.get_weights()[i] for t in towers], axis=-1)
                          for i in (0, 1)])
        if pool:
            x = layers.MaxPooling2D(3, 2)(x)
    x = layers.Flatten()(x)
    for name in ("fc6", "fc7", "fc8"):
        source = reference.get_layer(name)
        dense = layers.Dense(source.units, activation=source.activation)
        x = dense(x)
        dense.set_weights(source.get_weights())
    return keras.Model(inputs, x)


def test_two_towers_equal_grouped_convolutions():
    model = small(lrn=False)
    x = images(3, 99)
    np.testing.assert_allclose(grouped_alexnet(model)(x), model(x), rtol=1e-4, atol=1e-6)


def test_paper_initialisation():
    model = small(init="paper")
    for name in ("conv2_tower0", "conv4_tower1", "conv5_tower0", "fc6", "fc7"):
        np.testing.assert_array_equal(model.get_layer(name).bias, 1.0)
    for name in ("conv1_tower0", "conv3_tower1", "fc8"):
        np.testing.assert_array_equal(model.get_layer(name).bias, 0.0)
    std = np.std(np.asarray(build_alexnet(init="paper").get_layer("fc6").kernel))
    assert abs(std - 0.01) < 5e-4


def test_paper_bias01_variant_changes_only_the_positive_biases():
    paper, variant = small(init="paper"), small(init="paper_bias0.1")
    for name in ("conv2_tower0", "conv4_tower1", "conv5_tower0", "fc6", "fc7"):
        np.testing.assert_allclose(variant.get_layer(name).bias, 0.1)
    for name in ("conv1_tower0", "conv3_tower1", "fc8"):
        np.testing.assert_array_equal(variant.get_layer(name).bias, 0.0)
    assert abs(np.std(np.asarray(variant.get_layer("conv3_tower0").kernel)) - 0.01) < 1e-3
    assert len(paper.weights) == len(variant.weights)


@pytest.mark.parametrize("split", [True, False])
def test_save_load_roundtrip_and_gradients(split, tmp_path):
    model = small(split=split)
    x = images(4, 99)
    check_model(model, x, tmp_path)
    check_gradients(model, x, np.array([0, 1, 2, 3]))


def test_224_input_is_padded_to_55x55_conv1(tmp_path):
    model = build_alexnet(input_shape=(224, 224, 3), width=0.25, fc_units=16, num_classes=3)
    assert model.get_layer("conv1_pad").output.shape[1:3] == (230, 230)
    check_model(model, images(2, 224), tmp_path)


def test_one_gpu_comparison_net_of_section_3_2():
    """Half the kernels in conv1-4, conv5 and the FC layers as in the two-tower net (the
    footnote of section 3.2): about the same number of parameters."""
    two = build_alexnet(num_classes=10, input_shape=(67, 67, 3))
    one = build_alexnet(split=False, filters=(48, 128, 192, 192, 256), num_classes=10,
                        input_shape=(67, 67, 3))
    assert [one.get_layer(f"conv{i}").kernel.shape[-1] for i in range(1, 6)] == [
        48, 128, 192, 192, 256]
    assert one.get_layer("fc6").kernel.shape == two.get_layer("fc6").kernel.shape
    assert 0.8 < one.count_params() / two.count_params() < 1.0
    half = build_alexnet(split=True, filters=(48, 128, 192, 192, 256), num_classes=10,
                         input_shape=(67, 67, 3), width=0.5)
    assert half.get_layer("conv1_tower0").kernel.shape[-1] == 12  # 48 x 1/2 per two towers
    for bad in ((96, 256, 384, 384), (96, 256, 0, 384, 256)):
        with pytest.raises(ValueError, match="filters"):
            build_alexnet(filters=bad, num_classes=10, input_shape=(67, 67, 3))
