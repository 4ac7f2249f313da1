"""Readers of benchmarks.report for the side-by-side studies: `benchmarks.vs_torchvision --json`
(keras-nets' step against torchvision's, per-round ratios) and the default run's accuracy per
precision over seeds (`benchmarks/results/precision_default_run.json`)."""

import statistics

from benchmarks.report_rows import NOT_RECORDED, _number, machine

TRAINER, PLAIN, PEER = "keras-nets", "Keras' update ops", "torchvision"


def _dated(data):
    where = machine(data)
    if where != NOT_RECORDED and data.get("conv_probe_flops"):
        where += f"; 3x3 conv probe {data['conv_probe_flops'] / 1e9:.0f} GFLOP/s"
    return f"{where}; {data['date']}" if data.get("date") else where


def _ratio(quartiles):
    low, median, high = quartiles
    return f"{median:.2f}x ({low:.2f}-{high:.2f})"


def peer_rows(data):
    """benchmarks.vs_torchvision: {"machine", "conv_probe_flops", "precision", "xla", "rounds",
    "versions", "date", "results": [{"model", "peer", "batch", "img_per_s": {side: img/s},
    "ratio_quartiles": {side: [q1, median, q3]}, "mfu": {side: fraction}}]}."""
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        return None
    rows = []
    for r in data["results"]:
        rates, ratios, mfu = r["img_per_s"], r["ratio_quartiles"], r.get("mfu", {})
        figure = (f"trainer's step {_ratio(ratios[TRAINER])}, plain Keras step "
                  f"{_ratio(ratios[PLAIN])} torchvision's speed; {_number(rates[TRAINER])} "
                  f"and {_number(rates[PLAIN])} against {_number(rates[PEER])} img/s")
        if mfu:
            figure += f"; MFU {mfu[TRAINER]:.0%} against {mfu[PEER]:.0%}"
        versions = data.get("versions") or {}
        setting = ", ".join(p for p in (
            data.get("precision"), f"batch {r['batch']}",
            f"XLA {'on' if data.get('xla') else 'off'}",
            f"{data['rounds']} rounds, medians" if data.get("rounds") else None,
            f"torch {versions['torch']}" if versions.get("torch") else None) if p)
        rows.append((f"`{r['model']}` vs torchvision `{r['peer']}`", figure, setting,
                     _dated(data)))
    return rows or None


def precision_rows(data):
    """The default run per precision: {"machine", "date", "setting", "precision_runs": [{"precision",
    "seed", "val_top1_accuracy", "minutes"}]}."""
    if not isinstance(data, dict) or not isinstance(data.get("precision_runs"), list):
        return None
    if not all(isinstance(r, dict) and "precision" in r and "val_top1_accuracy" in r
               for r in data["precision_runs"]) or not data["precision_runs"]:
        return None
    rows = []
    for precision in sorted({r["precision"] for r in data["precision_runs"]}):
        runs = [r for r in data["precision_runs"] if r["precision"] == precision]
        accuracy = [r["val_top1_accuracy"] for r in runs]
        spread = f" ± {100 * statistics.stdev(accuracy):.1f}" if len(accuracy) > 1 else ""
        minutes = [r["minutes"] for r in runs if r.get("minutes")]
        figure = (f"val top-1 accuracy {100 * statistics.mean(accuracy):.1f}%{spread} "
                  f"({len(runs)} seed{'s' * (len(runs) != 1)}: "
                  f"{', '.join(f'{100 * a:.1f}' for a in accuracy)})")
        if minutes:
            figure += f", {statistics.median(minutes):.1f} min a run"
        rows.append((f"default run in {precision}", figure, data.get("setting", ""),
                     _dated(data)))
    return rows


READERS = (peer_rows, precision_rows)
ORDER = {peer_rows: 2.5, precision_rows: 2.6}
