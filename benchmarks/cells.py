"""The cells of benchmarks.report's table, as the writers of results files make them: numbers,
percentages, the machine a file records, a markdown-safe cell. Pure Python: no TensorFlow."""

import statistics
from collections.abc import Sequence
from typing import Any

NOT_RECORDED = "not recorded"
MACHINE_KEYS = ("machine", "device", "host", "hardware")


def number(value: float) -> str:
    """img/s and the like: 2 decimals under 10, 1 above."""
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def percent(value: float) -> str:
    """A fraction as a percentage with one decimal: 0.9254 -> '92.5%'."""
    return f"{100 * value:.1f}%"


def cell(text: object) -> str:
    """text as one markdown table cell: its pipes escaped, its line breaks made spaces."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def is_number(value: object) -> bool:
    """True for an int or a float (a JSON number), False for a bool or anything else."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


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


def joined(*parts: str | None) -> str:
    """The parts that are there, comma-separated: a setting cell."""
    return ", ".join(part for part in parts if part)


def batch(row: dict[str, Any]) -> str | None:
    """'batch N' for a row that records its batch, None otherwise."""
    return f"batch {row['batch']}" if row.get("batch") else None


def xla(row: dict[str, Any]) -> str | None:
    """'XLA on'/'XLA off' for a row that records it, None otherwise."""
    return ("XLA on" if row["xla"] else "XLA off") if "xla" in row else None


def over_seeds(accuracy: Sequence[float]) -> str:
    """'91.9% ± 0.8 (3 seeds: 92.5, 92.2, 91.0)': mean, sample standard deviation and each
    seed's accuracy."""
    spread = f" ± {100 * statistics.stdev(accuracy):.1f}" if len(accuracy) > 1 else ""
    return (f"{100 * statistics.mean(accuracy):.1f}%{spread} ({len(accuracy)} "
            f"seed{'s' * (len(accuracy) != 1)}: {', '.join(f'{100 * a:.1f}' for a in accuracy)})")
