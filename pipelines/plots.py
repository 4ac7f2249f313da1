"""python -m pipelines.plots filters|curves: AlexNet's conv1 kernels per tower, training curves.

filters SOURCE OUT.png: the 2x48 conv1 kernels (AlexNet paper, Figure 3) from a run directory, a .keras
file, a checkpoint prefix or a SavedModel; curves RUN_DIR OUT.png: loss, top-1/top-5 error and
learning rate per epoch from metrics.jsonl. Needs matplotlib (pip install -e ".[plot]").
"""

import json
import os
import sys
from collections.abc import Mapping
from typing import Any

import numpy as np

from pipelines import quiet
from pipelines.cli import ArgumentParser, fail, user_errors
from pipelines.errors import DamagedFile, MissingFile


def conv1_kernels(source: str) -> dict[str, np.ndarray]:
    """{tower name: [H, W, 3, N] kernel} of conv1, from any of the saved forms (MissingFile when
    there is none, DamagedFile when it does not load)."""
    import tensorflow as tf
    if not (os.path.exists(source) or tf.io.gfile.glob(source + ".index")):
        raise MissingFile(f"{source}: no such run directory, model or checkpoint")
    if os.path.isdir(source) and os.path.exists(os.path.join(source, "model.keras")):
        source = os.path.join(source, "model.keras")
    if source.endswith(".keras"):
        from pipelines.serving.loader import load
        model = load(source).model  # DamagedFile when it does not load
        names = [l.name for l in model.layers if l.name.startswith("conv1")]
        return {n: np.asarray(model.get_layer(n).kernel) for n in names}
    try:
        return _saved_kernels(source)
    except MissingFile:
        raise
    except (ValueError, tf.errors.OpError) as err:
        raise DamagedFile(f"{source}: does not load ({err.__class__.__name__})") from None


def _saved_kernels(source: str) -> dict[str, np.ndarray]:
    """conv1 of a SavedModel export or a training checkpoint (a run directory's newest)."""
    import tensorflow as tf
    if os.path.exists(os.path.join(source, "saved_model.pb")):
        loaded = tf.saved_model.load(source)
        names = {v.name.split(":")[0]: v for v in loaded.variables}
        kernels = {n.split("/")[0]: v.numpy() for n, v in names.items()
                   if n.startswith("conv1") and n.endswith("kernel")}
        if kernels:
            return kernels
    prefix = tf.train.latest_checkpoint(os.path.join(source, "checkpoints")) if \
        os.path.isdir(source) else source
    if prefix:
        reader = tf.train.load_checkpoint(prefix)
        kernels = {}
        for key, shape in tf.train.list_variables(prefix):
            if len(shape) == 4 and shape[0] == 11 and shape[2] == 3 and "OPTIMIZER" not in key:
                kernels[f"conv1_tower{len(kernels)}"] = reader.get_tensor(key)
        if kernels:
            return kernels
    raise MissingFile(f"{source}: no AlexNet conv1 kernels found")


