"""python -m research.paper_runs curves|claim: tables, curves and verdicts from run directories.

curves OUT LABEL=RUN_DIR[,RUN_DIR...]...
                              each run's validation top-1 error and training loss per epoch
                              (metrics.jsonl) in OUT.png, its recipe and final figures in OUT.json;
                              a label with several run directories (seeds) also gets the mean
                              and spread of their final accuracies, and every seed's curve
claim OUT --claim TEXT --better LABEL=DIR,DIR,DIR --other LABEL=DIR,DIR,DIR
                              the final validation accuracy of every seed of both arms, mean +- std,
                              and the verdict of research.claims.verdict, in OUT.json/.png
The runs come from `python -m pipelines.train` (the commands are in the README).
"""

import argparse
import json
import os
import sys
import time
from typing import Any

from benchmarks import results_schema
from benchmarks.research_rows import CLAIM_ORDER, CURVES_ORDER, claim_rows, curves_rows
from benchmarks.timing import cpu_description
from pipelines.cli import ArgumentParser, user_errors
from pipelines.errors import DamagedFile
from pipelines.training.rundir import read_run


def summary(run_dir: str) -> dict[str, Any]:
    """What research's figures and verdicts read of one run directory of pipelines.train;
    RunDirError where it has no finished epoch, DamagedFile where config.json lacks a field."""
    config, rows = read_run(run_dir)
    try:
        return _summary(run_dir, config, rows)
    except KeyError as err:
        raise DamagedFile(f"{run_dir}/config.json has no {err}: not a run directory of "
                          "pipelines.train") from None


def _summary(run_dir: str, config: dict[str, Any], rows: list[dict]) -> dict[str, Any]:
    recipe = config["recipe"]
    # An earlier config.json had input_size and normalization at its top level; today's has
    # them in the recipe and in the model's preprocessing.
    inputs = config.get("preprocessing") or {}
    return dict(run_dir=run_dir, model=config["model"], recipe=recipe["name"],
                init=recipe["init"],
                normalization=config.get("normalization") or recipe.get("normalization"),
                input_size=(config.get("input_size") or recipe.get("input_size")
                            or inputs.get("input_size")),
                width=config["width"], seed=config["seed"],
                batch_size=recipe["batch_size"], learning_rate=recipe["learning_rate"],
                steps=len(rows) * config["steps_per_epoch"], epochs=len(rows),
                init_from=config.get("init_from"),
                final_val_accuracy=1 - rows[-1]["val_top1_error"],
                best_val_accuracy=1 - min(r["val_top1_error"] for r in rows),
                final_val_top5_accuracy=1 - rows[-1]["val_top5_error"],
                curve=[dict(epoch=r["epoch"], loss=r["loss"], val_top1_error=r["val_top1_error"],
                            learning_rate=r["learning_rate"]) for r in rows])


def seeds_summary(run_dirs: list[str]) -> dict[str, Any]:
    """summary() of the first run, and for several runs (seeds) their final validation top-1
    accuracies with mean and sample standard deviation, and each one's summary."""
    runs = [summary(d) for d in run_dirs]
    if len(runs) == 1:
        return runs[0]
    accuracy = [r["final_val_accuracy"] for r in runs]
    mean = sum(accuracy) / len(accuracy)
    std = (sum((a - mean) ** 2 for a in accuracy) / (len(accuracy) - 1)) ** 0.5
    return dict(runs[0], seeds=[r["seed"] for r in runs], val_accuracy=accuracy, mean=mean,
                std=std, runs=runs, wall_seconds=[_wall(d) for d in run_dirs])


