"""The report's rows (run, figure, setting, machine) of the research results, made by their
writers as they write: research.paper_runs' curves and claims, research.run's experiments.
Here rather than in each writer because the claims of both share a figure's wording. Pure
Python: no TensorFlow."""

from typing import Any

from benchmarks.cells import is_number, joined, machine, percent

# The report's order: the runs' curves, then the experiments, then the single claims.
CURVES_ORDER, EXPERIMENT_ORDER, CLAIM_ORDER = 4, 5, 6


def curves_rows(data: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """research.paper_runs curves: {label: {"model", "final_val_accuracy", ...}, "machine",
    "date"}, one row per label; a label over several seeds also has "mean", "std" and "seeds",
    which the figure gives."""
    rows = []
    for label, run in data.items():
        if not isinstance(run, dict) or not is_number(run.get("final_val_accuracy")):
            continue  # the machine and the date, not a run
        figure = f"val top-1 accuracy {percent(run['final_val_accuracy'])}"
        if is_number(run.get("mean")) and run.get("seeds"):
            figure = f"val top-1 accuracy {_arm(run)}"
        elif is_number(run.get("final_val_top5_accuracy")):
            figure += f", top-5 {percent(run['final_val_top5_accuracy'])}"
        name = f"{label}, `{run['model']}`" if run.get("model") else label
        rows.append((name, figure, _run_setting(run), machine(run, data)))
    return rows


def claim_rows(data: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """research.paper_runs claim: {"claim", "better": {"label", "mean", "std", "seeds",
    "runs"}, "other": {...}, "verdict", "z"}: one row, both arms and the verdict."""
    better, other = data["better"], data["other"]
    runs = [r for r in (better.get("runs") or []) + (other.get("runs") or [])
            if isinstance(r, dict)]
    first = runs[0] if runs else {}
    setting = joined(
        f"`{first['model']}`" if first.get("model") else None,
        f"{first['input_size']} px" if first.get("input_size") else None,
        f"width {first['width']:g}" if is_number(first.get("width")) else None,
        f"{first['steps']:,} steps" if first.get("steps") else None,
        f"batch {first['batch_size']}" if first.get("batch_size") else None)
    figure = _claim_figure(better.get("label", "better"), better, other.get("label", "other"),
                           other, data.get("verdict"), data.get("z"))
    return [(data["claim"], figure, setting, machine(data, *runs))]


def experiment_rows(data: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """research.run: {"experiment", "setting", "steps", "batch", "results": {arm: {"mean",
    "std", "seeds"}}, "claims": [{"claim", "better", "other", "verdict", "z"}]}: one row per
    claim whose arms both ran, or, without one, one row per arm."""
    arms = {name: arm for name, arm in data["results"].items() if is_number(arm.get("mean"))}
    setting = joined(data.get("setting"),
                     f"{data['steps']:,} steps" if data.get("steps") else None,
                     f"batch {data['batch']}" if data.get("batch") else None)
    where = machine(data)
    rows = []
    for claim in data.get("claims") or []:
        if claim.get("better") in arms and claim.get("other") in arms:
            rows.append((f"{data.get('experiment', '?')}: {claim.get('claim', '?')}",
                         _claim_figure(claim["better"], arms[claim["better"]], claim["other"],
                                       arms[claim["other"]], claim.get("verdict"),
                                       claim.get("z")), setting, where))
    if not rows:  # no claim with both arms run: one row per arm
        rows = [(f"{data.get('experiment', '?')}: {name}",
                 f"val top-1 accuracy {_arm(arm)}", setting, where) for name, arm in arms.items()]
    return rows


def _run_setting(run: dict[str, Any]) -> str:
    return joined(
        f"recipe {run['recipe']}" if run.get("recipe") else None,
        f"init {run['init']}" if run.get("init") else None,
        f"from {run['init_from']}" if run.get("init_from") else None,
        f"{run['input_size']} px" if run.get("input_size") else None,
        f"width {run['width']:g}" if is_number(run.get("width")) else None,
        f"batch {run['batch_size']}" if run.get("batch_size") else None,
        f"{run['steps']:,} steps" if run.get("steps") else None,
        f"seeds {', '.join(map(str, run['seeds']))}" if run.get("seeds") else
        f"seed {run['seed']}" if run.get("seed") is not None else None)


def _arm(arm: dict[str, Any]) -> str:
    seeds = arm.get("seeds") or []
    return f"{percent(arm['mean'])} ± {100 * arm.get('std', 0):.1f} ({len(seeds)} seeds)"


def _claim_figure(better_name: str, better: dict[str, Any], other_name: str,
                  other: dict[str, Any], verdict: str | None, z: object) -> str:
    figure = f"{better_name} {_arm(better)} vs {other_name} {_arm(other)}"
    if verdict:
        figure += f": {verdict}"
        if is_number(z):
            figure += f" (z = {z:.1f})"
    return figure
