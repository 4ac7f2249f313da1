"""One loader for every saved form of a model: a run directory, a .keras file, a SavedModel export.

Each gives the same `Saved`: a predict function over normalised crops, the Keras model when there
is one, and the model's `keras_nets.Preprocessing` (crop size, normalisation, test scales, class
names, the data it was trained on). A .keras file carries it in its Keras config; an export in
assets.extra/ (written from that config by pipelines.serving.saved_model); a run directory is its
model.keras plus the run's config.json. Damaged files raise `DamagedFile` with one line that says
what is wrong and what to do.
"""

from __future__ import annotations

import dataclasses
import json
import os
import zipfile
from typing import TYPE_CHECKING, Any

from keras_nets import Preprocessing, SPECS, get_spec
from pipelines.errors import DamagedFile, MissingFile

if TYPE_CHECKING:
    from keras_nets import ModelSpec

PREPROCESSING_ASSET = "keras_nets_preprocessing.json"  # in an export's assets.extra/


@dataclasses.dataclass
class Saved:
    path: str  # the file or directory loaded
    kind: str  # "run", "keras" or "export"
    predict: object  # fn(normalised crops [N, size, size, 3]) -> probabilities [N, classes]
    model: object  # the Keras model, or None for an export
    preprocessing: Preprocessing
    assumed: bool = False  # True: the file carried no Preprocessing; the registry's defaults
    run_config: dict = dataclasses.field(default_factory=dict)  # config.json of a run directory

    @property
    def spec(self) -> ModelSpec:
        return get_spec(self.preprocessing.model)


def read_json(path: str, what: str = "file") -> Any:
    """A JSON file, or DamagedFile naming the file and the problem."""
    try:
        with open(path) as f:
            return json.load(f)
    except json.JSONDecodeError as err:
        raise DamagedFile(f"{path}: damaged {what} (not valid JSON: {err.msg} at line "
                          f"{err.lineno}); restore it or remove it") from None
    except UnicodeDecodeError:
        raise DamagedFile(f"{path}: damaged {what} (not text); restore it or remove it") from None


def load(path: str) -> Saved:
    """The Saved model at `path`; MissingFile when nothing is there, DamagedFile when
    something is there but cannot be loaded."""
    path = os.path.expanduser(path)
    if not os.path.exists(path):
        raise MissingFile(f"{path}: no such file or directory")
    if os.path.isdir(path) and (os.path.exists(os.path.join(path, "config.json"))
                                or os.path.exists(os.path.join(path, "model.keras"))):
        return _load_run(path)
    if os.path.isfile(path):
        return _load_keras(path)
    return _load_export(path)


def _load_run(run_dir: str) -> Saved:
    config_path = os.path.join(run_dir, "config.json")
    config = read_json(config_path, "run config") if os.path.exists(config_path) else {}
    keras_path = os.path.join(run_dir, "model.keras")
    if not os.path.exists(keras_path):
        raise MissingFile(f"{run_dir}: the run has no model.keras yet (it saves one when "
                                "training ends; relaunch the same command to continue it)")
    saved = _load_keras(keras_path)
    return dataclasses.replace(saved, path=run_dir, kind="run", run_config=config)


def _load_keras(path: str) -> Saved:
    import keras
    import keras_nets  # noqa: F401  (registers the project's layers and model class)
    if not zipfile.is_zipfile(path):
        raise DamagedFile(f"{path}: not a complete .keras file (a .keras file is a zip archive; "
                          "this one is truncated or of another format): save it again")
    try:
        model = keras.saving.load_model(path, safe_mode=True)
    except Exception as err:  # Keras raises many types for a damaged archive
        first = (str(err).strip().splitlines() or [""])[0][:200]
        raise DamagedFile(f"{path}: cannot load this .keras file ({err.__class__.__name__}: "
                          f"{first}): save it again") from None
    preprocessing = getattr(model, "preprocessing", None)
    assumed = preprocessing is None
    if assumed:
        preprocessing = default_preprocessing(model.name, model.input.shape[1])
    return Saved(path, "keras", lambda x: model(x, training=False), model, preprocessing,
                 assumed)


def load_signature(path: str, name: str) -> tuple[str, Any]:
    """(version directory, signature `name`) of the export at `path` (a version or its base:
    the newest); MissingFile when there is none, DamagedFile when it does not load or lacks the
    signature."""
    import tensorflow as tf
    from pipelines.serving.versions import resolve_version
    version = resolve_version(path)
    try:
        loaded = tf.saved_model.load(version)
    except Exception as err:  # TensorFlow raises several kinds for a damaged SavedModel
        raise DamagedFile(f"{version}: cannot load this SavedModel ({err.__class__.__name__}): "
                          "export it again") from None
    if name not in loaded.signatures:
        raise DamagedFile(f"{version}: a SavedModel without the {name} signature (not a "
                          "keras-nets export)")
    return version, loaded.signatures[name]


def _load_export(path: str) -> Saved:
    version, fn = load_signature(path, "predict_images")
    size = fn.structured_input_signature[1]["images"].shape[1]
    asset = os.path.join(version, "assets.extra", PREPROCESSING_ASSET)
    if os.path.exists(asset):
        try:
            preprocessing, assumed = Preprocessing.from_config(read_json(asset, "export")), False
        except (TypeError, ValueError) as err:
            raise DamagedFile(f"{asset}: damaged preprocessing ({err}); export again") from None
    else:
        preprocessing, assumed = default_preprocessing(None, size), True
    return Saved(version, "export", lambda x: fn(images=x)["probabilities"], None,
                 preprocessing, assumed)


def default_preprocessing(name: str | None, size: int) -> Preprocessing:
    """The Preprocessing assumed for a model saved without one (built in code, or outside this
    project): its registry entry by name, else the built-in model whose paper crop is `size`;
    the paper's normalisation and scales."""
    try:
        spec = get_spec(name)
    except ValueError:
        spec = next((s for s in SPECS.values() if s.input_size == size), SPECS["alexnet"])
    return spec.preprocessing(size)
