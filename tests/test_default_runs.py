"""benchmarks.default_runs: its figures come from a run directory's own files; bad --models is
one line and exit 2."""

import json

import pytest

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
