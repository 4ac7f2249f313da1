"""Versioned export directories as TensorFlow Serving reads them: base/<integer version>/."""

import os

from pipelines.errors import MissingFile


def next_version_dir(base_dir: str) -> str:
    """base_dir/<n+1> where n is the highest integer version present (1 when none)."""
    os.makedirs(base_dir, exist_ok=True)
    versions = [int(d) for d in os.listdir(base_dir) if d.isdigit()]
    return os.path.join(base_dir, str(max(versions, default=0) + 1))


def resolve_version(model_dir: str) -> str:
    if os.path.exists(os.path.join(model_dir, "saved_model.pb")):
        return model_dir
    versions = sorted((int(d) for d in os.listdir(model_dir) if d.isdigit()), reverse=True) \
        if os.path.isdir(model_dir) else []
    for version in versions:
        path = os.path.join(model_dir, str(version))
        if os.path.exists(os.path.join(path, "saved_model.pb")):
            return path
    raise MissingFile(f"{model_dir}: no SavedModel (saved_model.pb) in it or in a "
                      "numbered version under it")
