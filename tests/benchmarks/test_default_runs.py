"""benchmarks.default_runs: its figures come from a run directory's own files; a relaunch skips
what this machine recorded; bad --models is one line and exit 2."""

import json
import os

import pytest

from benchmarks import default_runs
from benchmarks.default_runs import main, summarize


def test_default_runs_summarize_a_run_directory(tmp_path):
    config = {"model": "vgg_b", "recipe": {"name": "demo", "batch_size": 16},
              "steps_per_epoch": 250, "preprocessing": {"input_size": 32},
              "precision_resolved": "float32"}
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "metrics.jsonl").write_text("\n".join(json.dumps(m) for m in (
        {"epoch": 1, "val_top1_error": 0.6, "val_top5_error": 0.2},
        {"epoch": 2, "val_top1_error": 0.3, "val_top5_error": 0.05},
        {"epoch": 3, "val_top1_error": 0.35, "val_top5_error": 0.04})) + "\n")
    s = summarize(str(tmp_path))
    assert (s["epochs"], s["steps"], s["input_size"], s["batch_size"]) == (3, 750, 32, 16)
    assert (s["val_top1_accuracy"], s["best_val_top1_accuracy"], s["val_top5_accuracy"]) == \
        (0.65, 0.7, 0.96)


def test_an_unknown_model_is_one_line_and_exit_2(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["--models", "alexnet,resnet50"])
    assert exit.value.code == 2
    errors = [l for l in capsys.readouterr().err.splitlines() if "error:" in l]
    assert len(errors) == 1 and "resnet50" in errors[0]


def _write_run(run_dir, model):
    os.makedirs(run_dir, exist_ok=True)
    config = {"model": model, "recipe": {"name": "demo", "batch_size": 32},
              "steps_per_epoch": 10, "preprocessing": {"input_size": 67}}
    with open(os.path.join(run_dir, "config.json"), "w") as f:
        json.dump(config, f)
    with open(os.path.join(run_dir, "metrics.jsonl"), "w") as f:
        f.write(json.dumps({"epoch": 1, "val_top1_error": 0.5, "val_top5_error": 0.1}) + "\n")


@pytest.mark.parametrize("recorded_on, relaunched", [("this machine", False),
                                                     ("another machine", True)])
def test_a_relaunch_skips_only_this_machines_records(tmp_path, monkeypatch, recorded_on,
                                                     relaunched):
    monkeypatch.setattr(default_runs, "cpu_description", lambda: "this machine")
    launched = []

    def train(cmd):
        run_dir = cmd[cmd.index("--run-dir") + 1]
        launched.append(run_dir)
        _write_run(run_dir, "alexnet")
        return 0
    monkeypatch.setattr(default_runs.subprocess, "call", train)
    out = tmp_path / "runs.json"
    out.write_text(json.dumps({"machine": recorded_on, "flags": [], "runs": [
        {"model": "alexnet", "val_top1_accuracy": 0.9}]}))
    assert main(["--models", "alexnet", "--root", str(tmp_path), "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert bool(launched) == relaunched and data["machine"] == "this machine"
    assert [r["val_top1_accuracy"] for r in data["runs"]] == [0.5 if relaunched else 0.9]
