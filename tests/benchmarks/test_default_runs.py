"""benchmarks.default_runs: its figures come from a run directory's own files; a relaunch skips
what this machine recorded; bad --models is one line and exit 2."""

import json
import os

import pytest

from benchmarks import default_runs, results_schema
from benchmarks.default_runs import main, summarize, table_rows


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
    if relaunched:  # written again: with the report's row of what it ran
        [row] = results_schema.read(str(out))
        assert row.run == "`alexnet` default run" and row.figure.startswith(
            "val top-1 accuracy 50.0%, top-5 90.0% (best epoch 50.0%)")
        assert row.machine.startswith("this machine; ") and row.order == default_runs.ORDER


DEFAULT_RUNS = {
    "machine": "AMD EPYC, 2 cores, AVX2", "date": "2026-12-03", "flags": [],
    "runs": [{"model": "alexnet", "recipe": "demo", "epochs": 7, "steps": 1750, "batch_size": 32,
              "input_size": 67, "val_top1_accuracy": 0.9325, "val_top5_accuracy": 0.995,
              "best_val_top1_accuracy": 0.94, "wall_seconds": 372.0, "resumed": False},
             {"model": "vgg_a", "recipe": "demo", "epochs": 6, "steps": 1500, "batch_size": 16,
              "input_size": 32, "val_top1_accuracy": 0.5, "val_top5_accuracy": 0.9,
              "best_val_top1_accuracy": 0.5, "wall_seconds": 60.0, "resumed": True,
              "precision": "bfloat16"},
             {"model": "vgg_b", "seed": 0, "recipe": "demo", "epochs": 9, "steps": 4500,
              "batch_size": 16, "input_size": 32, "val_top1_accuracy": 0.97,
              "val_top5_accuracy": 1.0, "best_val_top1_accuracy": 0.97, "wall_seconds": 600.0},
             {"model": "vgg_b", "seed": 1, "recipe": "demo", "epochs": 9, "steps": 4500,
              "batch_size": 16, "input_size": 32, "val_top1_accuracy": 0.95,
              "val_top5_accuracy": 1.0, "best_val_top1_accuracy": 0.96, "wall_seconds": 660.0}]}


def test_one_row_per_model_its_seeds_spread_and_no_time_for_a_resumed_run():
    rows = table_rows(DEFAULT_RUNS)
    assert [r[0] for r in rows] == ["`alexnet` default run", "`vgg_a` default run",
                                    "`vgg_b` default run"]
    assert rows[0][1] == ("val top-1 accuracy 93.2%, top-5 99.5% (best epoch 94.0%), "
                          "6.2 min in all")
    assert rows[0][2] == ("`pipelines.train --model alexnet`: recipe demo, 7 epochs, "
                          "1,750 steps of 32, 67 px")
    assert rows[1][1] == "val top-1 accuracy 50.0%, top-5 90.0% (best epoch 50.0%)"
    assert rows[1][2].endswith("1,500 steps of 16, 32 px, bfloat16")  # the precision it ran in
    assert rows[2][1] == ("val top-1 accuracy 96.0% ± 1.4 (2 seeds: 97.0, 95.0), 10.5 min in "
                          "all (median)")
    assert rows[0][3] == "AMD EPYC, 2 cores, AVX2; 2026-12-03"
