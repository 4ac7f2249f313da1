"""Readers of benchmarks.report for the studies of a user's setting: `benchmarks.vs_torchvision
--json` (keras-nets' step against torchvision's, per-round ratios), the default run's accuracy
per precision over seeds (`benchmarks/results/precision_default_run.json`) and `benchmarks
.own_folder --json` (the default run on a folder of real images)."""

import statistics
from collections.abc import Sequence
from typing import Any

from benchmarks.report_rows import NOT_RECORDED, _number, machine
from benchmarks.vs_torchvision import NO_LRN, SIDES

TRAINER, PLAIN, PEER = SIDES


def _dated(data: dict[str, Any]) -> str:
    where = machine(data)
    if where != NOT_RECORDED and data.get("conv_probe_flops"):
        kind = f" {data['precision']}" if data.get("precision") not in (None, "float32") else ""
        where += f"; 3x3{kind} conv probe {data['conv_probe_flops'] / 1e9:.0f} GFLOP/s"
    if where == NOT_RECORDED and data.get("date"):
        where += f"; {data['date']}"
    return where


def _ratio(quartiles: Sequence[float]) -> str:
    low, median, high = quartiles
    return f"{median:.2f}x ({low:.2f}-{high:.2f})"


def peer_rows(data: Any) -> list[tuple[str, str, str, str]] | None:
    """benchmarks.vs_torchvision: {"machine", "conv_probe_flops", "precision", "xla", "rounds",
    "onednn" (TF_ENABLE_ONEDNN_OPTS), "versions", "date", "results": [{"model", "peer", "batch",
    "img_per_s": {side: img/s}, "ratio_quartiles": {side: [q1, median, q3]}, "mfu": {side:
    fraction}}]}; with `--without-lrn` a fourth side in img_per_s and ratio_quartiles."""
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        return None
    rows = []
    for r in data["results"]:
        rates, ratios, mfu = r["img_per_s"], r["ratio_quartiles"], r.get("mfu", {})
        figure = (f"trainer's step at {_ratio(ratios[TRAINER])} torchvision's speed, plain "
                  f"Keras step {_ratio(ratios[PLAIN])}; {_number(rates[TRAINER])} "
                  f"and {_number(rates[PLAIN])} against {_number(rates[PEER])} img/s")
        if mfu:
            figure += f"; MFU {mfu[TRAINER]:.0%} against {mfu[PEER]:.0%}"
        if NO_LRN in ratios:  # --without-lrn: the same rounds with AlexNet less its LRN
            figure += (f"; without its LRN (a ceiling for any LRN) {_ratio(ratios[NO_LRN])}, "
                       f"{_number(rates[NO_LRN])} img/s")
        versions = data.get("versions") or {}
        setting = ", ".join(p for p in (
            data.get("precision"), f"batch {r['batch']}",
            f"XLA {'on' if data.get('xla') else 'off'}",
            {"1": "oneDNN on", "0": "oneDNN off"}.get(data.get("onednn")),
            f"{data['rounds']} rounds, medians" if data.get("rounds") else None,
            f"torch {versions['torch']}" if versions.get("torch") else None) if p)
        rows.append((f"`{r['model']}` vs torchvision `{r['peer']}`", figure, setting,
                     _dated(data)))
    return rows or None


def over_seeds(accuracy: Sequence[float]) -> str:
    """'91.9% ± 0.8 (3 seeds: 92.5, 92.2, 91.0)': mean, sample standard deviation and each
    seed's accuracy."""
    spread = f" ± {100 * statistics.stdev(accuracy):.1f}" if len(accuracy) > 1 else ""
    return (f"{100 * statistics.mean(accuracy):.1f}%{spread} ({len(accuracy)} "
            f"seed{'s' * (len(accuracy) != 1)}: {', '.join(f'{100 * a:.1f}' for a in accuracy)})")


def precision_rows(data: Any) -> list[tuple[str, str, str, str]] | None:
    """The default run per precision: {"machine", "date", "setting", "precision_runs":
    [{"precision", "seed", "val_top1_accuracy", "minutes"}]}."""
    if not isinstance(data, dict) or not isinstance(data.get("precision_runs"), list):
        return None
    if not all(isinstance(r, dict) and "precision" in r and "val_top1_accuracy" in r
               for r in data["precision_runs"]) or not data["precision_runs"]:
        return None
    rows = []
    for precision in sorted({r["precision"] for r in data["precision_runs"]}):
        runs = [r for r in data["precision_runs"] if r["precision"] == precision]
        minutes = [r["minutes"] for r in runs if r.get("minutes")]
        figure = f"val top-1 accuracy {over_seeds([r['val_top1_accuracy'] for r in runs])}"
        if minutes:
            figure += f", {statistics.median(minutes):.1f} min a run"
        rows.append((f"default run in {precision}", figure, data.get("setting", ""),
                     _dated(data)))
    return rows


def own_folder_rows(data: Any) -> list[tuple[str, str, str, str]] | None:
    """benchmarks.own_folder: {"dataset", "train_images", "validation_images", "flags",
    "epochs", "val_top1_accuracy", "best_val_top1_accuracy", "wall_seconds", "machine", "runs"
    (optional: one {"seed", "epochs", "val_top1_accuracy", ...} per seed)}; several seeds give
    their mean and spread."""
    if not isinstance(data, dict) or "val_top1_accuracy" not in data or "dataset" not in data:
        return None
    runs = data.get("runs") if isinstance(data.get("runs"), list) else []
    if len(runs) > 1:
        figure = f"val top-1 accuracy {over_seeds([r['val_top1_accuracy'] for r in runs])}"
        seconds = statistics.median(r["wall_seconds"] for r in runs)
    else:
        figure = f"val top-1 accuracy {100 * data['val_top1_accuracy']:.1f}%"
        if data.get("best_val_top1_accuracy") is not None:
            figure += f" (best epoch {100 * data['best_val_top1_accuracy']:.1f}%)"
        seconds = data.get("wall_seconds")
    figure += f" after {data['epochs']} epochs"
    if seconds:
        figure += f", {seconds / 60:.1f} min in all" + (" (median)" if len(runs) > 1 else "")
    flags = " ".join(data.get("flags") or []) or "none"
    setting = (f"`pipelines.train --dataset FOLDER`, other flags: {flags}; "
               f"{data['train_images']:,} training, {data['validation_images']:,} validation "
               f"images")
    return [(f"default run on {data['dataset']}", figure, setting, machine(data))]


def default_run_rows(data: Any) -> list[tuple[str, str, str, str]] | None:
    """benchmarks.default_runs: {"machine", "flags", "runs": [{"model", "seed" (optional),
    "recipe", "epochs", "steps", "batch_size", "input_size", "val_top1_accuracy",
    "val_top5_accuracy", "best_val_top1_accuracy", "wall_seconds", "resumed", "precision"
    (optional), "grown_from" (optional: {"model", "steps", "batch_size", "val_top1_accuracy"})}]},
    one row per model, its seeds' mean and spread when it ran with several."""
    if not isinstance(data, dict) or not isinstance(data.get("runs"), list) or not data["runs"]:
        return None
    if not all(isinstance(r, dict) and {"model", "val_top1_accuracy", "steps"} <= set(r)
               for r in data["runs"]):
        return None
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


READERS = (peer_rows, precision_rows, own_folder_rows, default_run_rows)
ORDER = {peer_rows: 2.5, precision_rows: 2.6, own_folder_rows: 2.7, default_run_rows: 2.4}
