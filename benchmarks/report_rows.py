"""The readers of benchmarks.report: one per results layout, each giving the table's rows
[(run, figure, setting, machine)] from a JSON file, or None for a file of another layout."""

import statistics
from typing import Any

NOT_RECORDED = "not recorded"
MACHINE_KEYS = ("machine", "device", "host", "hardware")


def _number(value: float) -> str:
    """img/s and the like: 2 decimals under 10, 1 above."""
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def machine(*records: Any) -> str:
    """The machine as the first record that names one states it (a string, or a dict's
    'key: value' pairs), with its date when recorded; NOT_RECORDED otherwise."""
    for record in records:
        if not isinstance(record, dict):
            continue
        for key in MACHINE_KEYS:
            value = record.get(key)
            if value:
                if isinstance(value, dict):
                    value = ", ".join(f"{k}: {v}" for k, v in value.items())
                text = str(value)
                peak = record.get("peak_flops")
                if isinstance(peak, dict) and isinstance(peak.get("conv3x3"), (int, float)):
                    text += f"; 3x3 conv peak {peak['conv3x3'] / 1e9:.0f} GFLOP/s"
                if record.get("date"):
                    text += f"; {record['date']}"
                return text
    return NOT_RECORDED


# --- one reader per layout: each returns rows [(run, figure, setting, machine)] or None ---------

def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _setting(*parts: str | None) -> str:
    return ", ".join(part for part in parts if part)


def _batch(row: dict[str, Any]) -> str | None:
    return f"batch {row['batch']}" if row.get("batch") else None


def _xla(row: dict[str, Any]) -> str | None:
    return ("XLA on" if row["xla"] else "XLA off") if "xla" in row else None


def throughput_rows(data: Any) -> list[tuple[str, str, str, str]] | None:
    """benchmarks.train_throughput: {"device", "date", "peak_flops", "rows": [...]}."""
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        return None
    rows = []
    for row in data["rows"]:
        if not isinstance(row, dict) or not _is_number(row.get("train_images_per_s")):
            continue
        figure = f"train {_number(row['train_images_per_s'])} img/s"
        if isinstance(row.get("infer_images_per_s"), (int, float)):
            figure += f", inference {_number(row['infer_images_per_s'])} img/s"
        if isinstance(row.get("mfu_conv"), (int, float)):
            figure += f", MFU {100 * row['mfu_conv']:.0f}% of the 3x3 conv peak"
        setting = _setting(row.get("precision"), _batch(row),
                           f"{row['input_size']} px" if row.get("input_size") else None,
                           _xla(row))
        run = f"`{row.get('model', '?')}` ({row.get('impl', '?')})"
        rows.append((run, figure, setting, machine(row, data)))
    return rows or None


def gpu_rows(data: Any) -> list[tuple[str, str, str, str]] | None:
    """benchmarks.gpu: {"device", "tf32", "date", "framework", "rows": [{"model", "precision",
    "xla", "gpus", "batch", "images_per_s", "tflops", "mfu"}], "peers": [the same, with the
    PyTorch "framework" that ran them]}: keras-nets' rows, then its peers' of the same run."""
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        return None
    peers = data.get("peers") if isinstance(data.get("peers"), list) else []
    rows = []
    for peer, row in [(False, r) for r in data["rows"]] + [(True, r) for r in peers]:
        if not isinstance(row, dict) or not _is_number(row.get("images_per_s")):
            continue
        who = f"PyTorch peer, {row.get('framework')}" if peer else "keras-nets"
        figure = f"train {_number(row['images_per_s'])} img/s"
        if _is_number(row.get("tflops")):
            figure += f", {row['tflops']:.2f} TFLOP/s"
        if _is_number(row.get("mfu")):
            figure += f", MFU {100 * row['mfu']:.0f}% of the published peak"
        setting = _setting(f"{row['gpus']} GPU(s)" if row.get("gpus") else None,
                           row.get("precision"), _batch(row), _xla(row))
        rows.append((f"`{row.get('model', '?')}` ({who})", figure, setting,
                     machine(row, data)))
    return rows or None


