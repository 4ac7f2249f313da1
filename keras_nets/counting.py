"""Parameters and multiply-accumulates (MACs) per layer, per paper layer, and in total."""

import re
from collections.abc import Iterable

from keras import Model, layers

_TOWER = re.compile(r"_tower\d+$")


def layer_macs(layer: layers.Layer) -> int:
    """MACs of one forward pass of `layer` for one image (convolutions and dense layers)."""
    if isinstance(layer, layers.Conv2D):
        kh, kw = layer.kernel_size
        per_output = kh * kw * layer.input.shape[-1] // layer.groups
        return _size(layer.output.shape[1:]) * per_output
    if isinstance(layer, layers.Dense):
        return layer.input.shape[-1] * layer.units
    return 0


def summary_rows(model: Model, merge_towers: bool = True
                 ) -> list[tuple[str, tuple[int | None, ...], int, int]]:
    """[(name, output shape, params, MACs)], the towers of a paper layer merged into one row."""
    rows = {}
    for layer in model.layers:
        name = _TOWER.sub("", layer.name) if merge_towers else layer.name
        shape = tuple(layer.output.shape[1:])
        params = layer.count_params() if layer.built else 0
        macs = layer_macs(layer)
        if name in rows:
            _, old_shape, old_params, old_macs = rows[name]
            shape = old_shape[:-1] + (old_shape[-1] + shape[-1],)
            params, macs = params + old_params, macs + old_macs
        rows[name] = (name, shape, params, macs)
    return list(rows.values())


def count_params(model: Model) -> int:
    return sum(row[2] for row in summary_rows(model))


def count_macs(model: Model) -> int:
    return sum(row[3] for row in summary_rows(model))


def format_summary(model: Model, merge_towers: bool = True) -> str:
    rows = summary_rows(model, merge_towers)
    lines = [f"{model.name}", f"{'layer':<22}{'output shape':<22}{'params':>14}{'MACs':>18}"]
    for name, shape, params, macs in rows:
        lines.append(f"{name:<22}{str(shape):<22}{params:>14,}{macs:>18,}")
    total_params = sum(r[2] for r in rows)
    total_macs = sum(r[3] for r in rows)
    lines.append(f"{'total':<44}{total_params:>14,}{total_macs:>18,}")
    lines.append(f"params {total_params / 1e6:.3f} M, MACs {_human(total_macs)}, "
                 f"FLOPs (2 per MAC) {_human(2 * total_macs)}")
    return "\n".join(lines)


def _size(shape: Iterable[int]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def _human(n: float) -> str:
    return f"{n / 1e9:.2f} G" if n >= 1e9 else f"{n / 1e6:.1f} M"
