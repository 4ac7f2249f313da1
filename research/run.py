"""python -m research.run NAME...|all: the experiments' arms on the product's trainer, and verdicts.

Every arm of an experiment (research.experiments.NAME.config) is a pipelines.training RunConfig;
each runs once per seed through pipelines.training.run.train_and_evaluate into its own run
directory, OUT/runs/ARM-HASH/seedN (HASH: the arm's config, so that an arm two experiments share
runs once). A finished run is read back, an interrupted one resumes from its last epoch: a
relaunch continues. Each claim compares the final validation accuracies of its two arms over
the seeds with research.claims.verdict; OUT/NAME.json holds every arm's accuracies, its config
and its wall time, OUT/NAME.png the bars.

--local shrinks every arm to a few steps on a few hundred images with one seed (into
OUT/local unless --out is given): a check that the experiment runs, not a result.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Container, Sequence
from typing import TYPE_CHECKING, Any

from benchmarks import results_schema
from benchmarks.research_rows import EXPERIMENT_ORDER, experiment_rows
from benchmarks.timing import cpu_description

if TYPE_CHECKING:
    from pipelines.training.config import RunConfig
    from research.experiments.base import Experiment

DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
CHANCE = 0.1  # the embedded dataset's 10 classes


def arm_key(label: str, config: RunConfig) -> str:
    """ARM-HASH: the label made a path, and a hash of the config without seed and run dir."""
    fields = config.replace(seed=0, run_dir="").to_json()
    digest = hashlib.sha1(json.dumps(fields, sort_keys=True, default=str).encode())
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    return f"{slug}-{digest.hexdigest()[:8]}"


def finished_history(run_dir: str, epochs: int) -> list[dict] | None:
    """The run's per-epoch metrics when it has finished all its epochs, else None."""
    from pipelines.training.rundir import read_metrics
    rows = read_metrics(run_dir)
    return rows if rows and len(rows) >= epochs else None


def run_arm(config: RunConfig, log_path: str) -> tuple[list[dict], float | None, bool]:
    """(history, wall seconds, trained here): the run's per-epoch metrics, trained, or read back
    with the wall time its training recorded (None when it recorded none)."""
    run_dir = config.runtime.run_dir
    wall_path = os.path.join(run_dir, "wall_seconds.json")
    history = finished_history(run_dir, config.recipe.epochs)
    if history is not None:
        wall = None
        if os.path.exists(wall_path):
            with open(wall_path) as f:
                wall = json.load(f)
        return history, wall, False
    from pipelines.training.log import to_file
    from pipelines.training.run import train_and_evaluate
    os.makedirs(run_dir, exist_ok=True)
    start = time.time()
    with open(log_path, "a") as log, to_file(log):
        train_and_evaluate(config)
    history = finished_history(run_dir, config.recipe.epochs)
    if history is None:
        raise RuntimeError(f"{run_dir}: the run stopped before its last epoch")
    wall = time.time() - start
    with open(wall_path, "w") as f:
        json.dump(wall, f)
    return history, wall, True


def model_size(config: RunConfig) -> tuple[int, int]:
    """(parameters, MACs per image) of the arm's model."""
    from keras_nets import count_macs
    from pipelines.training.model import build_model
    model = build_model(config, num_classes=10)
    return int(model.count_params()), int(count_macs(model))


def run_experiment(experiment: Experiment, seeds: Sequence[int], out: str,
                   arms: Container[str] | None = None,
                   say: Callable[..., None] = print) -> dict[str, Any]:
    import numpy as np
    labels = [a for a in experiment.arms if arms is None or a in arms]
    if experiment.prepare:
        experiment.prepare()
    results = {}
    for label in labels:
        base = experiment.arms[label]
        key = arm_key(label, base)
        params, macs = model_size(base)
        out_arm = results[label] = dict(
            run_dirs=[], seeds=[], val_accuracy=[], seconds_per_step=[], wall_seconds=[],
            curves=[],
            params=params, macs=macs, model=base.model.name,
            model_options=base.model.model_options,
            config={k: v for k, v in base.to_json().items() if k != "run_dir"})
        for seed in seeds:
            run_dir = os.path.join(out, "runs", key, f"seed{seed}")
            config = base.replace(seed=seed, run_dir=run_dir)
            history, wall, trained = run_arm(config, os.path.join(run_dir, "log.txt"))
            final = history[-1]
            out_arm["run_dirs"].append(os.path.relpath(run_dir, out))
            out_arm["seeds"].append(seed)
            out_arm["val_accuracy"].append(1 - final["val_top1_error"])
            out_arm["curves"].append([1 - row["val_top1_error"] for row in history])
            out_arm["seconds_per_step"].append(base.recipe.batch_size / final["images_per_second"])
            out_arm["wall_seconds"].append(wall)
            say(f"{experiment.name} seed {seed} {label:<38} val acc "
                f"{out_arm['val_accuracy'][-1]:.3f}  "
                f"{f'{wall:.0f} s' if trained else 'read back'}", flush=True)
        acc = np.asarray(out_arm["val_accuracy"])
        out_arm["mean"] = float(acc.mean())
        out_arm["std"] = float(acc.std(ddof=1)) if len(acc) > 1 else 0.0
    claims = []
    for claim, better, other in experiment.claims:
        if better in results and other in results:
            word, z = verdict_of(results[better]["val_accuracy"], results[other]["val_accuracy"])
            claims.append(dict(claim=claim, better=better, other=other, verdict=word, z=z))
            say(f"{claim}: {word}" + ("" if z is None else f" (z = {z:.1f})"), flush=True)
    return {"experiment": experiment.name, "setting": experiment.setting,
            "steps": experiment.steps, "batch": next(iter(experiment.arms.values())).recipe
            .batch_size, "seeds": list(seeds), "local": experiment.local,
            "command": experiment.command, "chance": CHANCE, "results": results,
            "claims": claims, "date": time.strftime("%F %H:%M"), "machine": cpu_description()}


