"""VGG from torchvision's state dicts and keras.applications' .h5 layout, written small here."""

import h5py
import keras
import numpy as np
import pytest

from keras_nets import build_vgg, convert, get_spec

WIDTH, FC = 1 / 16, 16  # filters 4..32


def small_vgg(config, size, num_classes=1000, **kwargs):
    return build_vgg(config, width=WIDTH, fc_units=FC, num_classes=num_classes,
                     input_shape=(size, size, 3), dropout=0.0, **kwargs)


def torch_vgg(config):
    """torchvision.models.vgg's layout (make_layers, then AdaptiveAvgPool2d(7) and the
    classifier) at WIDTH, written with torch.nn alone."""
    torch = pytest.importorskip("torch")
    from keras_nets.vgg import CONFIGS
    layers, channels = [], 3
    for block in CONFIGS[config]:
        for filters, _ in block:
            out = round(filters * WIDTH)
            layers += [torch.nn.Conv2d(channels, out, 3, padding=1), torch.nn.ReLU()]
            channels = out
        layers.append(torch.nn.MaxPool2d(2, 2))
    features = torch.nn.Sequential(*layers)
    classifier = torch.nn.Sequential(
        torch.nn.Linear(channels * 49, FC), torch.nn.ReLU(), torch.nn.Dropout(),
        torch.nn.Linear(FC, FC), torch.nn.ReLU(), torch.nn.Dropout(), torch.nn.Linear(FC, 1000))
    net = torch.nn.Module()
    net.features, net.avgpool, net.classifier = features, torch.nn.AdaptiveAvgPool2d(7), classifier
    return net.eval()


@pytest.mark.parametrize("config", ["A", "D"])
def test_torchvision_state_dict_gives_torchvisions_outputs(tmp_path, config):
    torch = pytest.importorskip("torch")
    net = torch_vgg(config)
    path = str(tmp_path / "vgg.pth")
    torch.save(net.state_dict(), path)
    source = convert.resolve(get_spec(f"vgg_{config.lower()}"), path)
    assert source.kind == "torchvision" and source.normalization == "standardize"
    model = small_vgg(config, 224, classifier_activation=None)
    assert not convert.load(model, source).fresh
    x = np.random.default_rng(0).standard_normal((2, 224, 224, 3)).astype("float32")
    with torch.no_grad():
        f = net.features(torch.from_numpy(x.transpose(0, 3, 1, 2)))
        theirs = net.classifier(torch.flatten(net.avgpool(f), 1)).numpy()
    np.testing.assert_allclose(model(x), theirs, rtol=1e-4, atol=1e-5)

    # Another crop and other classes: the convolutions load, fc1 and the head are fresh.
    other = small_vgg(config, 64, num_classes=5)
    loaded = convert.load(other, source)
    assert loaded.fresh == ("fc1", "predictions") and "fc2" in loaded.loaded
    np.testing.assert_array_equal(other.get_layer("block1_conv1").kernel,
                                  model.get_layer("block1_conv1").kernel)


def test_torchvision_wrong_configuration_is_one_line(tmp_path):
    torch = pytest.importorskip("torch")
    path = str(tmp_path / "vgg11.pth")
    torch.save(torch_vgg("A").state_dict(), path)
    with pytest.raises(convert.WeightsError, match="another VGG configuration"):
        convert.load(small_vgg("D", 64), convert.resolve(get_spec("vgg_d"), path))
    with pytest.raises(convert.WeightsError, match="does not load"):
        convert.resolve(get_spec("vgg_c"), path)


def write_keras_applications_h5(model, path):
    """The layout of keras.applications' VGG16/19 files, written with h5py: root attribute
    layer_names, per layer a group with attribute weight_names and one dataset per weight."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [l.name.encode() for l in model.layers]
        f.attrs["backend"] = b"tensorflow"
        for layer in model.layers:
            group = f.create_group(layer.name)
            names = [f"{layer.name}/{w.name}:0".encode() for w in layer.weights]
            group.attrs["weight_names"] = names
            for name, value in zip(names, layer.get_weights()):
                group.create_dataset(name.decode(), data=value)


def test_keras_applications_h5_by_layer_name_and_imagenet_from_the_cache(tmp_path, monkeypatch):
    source_model = small_vgg("D", 32)
    path = str(tmp_path / "vgg16_weights_tf_dim_ordering_tf_kernels.h5")
    write_keras_applications_h5(source_model, path)
    source = convert.resolve(get_spec("vgg16"), path)
    assert source.kind == "keras_applications" and source.normalization == "caffe_bgr"
    model = small_vgg("D", 32, num_classes=3)
    loaded = convert.load(model, source)
    assert loaded.fresh == ("predictions",)
    x = np.random.default_rng(1).normal(0, 50, (2, 32, 32, 3)).astype("float32")
    body = lambda m: keras.Model(m.input, m.get_layer("fc2").output)(x)
    np.testing.assert_allclose(body(model), body(source_model), rtol=1e-5)

    # weights="imagenet": a file in the Keras cache is taken as it is, never fetched again
    # (tests/convert/test_hosted.py fetches one).
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setattr(keras.utils, "get_file", lambda *a, **k: pytest.fail("download"))
    cache = tmp_path / "keras_home" / "models"
    cache.mkdir(parents=True)
    notop = cache / "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"  # serves as well
    notop.write_bytes(open(path, "rb").read())
    assert convert.resolve(get_spec("vgg16"), "imagenet").path == str(notop)
    top = cache / "vgg16_weights_tf_dim_ordering_tf_kernels.h5"
    top.write_bytes(open(path, "rb").read())
    assert convert.resolve(get_spec("vgg16"), "imagenet").path == str(top)
    with pytest.raises(convert.WeightsError, match="no hosted ImageNet weights"):
        convert.resolve(get_spec("vgg_a"), "imagenet")


def test_torch_is_imported_only_inside_the_conversion():
    import ast
    import os
    folder = os.path.join(os.path.dirname(convert.__file__))
    for name in os.listdir(folder):
        if name.endswith(".py"):
            tree = ast.parse(open(os.path.join(folder, name)).read())
            top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
            modules = {a.name for n in top if isinstance(n, ast.Import) for a in n.names}
            modules |= {n.module for n in top if isinstance(n, ast.ImportFrom)}
            assert not {m for m in modules if m and m.split(".")[0] == "torch"}, name
