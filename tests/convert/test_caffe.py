"""Caffe's bvlc_alexnet into the two-tower AlexNet: a small random caffemodel written from Caffe's
schema, converted, and the Keras net's outputs against Caffe's forward pass in numpy."""

import keras
import numpy as np
import pytest

from caffe_reference import alexnet as caffe_alexnet
from keras_nets import SPECS, build_alexnet, build_model, convert
from keras_nets.alexnet import CAFFE_OPTIONS
from keras_nets.convert.__main__ import main as convert_main
from keras_nets.convert.caffe import read_caffemodel
from keras_nets.convert.caffe_schema import caffe_messages, write_caffemodel

SIZE = 71  # conv1 16x16: ceil pooling gives 8, 4, 2 where floor gives 7, 3, 1
WIDTH = 1 / 16  # filters 6-16-24-24-16, 3-8-12-12-8 per tower
FC, CLASSES = 32, 10


def random_blobs(seed=0):
    """Caffe's shapes for bvlc_alexnet at WIDTH: (out, in / group, h, w) and (out, in)."""
    rng = np.random.default_rng(seed)
    shapes = {"conv1": (6, 3, 11, 11), "conv2": (16, 3, 5, 5), "conv3": (24, 16, 3, 3),
              "conv4": (24, 12, 3, 3), "conv5": (16, 12, 3, 3), "fc6": (FC, 16 * 2 * 2),
              "fc7": (FC, FC), "fc8": (CLASSES, FC)}
    blobs = {}
    for name, shape in shapes.items():
        fan_in = int(np.prod(shape[1:]))
        # conv1 at 0.05: conv1's maps about 60 on inputs of about 60, so that alpha * sum a^2 in
        # the LRN is of order 0.1, not negligible
        std = 0.05 if name == "conv1" else np.sqrt(2 / fan_in)
        std = std / 100 if name == "fc8" else std  # logits of order 1: no saturated softmax
        blobs[name] = [rng.normal(0, std, shape).astype("float32"),
                       rng.normal(0, 1, shape[0]).astype("float32")]
    return blobs


def caffe_net(**options):
    return build_alexnet(width=WIDTH, fc_units=FC, num_classes=CLASSES, input_shape=(SIZE,) * 2
                         + (3,), dropout=0.0, **options)


def bgr_images(n=2, seed=1):
    return (np.random.default_rng(seed).normal(0, 60, (n, SIZE, SIZE, 3))).astype("float32")


@pytest.mark.parametrize("v1", [True, False], ids=["V1-layers", "layer"])
def test_converted_alexnet_reproduces_caffe(tmp_path, v1):
    blobs = random_blobs()
    path = str(tmp_path / "net.caffemodel")
    write_caffemodel(path, blobs, v1=v1)
    source = convert.resolve(SPECS["alexnet"], path)
    assert source.kind == "caffe" and source.normalization == "caffe_alexnet_bgr"
    assert source.model_options == CAFFE_OPTIONS
    model = caffe_net(**source.model_options)
    loaded = convert.load(model, source)
    assert not loaded.fresh and "fc6" in loaded.loaded

    x = bgr_images()
    fc7_ref, probs_ref = caffe_alexnet(x.transpose(0, 3, 1, 2).astype("float64"), blobs)
    fc7 = keras.Model(model.input, model.get_layer("fc7").output)(x)
    np.testing.assert_allclose(fc7, fc7_ref, rtol=1e-4, atol=1e-4 * np.abs(fc7_ref).max())
    np.testing.assert_allclose(model(x), probs_ref, atol=1e-5)

    # Each Caffe option matters here: the paper's value of either LRN option computes something
    # else on the same weights (the check can fail), and floor pooling gives other sizes.
    for change in (dict(lrn_constants="paper"), dict(lrn_across_towers=False)):
        other = caffe_net(**dict(CAFFE_OPTIONS, **change))
        other.set_weights(model.get_weights())
        assert np.abs(np.asarray(other(x)) - probs_ref).max() > 1e-3, change
    assert 0.05 < probs_ref.max() < 0.95
    assert caffe_net().get_layer("fc6").kernel.shape[0] == 16  # pool5 1x1, not 2x2


