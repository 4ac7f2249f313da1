"""benchmarks.train_throughput: each row's MFU is set against the probe of its own precision
(the probe stubbed with fixed figures, so no timing is checked), and its argument errors."""

import json

import pytest

from benchmarks import results_schema, train_throughput
from cli import exit_2_error

PEAKS = {"float32": 1e11, "bfloat16": 8e11, "float16": 4e11}


def test_each_precision_is_set_against_its_own_probe(monkeypatch, tmp_path):
    monkeypatch.setattr(train_throughput, "peak_flops", lambda calls, dtype="float32": {
        "matmul": PEAKS[dtype] / 2, "conv3x3": PEAKS[dtype]})
    out = tmp_path / "throughput.json"
    assert train_throughput.main(["--models", "alexnet", "--batch", "1", "--steps", "1",
                                  "--xla", "off", "--precisions", "float32,bfloat16",
                                  "--no-peers", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert set(result["peak_flops_by_precision"]) == {"float32", "mixed_bfloat16"}
    assert result["peak_flops"]["conv3x3"] == PEAKS["float32"]
    rows = {row["precision"]: row for row in result["rows"]}
    for policy, precision in (("float32", "float32"), ("mixed_bfloat16", "bfloat16")):
        assert rows[policy]["mfu_conv"] == pytest.approx(
            rows[policy]["train_flops"] / PEAKS[precision])
    table = results_schema.read(str(out))  # the report's rows, one per measured row
    assert [(r.run, r.setting) for r in table] == [
        ("`alexnet` (keras-nets)", "float32, batch 1, 227 px, XLA off"),
        ("`alexnet` (keras-nets)", "mixed_bfloat16, batch 1, 227 px, XLA off")]
    assert all(r.figure.startswith("train ") and r.order == train_throughput.ORDER
               for r in table)


@pytest.mark.parametrize("argv", [["--models", "resnet"], ["--precisions", "float64"]])
def test_bad_arguments_exit_2(argv, capsys):
    exit_2_error(train_throughput.main, argv, capsys)
