"""benchmarks.report: one table of the rows that the results files hold, each made by its
writer from its own figures with the machine as recorded; files of another layout skipped and
named."""

import json
import os
import subprocess
import sys

import pytest

from benchmarks import gpu, regressions, report, research_rows, results_schema
from benchmarks import train_throughput, trainer_speed

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

THROUGHPUT = {
    "date": "2026-11-29", "device": "x86_64 CPU, 2 cores", "threads": 2,
    "peak_flops": {"matmul": 4.6e11, "conv3x3": 4.9e11},
    "rows": [
        {"model": "alexnet", "impl": "keras-nets", "precision": "float32", "xla": False,
         "batch": 64, "input_size": 227, "train_images_per_s": 61.16,
         "infer_images_per_s": 180.39, "mfu_conv": 0.5406},
        {"model": "vgg_d", "impl": "keras-nets", "precision": "float32", "xla": True,
         "batch": 8, "input_size": 224, "train_images_per_s": 3.916},
        {"model": "broken", "impl": "keras-nets"},  # no figure: no row
    ],
}
GPU = {"device": "NVIDIA H100", "tf32": True, "date": "2026-12-01",
       "rows": [{"model": "alexnet", "precision": "mixed_float16", "xla": True, "gpus": 2,
                 "batch": 256, "images_per_s": 9000.0, "tflops": 39.1, "mfu": 0.0197}],
       "peers": [{"model": "alexnet_two_tower", "framework": "torch 2.9.1",
                  "precision": "autocast_float16", "xla": False, "gpus": 1, "batch": 128,
                  "images_per_s": 4500.0, "tflops": 9.8, "mfu": 0.01}]}
TRAINER_SPEED = {"model": "alexnet", "input_size": 227, "batch_size": 64, "steps": 16,
                 "trainer": [34.6, 33.5, 36.4], "bare": [32.6, 34.3, 36.0], "date": "2026-11-30"}
REGRESSIONS = {"machine": "Intel Xeon, 2 cores, AVX-512", "results": [
    {"check": "lrn: rsqrt form vs pow", "product_ms": 20.04, "alternative_ms": 27.5,
     "ratio_quartiles": [1.2, 1.35, 1.5], "holds": True, "rounds": 15},
    {"check": "updates, paper recipe: compiled vs Keras' ops", "product_ms": 50.0,
     "alternative_ms": 49.0, "ratio_quartiles": [0.9, 0.98, 1.1], "holds": False, "rounds": 15}]}
RUNS = {
    "AlexNet paper_bias0.1": {
        "model": "alexnet", "recipe": "paper_bias0.1", "init": "paper_bias0.1",
        "input_size": 99, "width": 1.0, "seed": 0, "batch_size": 32, "steps": 1500,
        "final_val_accuracy": 0.81, "final_val_top5_accuracy": 0.9875, "curve": []},
    "on a named host": {"model": "vgg_a", "final_val_accuracy": 0.525, "machine": "8-core box"},
}
EXPERIMENT = {
    "experiment": "alexnet", "setting": "AlexNet at 67px input", "steps": 1200, "batch": 32,
    "results": {
        "two towers": {"seeds": [0, 1, 2], "mean": 0.645, "std": 0.0294},
        "one tower": {"seeds": [0, 1, 2], "mean": 0.574, "std": 0.0212},
    },
    "claims": [{"claim": "two towers beat one (AlexNet 3.2)", "better": "two towers",
                "other": "one tower", "verdict": "reproduced", "z": 3.39},
               {"claim": "an arm that is not there", "better": "x", "other": "one tower"}],
}
CLAIM = {
    "claim": "D from a trained A beats D from Glorot (VGG 3.1)", "verdict": "reproduced",
    "z": 5.388,
    "better": {"label": "D from A", "seeds": [0, 1, 2], "mean": 0.3933, "std": 0.0921,
               "runs": [{"model": "vgg_d", "input_size": 32, "width": 0.25, "steps": 500,
                         "batch_size": 32}]},
    "other": {"label": "D Glorot", "seeds": [0, 1, 2], "mean": 0.1067, "std": 0.0014,
              "runs": []},
}