def structure_index(source: str, kernels: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """The structure index of the conv1 kernels vs the same kernels at initialisation: rebuilt
    from the run's config.json when `source` is a run directory, else i.i.d. normal kernels."""
    from pipelines.evaluation import kernels as index
    if os.path.isfile(os.path.join(source, "config.json")):
        initial, reference = index.initial_conv1_kernels(source), "the run's own initial kernels"
    else:
        initial, reference = index.iid_like(kernels), "i.i.d. normal kernels of the same shape"
    report = index.structure_report(kernels, initial)
    report["initial_reference"] = reference
    return report


def format_report(report: Mapping[str, Any]) -> str:
    lines = [f"{'tower':<14}{'':<9}{'low-freq share':>20}{'colour share':>20}"]
    for name, r in report["towers"].items():
        for key in ("trained", "initial"):
            lf, col = r[key]["low_frequency_share"], r[key]["colour_share"]
            lines.append(f"{name:<14}{key:<9}{lf[0]:>12.3f} +- {lf[1]:.3f}"
                         f"{col[0]:>12.3f} +- {col[1]:.3f}")
    if "colour_separation_trained" in report:
        lines.append("towers' colour shares apart by {:.1f} standard errors (initial: {:.1f})"
                     .format(report["colour_separation_trained"],
                             report["colour_separation_initial"]))
    lines.append(f"initial: {report['initial_reference']}")
    return "\n".join(lines)


def plot_filters(kernels: Mapping[str, np.ndarray], out: str,
                 report: Mapping[str, Any] | None = None) -> None:
    """One panel per tower; with `report` (pipelines.evaluation.kernels.structure_report) the
    structure index of the tower, trained and at initialisation, under its panel."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(len(kernels), 1, figsize=(12, 3.4 * len(kernels)), squeeze=False)
    for ax, (name, k) in zip(axes[:, 0], sorted(kernels.items())):
        n = k.shape[-1]
        cols = 16 if n % 16 == 0 else n
        rows = -(-n // cols)
        tile = np.ones((rows * 12, cols * 12, 3))
        for i in range(n):
            f = k[..., i]
            f = (f - f.min()) / max(f.max() - f.min(), 1e-8)
            r, c = divmod(i, cols)
            tile[r * 12:r * 12 + 11, c * 12:c * 12 + 11] = f
        ax.imshow(tile, interpolation="nearest")
        ax.set_title(f"{name}: {n} kernels 11x11x3" + (
            " (GPU 1)" if name.endswith("0") else " (GPU 2)" if name.endswith("1") else ""))
        ax.axis("off")
        if report:
            t, i = report["towers"][name]["trained"], report["towers"][name]["initial"]
            ax.text(0.5, -0.04, "low-frequency share {:.3f} +- {:.3f} (init {:.3f}); colour share "
                    "{:.3f} +- {:.3f} (init {:.3f})".format(
                        *t["low_frequency_share"], i["low_frequency_share"][0],
                        *t["colour_share"], i["colour_share"][0]),
                    transform=ax.transAxes, ha="center", va="top", fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def plot_curves(run_dir: str, out: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from pipelines.training.rundir import METRICS, read_metrics
    rows = read_metrics(run_dir)
    if not rows:
        raise MissingFile(f"{os.path.join(run_dir, METRICS)} has no epochs yet")
    epochs = [r["epoch"] for r in rows]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    axes[0].plot(epochs, [r["loss"] for r in rows], label="train loss")
    axes[0].set_title("loss")
    for key, label in (("top1_error", "train top-1"), ("val_top1_error", "val top-1"),
                       ("top5_error", "train top-5"), ("val_top5_error", "val top-5")):
        axes[1].plot(epochs, [r[key] for r in rows], label=label)
    axes[1].set_title("error")
    axes[2].plot(epochs, [r["learning_rate"] for r in rows])
    axes[2].set_title("learning rate")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    axes[0].legend()
    axes[1].legend()
    fig.suptitle(os.path.basename(os.path.normpath(run_dir)))
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(module="pipelines.plots", description=__doc__)
    sub = parser.add_subparsers(dest="what", required=True)
    f = sub.add_parser("filters", help="conv1 kernels of an AlexNet, one panel per tower")
    f.add_argument("source")
    f.add_argument("output")
    f.add_argument("--index-json", default=None,
                   help="also write the structure index (per tower, trained vs init) here")
    c = sub.add_parser("curves", help="training curves of a run directory")
    c.add_argument("run_dir")
    c.add_argument("output")
    args = parser.parse_args(argv)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        fail(parser.prog, "matplotlib is not installed: pip install -e '.[plot]'")
    quiet.hide_startup_notices()  # TensorFlow's start-up notices off the screen
    with user_errors(parser.prog):
        if args.what == "filters":
            kernels = conv1_kernels(args.source)
            report = structure_index(args.source, kernels)
            plot_filters(kernels, args.output, report)
            print(format_report(report))
            if args.index_json:
                with open(args.index_json, "w") as out:
                    json.dump(report, out, indent=1)
        else:
            plot_curves(args.run_dir, args.output)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