def test_the_registry_builds_caffes_alexnet_under_caffes_options(tmp_path):
    """build_model(..., weights=caffemodel): the factory resolves the file, builds the net under
    the options it needs and loads it, as torchvision's builders and timm's create_model do."""
    blobs = random_blobs()
    path = str(tmp_path / "net.caffemodel")
    write_caffemodel(path, blobs, v1=True)
    model = build_model("alexnet", SIZE, weights=path, width=WIDTH, fc_units=FC,
                        num_classes=CLASSES, dropout=0.0)
    assert model.get_layer("lrn1").alpha == pytest.approx(2e-5)  # Caffe's LRN constants
    assert model.preprocessing.normalization == "caffe_alexnet_bgr"
    x = bgr_images()
    _, probs_ref = caffe_alexnet(x.transpose(0, 3, 1, 2).astype("float64"), blobs)
    np.testing.assert_allclose(model(x), probs_ref, atol=1e-5)
    with pytest.raises(convert.WeightsError, match="does not load"):
        build_model("vgg_d", 32, weights=path)


def test_reader_equals_the_protobuf_parse_of_caffes_schema(tmp_path):
    blobs = random_blobs(2)
    path = str(tmp_path / "net.caffemodel")
    write_caffemodel(path, blobs, v1=True)
    net = caffe_messages()["NetParameter"]()
    net.ParseFromString(open(path, "rb").read())
    ours = read_caffemodel(path)
    assert list(ours) == [layer.name for layer in net.layers]
    for layer in net.layers:
        for blob, array in zip(layer.blobs, ours[layer.name]):
            assert array.shape[-2:] == (blob.height, blob.width)
            np.testing.assert_array_equal(array.ravel(), np.asarray(blob.data, "float32"))


def test_wrong_files_are_one_line_errors(tmp_path):
    truncated = tmp_path / "cut.caffemodel"
    write_caffemodel(str(truncated), random_blobs())
    truncated.write_bytes(truncated.read_bytes()[:5000])
    text = tmp_path / "notes.caffemodel"
    text.write_text("\nhello")
    for path, match in [(truncated, "not a Caffe caffemodel"), (text, "not a Caffe caffemodel"),
                        (tmp_path / "missing.caffemodel", "no such file")]:
        with pytest.raises(convert.WeightsError, match=match) as err:
            convert.load(caffe_net(**CAFFE_OPTIONS),
                         convert.resolve(SPECS["alexnet"], str(path)))
        assert "\n" not in str(err.value)
    with pytest.raises(convert.WeightsError, match="does not load"):
        convert.resolve(SPECS["vgg_d"], str(truncated))


def test_convert_cli_writes_a_keras_file_that_carries_caffes_normalisation(tmp_path, capsys):
    path = str(tmp_path / "net.caffemodel")
    blobs = random_blobs()
    write_caffemodel(path, blobs, v1=True)
    out = str(tmp_path / "alexnet_caffe.keras")
    # A mean file as Caffe writes data/ilsvrc12/imagenet_mean.binaryproto (1 x 3 x H x W, BGR).
    mean = caffe_messages()["BlobProto"](num=1, channels=3, height=4, width=5)
    image = np.stack([np.full((4, 5), v) for v in (104.0, 117.0, 123.0)]).astype("float32")
    image[:, 0, 0] += 20.0  # per pixel, not constant: its mean pixel is 1 higher
    mean.data.extend(image.ravel().tolist())
    (tmp_path / "mean.binaryproto").write_bytes(mean.SerializeToString())
    capsys.readouterr()
    assert convert_main([path, out, "--input-size", str(SIZE),
                         "--mean", str(tmp_path / "mean.binaryproto")]) == 0
    assert "mean pixel (B, G, R) 105.000, 118.000, 124.000; caffe_alexnet_bgr subtracts " \
           "104.007, 116.669, 122.679" in capsys.readouterr().out
    model = keras.saving.load_model(out, safe_mode=True)
    assert model.preprocessing.normalization == "caffe_alexnet_bgr"
    assert model.preprocessing.input_size == SIZE
    x = bgr_images(1, seed=3)
    _, probs_ref = caffe_alexnet(x.transpose(0, 3, 1, 2).astype("float64"), blobs)
    np.testing.assert_allclose(model(x), probs_ref, atol=1e-5)
    capsys.readouterr()
    assert convert_main([out, str(tmp_path / "again.keras")]) == 2  # a .keras is no source
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("python -m keras_nets.convert: error: ")