def regression_rows(data: Any) -> list[tuple[str, str, str, str]] | None:
    """benchmarks.regressions: {"machine", "results": [{"check", "product_ms",
    "alternative_ms", "ratio_quartiles", "holds"}]}."""
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        return None
    rows = []
    for result in data["results"]:
        if not isinstance(result, dict) or not all(
                _is_number(result.get(k)) for k in ("product_ms", "alternative_ms")):
            continue
        figure = f"{result['product_ms']:.1f} ms against {result['alternative_ms']:.1f} ms"
        q = result.get("ratio_quartiles")
        if isinstance(q, list) and len(q) == 3 and all(_is_number(v) for v in q):
            figure += f", ratio {q[1]:.2f} ({q[0]:.2f}-{q[2]:.2f})"
        if isinstance(result.get("holds"), bool):
            figure += ": holds" if result["holds"] else ": does NOT hold"
        rounds = result.get("rounds")
        rows.append((f"decision: {result.get('check', '?')}", figure,
                     f"{rounds} rounds, medians" if rounds else "", machine(result, data)))
    return rows or None


def trainer_speed_rows(data: Any) -> list[tuple[str, str, str, str]] | None:
    """benchmarks.trainer_speed: {"model", "input_size", "batch_size", "precision_resolved"
    (optional), "trainer": [img/s per repeat], "trainer_uncached": [...] (optional),
    "bare": [...], "machine", "date"}."""
    if not isinstance(data, dict):
        return None
    trainer, bare = data.get("trainer"), data.get("bare")
    if not (isinstance(trainer, list) and isinstance(bare, list) and trainer and bare
            and all(_is_number(v) for v in trainer + bare)):
        return None
    t, b = statistics.median(trainer), statistics.median(bare)
    uncached = [v for v in data.get("trainer_uncached") or [] if _is_number(v)]
    before = (f" (decoding every image at every step: {_number(statistics.median(uncached))}, "
              f"{100 * statistics.median(uncached) / b:.0f}%)" if uncached else "")
    figure = (f"pipelines.train {_number(t)} img/s, bare model {_number(b)} img/s (medians of "
              f"{len(trainer)}): {100 * t / b:.0f}%{before}")
    setting = ", ".join(p for p in (
        data.get("precision_resolved"),
        f"{data['input_size']} px" if data.get("input_size") else None,
        f"batch {data['batch_size']}" if data.get("batch_size") else None,
        f"{data['steps']} steps" if data.get("steps") else None) if p)
    where = machine(data)
    if where == NOT_RECORDED and data.get("date"):
        where = f"{NOT_RECORDED}; {data['date']}"
    return [(f"`{data.get('model', '?')}`: trainer vs bare model", figure, setting, where)]


def _run_setting(run: dict[str, Any]) -> str:
    parts = [f"recipe {run['recipe']}" if run.get("recipe") else None,
             f"init {run['init']}" if run.get("init") else None,
             f"from {run['init_from']}" if run.get("init_from") else None,
             f"{run['input_size']} px" if run.get("input_size") else None,
             f"width {run['width']:g}" if isinstance(run.get("width"), (int, float)) else None,
             f"batch {run['batch_size']}" if run.get("batch_size") else None,
             f"{run['steps']:,} steps" if run.get("steps") else None,
             f"seeds {', '.join(map(str, run['seeds']))}" if run.get("seeds") else
             f"seed {run['seed']}" if run.get("seed") is not None else None]
    return ", ".join(p for p in parts if p)


def runs_rows(data: Any) -> list[tuple[str, str, str, str]] | None:
    """research.paper_runs curves: {label: {"model", "final_val_accuracy", ...}}; a label
    over several seeds also has "mean", "std" and "seeds", which the figure gives."""
    if not isinstance(data, dict) or not data:
        return None
    rows = []
    for label, run in data.items():
        if not isinstance(run, dict) or not isinstance(run.get("final_val_accuracy"), (int, float)):
            continue
        figure = f"val top-1 accuracy {_percent(run['final_val_accuracy'])}"
        if isinstance(run.get("mean"), (int, float)) and run.get("seeds"):
            figure = f"val top-1 accuracy {_arm(run)}"
        elif isinstance(run.get("final_val_top5_accuracy"), (int, float)):
            figure += f", top-5 {_percent(run['final_val_top5_accuracy'])}"
        name = f"{label}, `{run['model']}`" if run.get("model") else label
        rows.append((name, figure, _run_setting(run), machine(run, data)))
    return rows or None


