"""weights="imagenet": keras.applications' file fetched on demand into the Keras cache with its
hash checked, and one line saying what to do when that fails. A local HTTP server stands in for
the hosting and a closed local port for a machine without network: no test uses the network."""

import functools
import hashlib
import http.server
import socket
import threading

import keras
import numpy as np
import pytest

from keras_nets import build_model, build_vgg, convert, get_spec
from keras_nets.convert import keras_applications

from test_vgg_weights import write_keras_applications_h5

TOP = "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5"


class _Hosting(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # no request lines among the test's output
        pass


@pytest.fixture
def hosting(tmp_path, monkeypatch):
    """(folder served as keras_nets' HOSTED over local HTTP, the paths it was asked for), with
    an empty Keras cache."""
    root = tmp_path / "hosted"
    asked = []

    class Handler(_Hosting):
        def do_GET(self):
            asked.append(self.path)
            super().do_GET()

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for proxy in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(proxy, raising=False)
    monkeypatch.setattr(keras_applications, "HOSTED", f"http://127.0.0.1:{server.server_port}/")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    yield root, asked
    server.shutdown()
    server.server_close()


def host_vgg16(root, monkeypatch, md5=None):
    """A VGG D at 32 px in keras.applications' layout as the hosted file with the classifier,
    and the table's MD5 set to its own (or to `md5`): the real file's hash cannot be met by a
    file written here (tests/models/test_vgg.py checks that the real hash is the one asked)."""
    model = build_vgg("D", width=1 / 16, fc_units=16, input_shape=(32, 32, 3), dropout=0.0)
    path = root / TOP
    path.parent.mkdir(parents=True)
    write_keras_applications_h5(model, str(path))
    own = hashlib.md5(path.read_bytes()).hexdigest()
    files = dict(keras_applications.IMAGENET_FILES["vgg_d"])
    files[True] = (TOP, md5 or own)
    monkeypatch.setitem(keras_applications.IMAGENET_FILES, "vgg_d", files)
    return model


def test_imagenet_is_fetched_once_into_the_cache_and_builds_through_the_registry(
        hosting, monkeypatch, tmp_path):
    root, asked = hosting
    hosted = host_vgg16(root, monkeypatch)
    source = convert.resolve(get_spec("vgg16"), "imagenet")
    cached = tmp_path / "keras_home" / "models" / "vgg16_weights_tf_dim_ordering_tf_kernels.h5"
    assert source.path == str(cached) and cached.is_file() and asked == ["/" + TOP]
    assert source.kind == "keras_applications" and source.normalization == "caffe_bgr"

    # The registry's factory: resolved, built and loaded in one call, from the cache now; the
    # class layer is new for 3 classes, the model carries the weights' normalisation.
    model = build_model("vgg16", 32, weights="imagenet", width=1 / 16, fc_units=16,
                        num_classes=3, dropout=0.0)
    assert asked == ["/" + TOP]
    assert model.preprocessing.normalization == "caffe_bgr"
    assert model.get_layer("predictions").kernel.shape[-1] == 3
    x = np.random.default_rng(0).normal(0, 50, (2, 32, 32, 3)).astype("float32")
    body = lambda m: keras.Model(m.input, m.get_layer("fc2").output)(x)
    np.testing.assert_allclose(body(model), body(hosted), rtol=1e-5)


def test_a_file_of_another_hash_is_refused_and_not_left_in_the_cache(hosting, monkeypatch,
                                                                     tmp_path):
    root, _ = hosting
    host_vgg16(root, monkeypatch, md5="0" * 32)
    with pytest.raises(convert.WeightsError, match="the download failed") as err:
        convert.resolve(get_spec("vgg_d"), "imagenet")
    assert "\n" not in str(err.value)
    assert not list((tmp_path / "keras_home" / "models").iterdir())


def test_without_network_one_line_says_where_to_put_the_file(tmp_path, monkeypatch):
    with socket.socket() as s:  # a local port nothing listens on: the fetch is refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(keras_applications, "HOSTED", f"http://127.0.0.1:{port}/")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    with pytest.raises(convert.WeightsError) as err:
        convert.resolve(get_spec("vgg19"), "imagenet")
    message = str(err.value)
    cached = tmp_path / "keras_home" / "models" / "vgg19_weights_tf_dim_ordering_tf_kernels.h5"
    assert "\n" not in message and message.startswith(f"{cached}: not in the Keras cache")
    assert f"(from http://127.0.0.1:{port}/vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5)" \
        in message
