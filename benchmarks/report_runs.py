"""benchmarks.report's readers of training-run and research results: the curves of
research.paper_runs, the experiments of research.run and the claims of research.paper_runs,
each a markdown row (model / run, figure, setting, machine)."""

from typing import Any

from benchmarks.report_rows import _percent, machine


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


READERS = (claim_rows, experiment_rows, runs_rows)
ORDER = {runs_rows: 4, experiment_rows: 5, claim_rows: 6}