def _wall(run_dir: str) -> float | None:
    """The command's wall time where the launcher recorded it in the run directory
    (wall_seconds.json, as research.run does), else None."""
    path = os.path.join(run_dir, "wall_seconds.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def plot_arms(runs: dict[str, dict[str, Any]], out: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.2))
    for i, (label, arm) in enumerate(runs.items()):
        for j, r in enumerate(arm.get("runs") or [arm]):  # every seed, in the label's colour
            spe = r["steps"] // r["epochs"]
            steps = [c["epoch"] * spe for c in r["curve"]]
            name = (f"{label}, seed {r['seed']}" if "runs" in arm else label)
            style = dict(color=f"C{i}", marker=".", alpha=1.0 if j == 0 else 0.6, label=name)
            axes[0].plot(steps, [c["val_top1_error"] for c in r["curve"]], **style)
            axes[1].plot(steps, [c["loss"] for c in r["curve"]], **style)
    axes[0].axhline(0.9, color="grey", ls="--", lw=1, label="chance (10 classes)")
    axes[0].set_ylabel("validation top-1 error")
    axes[1].set_ylabel("training loss (cross-entropy + weight decay)")
    for ax in axes:
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=100)


def plot_claim(result: dict[str, Any], out: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 2.6))
    for i, arm in enumerate(("better", "other")):
        a = result[arm]
        ax.barh(i, a["mean"], xerr=a["std"], capsize=4, color="tab:blue" if i == 0 else "tab:grey")
        ax.plot(a["val_accuracy"], [i] * len(a["val_accuracy"]), "k.")
    ax.set_yticks([0, 1], [result["better"]["label"], result["other"]["label"]])
    ax.axvline(0.1, color="grey", ls="--", lw=1)
    ax.set_xlabel("final validation accuracy, mean +- std over seeds")
    ax.set_title(f"{result['claim']}: {result['verdict']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=100)


def _arm(text: str) -> tuple[str, list[str]]:
    label, _, dirs = text.partition("=")
    if not dirs:
        raise argparse.ArgumentTypeError(f"{text!r}: LABEL=DIR,DIR,...")
    return label, dirs.split(",")


def main(argv: list[str] | None = None) -> int:
    from research.claims import verdict
    p = ArgumentParser(module="research.paper_runs", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    c = sub.add_parser("curves")
    c.add_argument("out", help="OUT (writes OUT.json and OUT.png)")
    c.add_argument("runs", nargs="+", type=_arm, help="LABEL=RUN_DIR")
    k = sub.add_parser("claim")
    k.add_argument("out")
    k.add_argument("--claim", required=True)
    k.add_argument("--better", required=True, type=_arm, help="the arm claimed better")
    k.add_argument("--other", required=True, type=_arm)
    args = p.parse_args(argv)
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with user_errors(p.prog):  # not a finished run, a path, a config.json without a field
        if args.what == "curves":
            result = {label: seeds_summary(dirs) for label, dirs in args.runs}
            plot_arms(result, args.out + ".png")
            result.update(machine=cpu_description(), date=time.strftime("%F"))
        else:
            result = dict(claim=args.claim)
            for key, (label, dirs) in (("better", args.better), ("other", args.other)):
                import numpy as np
                runs = [summary(d) for d in dirs]
                acc = np.array([r["final_val_accuracy"] for r in runs])
                result[key] = dict(label=label, seeds=[r["seed"] for r in runs],
                                   val_accuracy=acc.tolist(), mean=float(acc.mean()),
                                   std=float(acc.std(ddof=1)) if len(acc) > 1 else 0.0,
                                   runs=[{k: v for k, v in r.items() if k != "curve"}
                                         for r in runs])
            result["verdict"], result["z"] = verdict(result["better"]["val_accuracy"],
                                                     result["other"]["val_accuracy"], 0.1)
            plot_claim(result, args.out + ".png")
    if args.what == "claim":  # the curves have recorded theirs
        result.update(machine=cpu_description(), date=time.strftime("%F"))
    rows, order = ((curves_rows(result), CURVES_ORDER) if args.what == "curves" else
                   (claim_rows(result), CLAIM_ORDER))
    results_schema.write(args.out + ".json", benchmark="research.paper_runs",
                         machine=result["machine"], date=result["date"], rows=rows, order=order,
                         data=result)
    print(json.dumps({k: v for k, v in result.items() if k != "curve"}, indent=1)[:3000])
    return 0


if __name__ == "__main__":
    sys.exit(main())
