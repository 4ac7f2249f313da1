"""The readers of benchmarks.report for speed results (throughput, GPUs, the trainer, the
regressions), one per results layout, each giving the table's rows [(run, figure, setting,
machine)] from a JSON file, or None for a file of another layout; with the cell formatting the
other readers (report_runs, report_peers) share."""

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


READERS = (throughput_rows, gpu_rows, regression_rows, trainer_speed_rows)
ORDER = {throughput_rows: 0, gpu_rows: 1, trainer_speed_rows: 2, regression_rows: 3}
