"""python -m pipelines.export MODEL: a SavedModel for TensorFlow Serving from a run directory or a
.keras file alone.

The model carries what serving needs (crop size, normalisation, test scale, class names) in its
Keras config, so any .keras file of this project exports as `pipelines.train` does at the end of
a run: BASE/<next version>/, atomically, checked against the Keras model before it is published.
"""

import os
import sys

from pipelines import quiet
from pipelines.cli import ArgumentParser, user_errors


def export(model: str, export_dir: str, name: str | None, top_k: int) -> str:
    """The path of a new version of `model` (a run directory or .keras file) under
    export_dir/<name>/, checked against the Keras model (UserError: one line for the CLI)."""
    from pipelines.errors import UserError
    from pipelines.serving.loader import load
    from pipelines.serving.saved_model import export_saved_model
    saved = load(model)
    if saved.model is None:
        raise UserError(f"{model}: already an export (give a run directory or .keras)")
    if not saved.preprocessing.class_names:
        raise UserError(f"{model}: carries no class names (a model built in code: set "
                        "model.preprocessing before saving it)")
    saved.model.preprocessing = saved.preprocessing
    base = os.path.join(export_dir, name or saved.preprocessing.model)
    return export_saved_model(saved.model, base, top_k=top_k)


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(module="pipelines.export", description=__doc__)
    parser.add_argument("model", help="run directory or .keras file")
    parser.add_argument("--export-dir", default="saved_models",
                        help="versions go to EXPORT_DIR/<name>/ (default: saved_models)")
    parser.add_argument("--name", default=None,
                        help="the served model's name (default: the registry name it carries)")
    parser.add_argument("--top-k", type=int, default=5)
    args = parser.parse_args(argv)
    if args.top_k < 1:
        parser.error("--top-k must be >= 1")
    quiet.hide_startup_notices()  # TensorFlow's start-up notices off the screen
    with user_errors(parser.prog):
        print(f"exported {export(args.model, args.export_dir, args.name, args.top_k)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