# file: (the writing module, its rows, their order, its figures); as each writer writes them
WRITTEN = {
    "train_throughput.json": ("benchmarks.train_throughput", train_throughput.table_rows,
                              train_throughput.ORDER, THROUGHPUT),
    "paper_recipe.json": ("research.paper_runs", research_rows.curves_rows,
                          research_rows.CURVES_ORDER, RUNS),
    "gpu.json": ("benchmarks.gpu", gpu.table_rows, gpu.ORDER, GPU),
    "trainer_speed.json": ("benchmarks.trainer_speed", trainer_speed.table_rows,
                           trainer_speed.ORDER, TRAINER_SPEED),
    "regressions.json": ("benchmarks.regressions", regressions.table_rows, regressions.ORDER,
                         REGRESSIONS),
    "alexnet.json": ("research.run", research_rows.experiment_rows,
                     research_rows.EXPERIMENT_ORDER, EXPERIMENT),
    "vgg_d_init_from_a.json": ("research.paper_runs", research_rows.claim_rows,
                               research_rows.CLAIM_ORDER, CLAIM),
    "serving.json": ("benchmarks.serving", lambda data: (), 0, {"rows": [{"batch": 1}]}),
}


@pytest.fixture
def results(tmp_path):
    folder = tmp_path / "results"
    folder.mkdir()
    for name, (benchmark, table_rows, order, data) in WRITTEN.items():
        results_schema.write(str(folder / name), benchmark=benchmark,
                             machine=data.get("machine") or data.get("device"),
                             date=data.get("date"), rows=table_rows(data), order=order, data=data)
    # a layout of its own (research.signal_scales'), one written before the schema
    (folder / "signal_alexnet.json").write_text(json.dumps({"label": "x", "layers": []}))
    (folder / "regressions_before.json").write_text(json.dumps(REGRESSIONS))
    (folder / "half_written.json").write_text("{\"rows\": [")
    return folder


def rows(block):
    """The table's body rows as lists of cells."""
    lines = block.splitlines()
    assert lines[:2] == report.HEADER.splitlines()
    return [[c.strip() for c in line.strip("|").split(" | ")] for line in lines[2:]]