def _arm(arm: dict[str, Any]) -> str:
    seeds = arm.get("seeds") or []
    return f"{_percent(arm['mean'])} ± {100 * arm.get('std', 0):.1f} ({len(seeds)} seeds)"


def _claim_figure(better_name: str, better: dict[str, Any], other_name: str,
                  other: dict[str, Any], verdict: str | None, z: object) -> str:
    figure = f"{better_name} {_arm(better)} vs {other_name} {_arm(other)}"
    if verdict:
        figure += f": {verdict}"
        if isinstance(z, (int, float)):
            figure += f" (z = {z:.1f})"
    return figure


def experiment_rows(data: Any) -> list[tuple[str, str, str, str]] | None:
    """research.run (and the earlier benchmarks.experiments): {"experiment", "setting",
    "results": {arm: {"mean", "std"}}, "claims": [{"claim", "better", "other", "verdict", "z"}]}."""
    if not isinstance(data, dict) or not isinstance(data.get("results"), dict):
        return None
    arms = {name: arm for name, arm in data["results"].items()
            if isinstance(arm, dict) and isinstance(arm.get("mean"), (int, float))}
    setting = ", ".join(str(p) for p in (
        data.get("setting"),
        f"{data['steps']:,} steps" if data.get("steps") else None,
        f"batch {data['batch']}" if data.get("batch") else None) if p)
    where = machine(data)
    rows = []
    for claim in data.get("claims") or []:
        if isinstance(claim, dict) and claim.get("better") in arms and claim.get("other") in arms:
            rows.append((f"{data.get('experiment', '?')}: {claim.get('claim', '?')}",
                         _claim_figure(claim["better"], arms[claim["better"]], claim["other"],
                                       arms[claim["other"]], claim.get("verdict"),
                                       claim.get("z")), setting, where))
    if not rows:  # no claims: one row per arm
        rows = [(f"{data.get('experiment', '?')}: {name}",
                 f"val top-1 accuracy {_arm(arm)}", setting, where) for name, arm in arms.items()]
    return rows or None


def claim_rows(data: Any) -> list[tuple[str, str, str, str]] | None:
    """research.paper_runs claim: {"claim", "better": {"label", "mean", "std", "seeds",
    "runs"}, "other": {...}, "verdict", "z"}."""
    if not isinstance(data, dict) or not isinstance(data.get("claim"), str):
        return None
    better, other = data.get("better"), data.get("other")
    if not all(isinstance(a, dict) and isinstance(a.get("mean"), (int, float))
               for a in (better, other)):
        return None
    runs = [r for r in (better.get("runs") or []) + (other.get("runs") or [])
            if isinstance(r, dict)]
    first = runs[0] if runs else {}
    setting = ", ".join(p for p in (
        f"`{first['model']}`" if first.get("model") else None,
        f"{first['input_size']} px" if first.get("input_size") else None,
        f"width {first['width']:g}" if isinstance(first.get("width"), (int, float)) else None,
        f"{first['steps']:,} steps" if first.get("steps") else None,
        f"batch {first['batch_size']}" if first.get("batch_size") else None) if p)
    figure = _claim_figure(better.get("label", "better"), better, other.get("label", "other"),
                           other, data.get("verdict"), data.get("z"))
    return [(data["claim"], figure, setting, machine(data, *runs))]


READERS = (throughput_rows, gpu_rows, regression_rows, trainer_speed_rows, claim_rows,
           experiment_rows, runs_rows)
ORDER = {throughput_rows: 0, gpu_rows: 1, trainer_speed_rows: 2, regression_rows: 3,
         runs_rows: 4, experiment_rows: 5, claim_rows: 6}


