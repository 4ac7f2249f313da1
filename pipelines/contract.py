"""What a trained model expects of its inputs, saved with the model and read back from it.

A run's input contract: model name and family, input size, the recipe's input normalisation
(`pipelines.data.preprocess.NORMALIZATIONS`), its training scales and the test scales that follow
from them. `pipelines.training.run` writes it into config.json and into the model.keras file
(a JSON entry of the zip archive, which Keras ignores), `pipelines.serving.export` into the
SavedModel's assets.extra/; `pipelines.evaluate` and the export's in-graph preprocessing read it
from there, so a model is never evaluated or served under another normalisation than it was
trained with.
"""

import json
import os
import zipfile

from keras_nets.registry import SPECS

ENTRY = "keras_nets_preprocessing.json"  # the name inside a .keras zip and in assets.extra/
FIELDS = ("model", "family", "input_size", "normalization", "train_scale_min",
          "train_scale_max", "eval_scale", "test_scales", "shapes_sizes")


def alexnet_train_scale(size):
    """AlexNet section 2: images rescaled to 256 for 227 crops; the same ratio at other sizes
    (the registry's rule, keras_nets.ModelSpec.eval_scale)."""
    return SPECS["alexnet"].eval_scale(size)


def test_scales(family, size, scale_min=None, scale_max=None):
    """(single test scale Q, multi-scale Qs) for a model trained at `size` px.

    AlexNet (section 4.1): its training scale, for the centre crop and the 10-crop.
    VGG section 4.1: Q = S for a fixed training scale S, (S_min + S_max) / 2 for a jittered one;
    section 4.2: Q in {S - 32, S, S + 32} for fixed S, {S_min, (S_min + S_max) / 2, S_max} jittered.
    The 32 is for 224 crops; at another crop size it scales with it (5 at 32 px).
    """
    if family == "alexnet":
        q = alexnet_train_scale(size)
        return q, (q,)
    lo, hi = int(scale_min), int(scale_max)
    if lo == hi:
        step = max(1, round(32 * size / 224))
        return lo, (lo - step, lo, lo + step)
    mid = (lo + hi) // 2
    return mid, (lo, mid, hi)


def contract(spec, recipe, size):
    """The input contract of a run of `spec` (a keras_nets ModelSpec) under `recipe`."""
    # shapes_sizes: the embedded dataset's configuration the run trained and validated on, so
    # that a .keras file or an export alone is evaluated on the same images.
    return _contract(spec.name, spec.family, size, recipe.normalization, recipe.scale_min,
                     recipe.scale_max, shapes_sizes=recipe.dataset_sizes)


def _contract(model, family, size, normalization, scale_min, scale_max, **extra):
    """The contract's fields: AlexNet trains at its one scale, VGG at [scale_min, scale_max]."""
    if family == "alexnet":
        scale_min = scale_max = alexnet_train_scale(size)
    single, multi = test_scales(family, size, scale_min, scale_max)
    return dict(model=model, family=family, input_size=size, normalization=normalization,
                train_scale_min=scale_min, train_scale_max=scale_max, eval_scale=single,
                test_scales=list(multi), **extra)


def write_to_keras(path, info):
    """Add the contract to a saved .keras file (a zip archive) as one JSON entry."""
    with zipfile.ZipFile(path, "a") as archive:
        if ENTRY not in archive.namelist():
            archive.writestr(ENTRY, json.dumps(info, indent=1))


def write_to_saved_model(path, info):
    os.makedirs(os.path.join(path, "assets.extra"), exist_ok=True)
    with open(os.path.join(path, "assets.extra", ENTRY), "w") as f:
        json.dump(info, f, indent=1)


# Runs written before the named normalisations were trained on (x - mean) / std.
LEGACY_NORMALIZATION = "standardize"


def _legacy(config):
    """The contract of a run directory written before contracts were saved (its config.json
    has the recipe but no normalisation): (x - mean) / std, scales from its recipe."""
    recipe = config["recipe"]
    return _contract(config.get("model"), config["family"], config["input_size"],
                     LEGACY_NORMALIZATION, recipe.get("scale_min"), recipe.get("scale_max"))


def read(path):
    """The contract saved with a run directory, a .keras file or a SavedModel version directory,
    or None when it holds none (a model saved outside this project)."""
    if os.path.isdir(path):
        for candidate in (os.path.join(path, "assets.extra", ENTRY),
                          os.path.join(path, "config.json")):
            if os.path.isfile(candidate):
                with open(candidate) as f:
                    info = json.load(f)
                if "normalization" in info:
                    return {k: info[k] for k in FIELDS if k in info}
                if {"recipe", "family", "input_size"} <= set(info):
                    return _legacy(info)
        keras_file = os.path.join(path, "model.keras")
        return read(keras_file) if os.path.isfile(keras_file) else None
    if path.endswith(".keras") and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            if ENTRY in archive.namelist():
                return json.loads(archive.read(ENTRY))
    return None