def test_one_row_per_recorded_figure_with_its_machine(results):
    block, skipped = report.table(str(results))
    # serving.json is of the schema with no rows: read, and nothing to show
    assert skipped == ["half_written.json", "regressions_before.json", "signal_alexnet.json"]
    assert rows(block) == [
        ["`alexnet` (keras-nets)",
         "train 61.2 img/s, inference 180.4 img/s, MFU 54% of the 3x3 conv peak",
         "float32, batch 64, 227 px, XLA off",
         "x86_64 CPU, 2 cores; 3x3 conv peak 490 GFLOP/s; 2026-11-29", "`train_throughput.json`"],
        ["`vgg_d` (keras-nets)", "train 3.92 img/s", "float32, batch 8, 224 px, XLA on",
         "x86_64 CPU, 2 cores; 3x3 conv peak 490 GFLOP/s; 2026-11-29", "`train_throughput.json`"],
        ["`alexnet` (keras-nets)", "train 9000.0 img/s, 39.10 TFLOP/s, MFU 2% of the published peak",
         "2 GPU(s), mixed_float16, batch 256, XLA on", "NVIDIA H100; 2026-12-01", "`gpu.json`"],
        ["`alexnet_two_tower` (PyTorch peer, torch 2.9.1)",
         "train 4500.0 img/s, 9.80 TFLOP/s, MFU 1% of the published peak",
         "1 GPU(s), autocast_float16, batch 128, XLA off", "NVIDIA H100; 2026-12-01",
         "`gpu.json`"],
        ["`alexnet`: trainer vs bare model",
         "pipelines.train 34.6 img/s, bare model 34.3 img/s (medians of 3): 101%",
         "227 px, batch 64, 16 steps", "not recorded; 2026-11-30", "`trainer_speed.json`"],
        ["decision: lrn: rsqrt form vs pow", "20.0 ms against 27.5 ms, ratio 1.35 (1.20-1.50): "
         "holds", "15 rounds, medians", "Intel Xeon, 2 cores, AVX-512", "`regressions.json`"],
        ["decision: updates, paper recipe: compiled vs Keras' ops",
         "50.0 ms against 49.0 ms, ratio 0.98 (0.90-1.10): does NOT hold", "15 rounds, medians",
         "Intel Xeon, 2 cores, AVX-512", "`regressions.json`"],
        ["AlexNet paper_bias0.1, `alexnet`", "val top-1 accuracy 81.0%, top-5 98.8%",
         "recipe paper_bias0.1, init paper_bias0.1, 99 px, width 1, batch 32, 1,500 steps, "
         "seed 0", "not recorded", "`paper_recipe.json`"],
        ["on a named host, `vgg_a`", "val top-1 accuracy 52.5%", "", "8-core box",
         "`paper_recipe.json`"],
        ["alexnet: two towers beat one (AlexNet 3.2)",
         "two towers 64.5% ± 2.9 (3 seeds) vs one tower 57.4% ± 2.1 (3 seeds): reproduced "
         "(z = 3.4)", "AlexNet at 67px input, 1,200 steps, batch 32", "not recorded",
         "`alexnet.json`"],
        ["D from a trained A beats D from Glorot (VGG 3.1)",
         "D from A 39.3% ± 9.2 (3 seeds) vs D Glorot 10.7% ± 0.1 (3 seeds): reproduced "
         "(z = 5.4)", "`vgg_d`, 32 px, width 0.25, 500 steps, batch 32", "not recorded",
         "`vgg_d_init_from_a.json`"],
    ]


def test_files_of_another_layout_are_named_on_stderr(results, capsys):
    assert report.main(["--results", str(results)]) == 0
    out, err = capsys.readouterr()
    assert err == (f"skipped (not of {results_schema.SCHEMA}): half_written.json, "
                   "regressions_before.json, signal_alexnet.json\n")
    assert out.splitlines()[:2] == report.HEADER.splitlines()
    assert "`regressions.json`" in out and "`regressions_before.json`" not in out


def test_write_replaces_only_the_marked_block(results, tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\nbefore\n{report.BEGIN}\n| old | table |\n{report.END}\nafter\n")
    assert report.main(["--results", str(results), "--check", str(readme)]) == 1
    assert report.main(["--results", str(results), "--write", str(readme)]) == 0
    text = readme.read_text()
    block, _ = report.table(str(results))
    assert text == f"# title\n\nbefore\n{report.BEGIN}\n{block}\n{report.END}\nafter\n"
    assert "| old | table |" not in text
    assert report.main(["--results", str(results), "--check", str(readme)]) == 0


def test_a_file_without_the_markers_is_refused(results, tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("# no markers\n")
    with pytest.raises(SystemExit) as stop:
        report.main(["--results", str(results), "--write", str(readme)])
    assert stop.value.code == 2
    assert "results:begin" in capsys.readouterr().err
    assert readme.read_text() == "# no markers\n"


def test_report_imports_no_tensorflow():
    code = ("import sys, benchmarks.report; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT)
    assert out.stdout.strip() == "[]"


README = os.path.join(ROOT, "README.md")


def test_the_readme_table_is_the_results_one_and_the_readme_stays_short(capsys):
    """The README's results table is generated (python -m benchmarks.report --write README.md),
    never typed in; the README stays a user's page (issue 22: at most 300 lines)."""
    assert report.main(["--results", os.path.join(ROOT, "benchmarks", "results"),
                        "--check", README]) == 0, capsys.readouterr().err
    with open(README, encoding="utf-8") as f:
        assert len(f.read().splitlines()) <= 300
