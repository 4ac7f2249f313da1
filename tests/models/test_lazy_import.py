"""`import keras_nets` loads neither Keras nor TensorFlow (so that the oneDNN default it sets comes
before TensorFlow loads), its public names load on first use, and a `.keras` file loads with
`keras.saving.load_model(path, safe_mode=True)` after a bare `import keras_nets`."""

import os
import subprocess
import sys

import pytest

import keras_nets

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(code, *args):
    result = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True,
                            text=True, timeout=300, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    return result.returncode, result.stdout, result.stderr


def test_importing_the_packages_loads_no_keras_nor_tensorflow():
    code, out, err = run("import sys, keras_nets, pipelines, benchmarks\n"
                         "print(sorted(m for m in ('keras', 'tensorflow', 'jax') "
                         "if m in sys.modules))")
    assert code == 0, err[-2000:]
    assert out.strip() == "[]"


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    """A small two-tower AlexNet (LRN, per-replica dropout, the model class) saved as .keras."""
    path = str(tmp_path_factory.mktemp("lazy") / "alexnet.keras")
    model = keras_nets.build_model("alexnet", 67, width=1 / 16, fc_units=16, num_classes=3)
    model.preprocessing = keras_nets.get_spec("alexnet").preprocessing(67, class_names="abc")
    model.save(path)
    return path


LOAD = ("import sys\n"
        "{imports}\n"
        "model = keras.saving.load_model(sys.argv[1], safe_mode=True)\n"
        "print(type(model).__name__, type(model.get_layer('lrn1_tower0')).__name__,\n"
        "      type(model.get_layer('fc6_dropout')).__name__, model.preprocessing.class_names)")


@pytest.mark.parametrize("imports", ["import keras_nets\nimport keras",
                                     "import keras\nimport keras_nets"])
def test_load_model_after_a_bare_import_keras_nets(saved_model, imports):
    code, out, err = run(LOAD.format(imports=imports), saved_model)
    assert code == 0, err[-2000:]
    assert out.split() == ["ImageClassifier", "LocalResponseNormalization", "ReplicaDropout",
                           "('a',", "'b',", "'c')"]


def test_without_keras_nets_the_classes_are_unknown(saved_model):
    """The check above can fail: Keras alone does not know the project's classes."""
    code, _, err = run(LOAD.format(imports="import keras"), saved_model)
    assert code != 0 and "Could not locate class 'ImageClassifier'" in err


def test_public_names_load_on_first_use():
    code, out, err = run("import sys, keras_nets\n"
                         "before = 'keras' in sys.modules\n"
                         "model = keras_nets.build_model('vgg_a', 32, width=1 / 16, fc_units=8)\n"
                         "print(before, type(model).__name__, 'build_vgg' in dir(keras_nets),\n"
                         "      keras_nets.vgg.CONFIGS is keras_nets.VGG_CONFIGS)")
    assert code == 0, err[-2000:]
    assert out.split() == ["False", "ImageClassifier", "True", "True"]
    assert set(keras_nets.__all__) <= set(dir(keras_nets))
    with pytest.raises(AttributeError, match="no attribute 'bogus'"):
        keras_nets.bogus
