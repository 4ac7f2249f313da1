"""python -m benchmarks.default_runs: each registry model's default run on the embedded dataset.

For every model named (default: every built-in model), `python -m pipelines.train --model M`
with no other flag but its run directory and `--no-export` (or the flags after `--`), each in a
process of its own as a user starts it. Records the last epoch's validation top-1 and top-5, the
best epoch's, the steps, and the wall time of the whole command (TensorFlow's start-up, data
preparation, training, the final model) with the machine, in --json after every model. A
relaunch skips the models already recorded for the same flags; an interrupted model's run
resumes from its checkpoint (`pipelines.train` continues a run directory) and is recorded as
resumed, its wall time being the last launch's. `--seeds 0,1,2` runs each model once per seed
(`--seed S`, one run directory each); the report gives their mean and spread. A model grown from
a shallower net (VGG 3.1, pipelines.training.grow) is recorded with its first stage.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from benchmarks import results_schema
from benchmarks.cells import machine, over_seeds
from benchmarks.timing import cpu_description
from pipelines.training.rundir import read_metrics, stage_dir
from pipelines.training.rundir import read_run


def summarize(run_dir: str) -> dict[str, Any]:
    """The run's figures from its config.json and metrics.jsonl (with its first stage's, for a
    net grown from a shallower one)."""
    config, rows = read_run(run_dir)
    recipe = config["recipe"]
    summary = dict(model=config["model"], recipe=recipe["name"], seed=config.get("seed", 0),
                   epochs=len(rows), steps=len(rows) * config["steps_per_epoch"],
                   batch_size=recipe["batch_size"],
                   input_size=config["preprocessing"]["input_size"],
                   precision=config.get("precision_resolved"),
                   val_top1_accuracy=round(1 - rows[-1]["val_top1_error"], 4),
                   val_top5_accuracy=round(1 - rows[-1]["val_top5_error"], 4),
                   best_val_top1_accuracy=round(1 - min(r["val_top1_error"] for r in rows), 4))
    source = recipe.get("grow_from")
    stage = stage_dir(run_dir, source) if source else None
    if stage and read_metrics(stage):
        first = summarize(stage)
        summary["grown_from"] = {k: first[k] for k in (
            "model", "steps", "batch_size", "val_top1_accuracy")}
    return summary


def _load(path: str | None) -> dict[str, Any] | None:
    if path and os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    return None


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    p = argparse.ArgumentParser(prog="python -m benchmarks.default_runs", description=__doc__)
    p.add_argument("--models", default=None,
                   help="comma-separated registry names (default: every built-in model)")
    p.add_argument("--root", default="runs/default_runs", help="one run directory per model")
    p.add_argument("--json", default=None, help="write the figures here (after every model)")
    p.add_argument("--seeds", default="0",
                   help="comma-separated seeds: each model once per seed (default: 0)")
    args = p.parse_args(argv)
    try:
        seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    except ValueError:
        seeds = []
    if not seeds or min(seeds) < 0:
        p.error(f"--seeds must be comma-separated integers >= 0, got {args.seeds!r}")
    from keras_nets.registry import MODEL_NAMES, SPECS  # after --help: no TensorFlow for it
    models = [m.strip() for m in (args.models or ",".join(SPECS)).split(",") if m.strip()]
    unknown = [m for m in models if m not in MODEL_NAMES]
    if unknown or not models:
        p.error(f"--models: unknown {unknown}; choose from {', '.join(MODEL_NAMES)}")
    data = _load(args.json) or {}
    here = cpu_description()
    if data.get("flags", extra) != extra or data.get("machine", here) != here:
        data = {}  # figures of other flags or of another machine are not this table's
    data.update(machine=here, flags=extra)
    runs = list(data.get("runs", []))
    todo = [(model, seed) for model in models for seed in seeds]
    for index, (model, seed) in enumerate(todo, 1):
        if any(r["model"] == model and r.get("seed", 0) == seed for r in runs):
            print(f"[{index}/{len(todo)}] {model} seed {seed}: recorded, skipped")
            continue
        run_dir = os.path.join(args.root, model if seed == 0 else f"{model}_seed{seed}")
        cmd = [sys.executable, "-m", "pipelines.train", "--model", model, "--run-dir", run_dir,
               "--no-export", *(["--seed", str(seed)] if seed else []), *extra]
        print(f"[{index}/{len(todo)}] {' '.join(cmd[1:])}", flush=True)
        resumed = os.path.exists(os.path.join(run_dir, "config.json"))
        start = time.time()
        code = subprocess.call(cmd)
        if code:
            print(f"{model}: pipelines.train exited with {code}", file=sys.stderr)
            return code
        runs.append(dict(summarize(run_dir), wall_seconds=round(time.time() - start, 1),
                         resumed=resumed))
        data.update(runs=runs, date=time.strftime("%Y-%m-%d"))
        if args.json:
            results_schema.write(args.json, benchmark="benchmarks.default_runs", machine=here,
                                 date=data["date"], rows=table_rows(data), order=ORDER,
                                 data=data)
    print(json.dumps(data, indent=1))
    return 0


ORDER = 2.4  # the report's rows after the trainer's speed, before the comparisons


def table_rows(data: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The report's rows (run, figure, setting, machine) of the figures main records: one per
    model, its seeds' mean and spread when it ran with several; no wall time for a resumed
    run (only its last launch was timed)."""
    flags = " ".join(data.get("flags") or [])
    rows = []
    for model in dict.fromkeys(r["model"] for r in data["runs"]):
        runs = [r for r in data["runs"] if r["model"] == model]
        r = runs[0]
        figure = (f"val top-1 accuracy {over_seeds([r['val_top1_accuracy'] for r in runs])}"
                  if len(runs) > 1 else f"val top-1 accuracy {100 * r['val_top1_accuracy']:.1f}%")
        if len(runs) == 1:
            figure += (f", top-5 {100 * r['val_top5_accuracy']:.1f}% (best epoch "
                       f"{100 * r['best_val_top1_accuracy']:.1f}%)")
        minutes = [r["wall_seconds"] / 60 for r in runs
                   if r.get("wall_seconds") and not r.get("resumed")]
        if minutes:
            figure += f", {statistics.median(minutes):.1f} min in all"
            figure += " (median)" if len(minutes) > 1 else ""
        first = r.get("grown_from")
        stage = (f"{first['steps']:,} steps of {first['batch_size']} of `{first['model']}` "
                 f"(its own {100 * first['val_top1_accuracy']:.1f}%), then "
                 if isinstance(first, dict) else "")
        setting = (f"`pipelines.train --model {model}{' ' + flags if flags else ''}`: "
                   f"recipe {r['recipe']}, {stage}{r['epochs']} epochs, {r['steps']:,} steps of "
                   f"{r['batch_size']}, {r['input_size']} px"
                   + (f", {r['precision']}" if r.get("precision") else ""))
        rows.append((f"`{model}` default run", figure, setting, machine(data)))
    return rows


if __name__ == "__main__":
    sys.exit(main())
