"""keras_nets: AlexNet (two towers or one) and the VGG family in Keras 3.

Importing the package loads neither Keras nor TensorFlow: it sets the oneDNN default
(keras_nets.onednn), which TensorFlow reads once, when it loads; the public names below load
their modules on first use (PEP 562). The project's saveable classes (the model class, the LRN,
the per-replica dropout, the error metric) are registered with Keras as soon as Keras is
imported, so that `keras.saving.load_model(path, safe_mode=True)` after `import keras_nets`
finds them.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from typing import TYPE_CHECKING

from keras_nets.onednn import prefer_onednn

prefer_onednn()  # before anything loads TensorFlow

# Public name -> (module, attribute).
_PUBLIC = {
    "build_alexnet": ("keras_nets.alexnet", "build_alexnet"),
    "build_vgg": ("keras_nets.vgg", "build_vgg"),
    "VGG_CONFIGS": ("keras_nets.vgg", "CONFIGS"),
    "build_model": ("keras_nets.registry", "build_model"),
    "get_spec": ("keras_nets.registry", "get_spec"),
    "ModelSpec": ("keras_nets.registry", "ModelSpec"),
    "SPECS": ("keras_nets.registry", "SPECS"),
    "MODEL_NAMES": ("keras_nets.registry", "MODEL_NAMES"),
    "model_names": ("keras_nets.registry", "model_names"),
    "register": ("keras_nets.registry", "register"),
    "ImageClassifier": ("keras_nets.image_classifier", "ImageClassifier"),
    "Preprocessing": ("keras_nets.preprocessing", "Preprocessing"),
    "NORMALIZATIONS": ("keras_nets.normalization", "NORMALIZATIONS"),
    "PAPER_NORMALIZATION": ("keras_nets.normalization", "PAPER_NORMALIZATION"),
    "LocalResponseNormalization": ("keras_nets.layers", "LocalResponseNormalization"),
    "ReplicaDropout": ("keras_nets.dropout", "ReplicaDropout"),
    "replica_seed_offset": ("keras_nets.dropout", "replica_seed_offset"),
    "to_dense": ("keras_nets.dense", "to_dense"),
    "count_params": ("keras_nets.counting", "count_params"),
    "count_macs": ("keras_nets.counting", "count_macs"),
    "summary_rows": ("keras_nets.counting", "summary_rows"),
    "format_summary": ("keras_nets.counting", "format_summary"),
    "paper_objective": ("keras_nets.objective", "paper_objective"),
    "paper_sgd": ("keras_nets.objective", "paper_sgd"),
    "weight_decay_penalty": ("keras_nets.objective", "weight_decay_penalty"),
    "TopKError": ("keras_nets.objective", "TopKError"),
    "top_k_error_metrics": ("keras_nets.objective", "top_k_error_metrics"),
    "top_k_hits": ("keras_nets.objective", "top_k_hits"),
}
__all__ = list(_PUBLIC)

# The modules whose classes `keras.saving.register_keras_serializable` registers: a saved model
# names them, and Keras looks them up by that name only (it imports no module outside keras).
SERIALIZABLE = ("keras_nets.image_classifier", "keras_nets.layers", "keras_nets.dropout",
                "keras_nets.objective")

if TYPE_CHECKING:  # what the names are, for type checkers and IDEs; at run time: __getattr__
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType

    from keras_nets.alexnet import build_alexnet
    from keras_nets.counting import count_macs, count_params, format_summary, summary_rows
    from keras_nets.dense import to_dense
    from keras_nets.dropout import ReplicaDropout, replica_seed_offset
    from keras_nets.image_classifier import ImageClassifier
    from keras_nets.layers import LocalResponseNormalization
    from keras_nets.normalization import NORMALIZATIONS, PAPER_NORMALIZATION
    from keras_nets.objective import (TopKError, paper_objective, paper_sgd,
                                      top_k_error_metrics, top_k_hits, weight_decay_penalty)
    from keras_nets.preprocessing import Preprocessing
    from keras_nets.registry import (MODEL_NAMES, SPECS, ModelSpec, build_model, get_spec,
                                     model_names, register)
    from keras_nets.vgg import CONFIGS as VGG_CONFIGS, build_vgg


def __getattr__(name: str) -> object:
    """A public name, its module imported on first use; else a submodule (`keras_nets.vgg`)."""
    if name in _PUBLIC:
        module, attribute = _PUBLIC[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value  # later lookups skip this function
        return value
    if importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))


def _register_serializables() -> None:
    for module in SERIALIZABLE:
        importlib.import_module(module)


class _AfterKeras(importlib.abc.MetaPathFinder):
    """Registers the project's classes right after `keras` itself has been imported: an import
    hook on the one module, removed once used. Keras' own loader runs unchanged; only its
    `exec_module` is followed by the registration."""

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if fullname != "keras":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec("keras")  # the finders after this one
        if spec is None or spec.loader is None:
            return spec
        run_keras = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run_keras(module)
            _register_serializables()

        spec.loader.exec_module = exec_module  # this loader object serves this import only
        return spec


if "keras" in sys.modules:  # Keras (and its backend) already loaded: nothing left to defer
    _register_serializables()
elif not any(isinstance(finder, _AfterKeras) for finder in sys.meta_path):
    sys.meta_path.insert(0, _AfterKeras())