def verdict_of(better: Sequence[float], other: Sequence[float]) -> tuple[str, float | None]:
    from research.claims import verdict
    return verdict(better, other, CHANCE)


def plot(result: dict[str, Any], path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    labels = list(result["results"])
    arms = [result["results"][k] for k in labels]
    # Several epochs per run: a third panel with each arm's validation accuracy per epoch, the
    # mean over seeds and its range shaded.
    curves = any(len(c) > 1 for a in arms for c in a.get("curves") or [])
    fig, axes = plt.subplots(1, 3 if curves else 2, figsize=(18 if curves else 12,
                                                             max(4, 0.6 * len(labels) + 2)))
    axes[0].barh(labels, [a["mean"] for a in arms], xerr=[a["std"] for a in arms],
                 color="tab:blue", capsize=4)
    for i, a in enumerate(arms):
        axes[0].plot(a["val_accuracy"], [i] * len(a["val_accuracy"]), "k.")
    axes[0].axvline(result["chance"], color="grey", ls="--", lw=1)
    axes[0].set_xlabel(f"final validation accuracy, mean +- std over seeds {result['seeds']}")
    axes[1].barh(labels, [1000 * float(np.median(a["seconds_per_step"])) for a in arms],
                 color="tab:orange")
    axes[1].set_xlabel("ms per training step (median over seeds; shared CPU)")
    axes[1].set_yticks([])
    if curves:
        for i, (label, a) in enumerate(zip(labels, arms)):
            runs = np.asarray([c for c in a["curves"] if len(c) == len(a["curves"][0])])
            epochs = np.arange(1, runs.shape[1] + 1)
            axes[2].plot(epochs, runs.mean(axis=0), color=f"C{i}", label=label)
            axes[2].fill_between(epochs, runs.min(axis=0), runs.max(axis=0), color=f"C{i}",
                                 alpha=0.2)
        axes[2].axhline(result["chance"], color="grey", ls="--", lw=1)
        axes[2].set_xlabel(f"epoch ({result['steps'] // len(epochs)} steps each)")
        axes[2].set_ylabel("validation top-1 accuracy (mean; seeds' range shaded)")
        axes[2].legend(fontsize=8)
    # The setting names the experiment's step budget; --local runs a few steps of it.
    shrink = f", --local: {result['steps']} steps" if result["local"] else ""
    fig.suptitle(f"{result['experiment']}: {result['setting']}{shrink} "
                 f"(pipelines.training.run.train_and_evaluate)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    from pipelines import quiet
    quiet.hide_startup_notices()  # before the experiments' configs import TensorFlow
    from research.experiments import NAMES, config
    from pipelines.cli import ArgumentParser, fail, user_errors
    from pipelines.training.loop import NonFiniteLoss
    p = ArgumentParser(module="research.run", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("names", nargs="+", metavar="NAME", help=f"{', '.join(NAMES)} or all")
    p.add_argument("--local", action="store_true", help="a tiny run of every arm, one seed")
    p.add_argument("--seeds", default=None, help="comma-separated (default 0,1,2; --local: 0)")
    p.add_argument("--arms", default=None, help="semicolon-separated subset of the arms")
    p.add_argument("--out", default=None, help=f"results and runs (default {DEFAULT_OUT}, "
                                               f"--local: its local/ folder)")
    p.add_argument("--no-plot", action="store_true")
    args = p.parse_args(argv)
    names = list(NAMES) if args.names == ["all"] else args.names
    if [n for n in names if n not in NAMES]:
        p.exit(2, f"{p.prog}: error: experiments: choose from {', '.join(NAMES)} or all, "
                  f"got {' '.join(args.names)}\n")
    try:
        seeds = [int(s) for s in (args.seeds or ("0" if args.local else "0,1,2")).split(",")
                 if s.strip()]
    except ValueError:
        p.exit(2, f"{p.prog}: error: --seeds: integers, comma-separated\n")
    if not seeds:
        p.exit(2, f"{p.prog}: error: --seeds: at least one seed\n")
    arms = [a.strip() for a in args.arms.split(";")] if args.arms else None
    out = args.out or (os.path.join(DEFAULT_OUT, "local") if args.local else DEFAULT_OUT)
    os.makedirs(out, exist_ok=True)
    for name in names:
        experiment = config(name, local=args.local)
        if arms and not set(arms) & set(experiment.arms):
            p.exit(2, f"{p.prog}: error: --arms: {name} has {'; '.join(experiment.arms)}\n")
        # What a user can fix and an arm whose loss diverged: one line naming the experiment;
        # anything else is a bug and keeps its traceback.
        try:
            with user_errors(p.prog, about=name):
                result = run_experiment(experiment, seeds, out, arms)
        except NonFiniteLoss as err:
            fail(p.prog, f"{name}: {err}")
        path = os.path.join(out, name)
        results_schema.write(path + ".json", benchmark="research.run",
                             machine=result["machine"], date=result["date"],
                             rows=experiment_rows(result), order=EXPERIMENT_ORDER, data=result)
        if not args.no_plot:
            plot(result, path + ".png")
        print(f"wrote {path}.json" + ("" if args.no_plot else f" and {path}.png"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
