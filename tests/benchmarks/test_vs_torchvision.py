"""benchmarks.vs_torchvision: its per-round ratios, the peer protocol (with a stand-in peer
script, so it runs without torch), and its argument errors (no timing figures checked)."""

import statistics

import pytest

from benchmarks import results_schema, torchvision_peer, vs_torchvision
from cli import exit_2_error

READY_THEN_HALF_SECONDS = """
import sys
print("ready", flush=True)
for _ in sys.stdin:
    print(0.5, flush=True)
"""


def test_a_slow_round_divides_out_of_the_ratio():
    # Round 2 is three times slower for all sides: the img/s scatter, the ratio does not.
    seconds = {"keras-nets": [1.0, 3.0, 1.0], "Keras' update ops": [2.0, 6.0, 2.0],
               "torchvision": [1.2, 3.6, 1.2]}
    rates, ratios = vs_torchvision.summary(seconds, batch=8)
    assert rates["keras-nets"] == 8.0
    assert rates["torchvision"] == pytest.approx(8 / 1.2)
    assert ratios["keras-nets"] == pytest.approx((1.2, 1.2, 1.2))
    assert ratios["Keras' update ops"] == pytest.approx((0.6, 0.6, 0.6))


def test_peer_runs_a_step_per_request(monkeypatch):
    monkeypatch.setattr(torchvision_peer, "TORCH_SCRIPT", READY_THEN_HALF_SECONDS)
    peer = torchvision_peer.TorchPeer("alexnet", 2, 224, 1)
    try:
        assert [peer.step() for _ in range(3)] == [0.5, 0.5, 0.5]
    finally:
        peer.close()
    assert peer.process.returncode == 0  # closing stdin ends it


def test_peer_without_torch_raises_module_not_found(monkeypatch):
    monkeypatch.setattr(torchvision_peer, "TORCH_SCRIPT", "import no_such_module_for_keras_nets")
    with pytest.raises(ModuleNotFoundError, match="torch is not installed"):
        torchvision_peer.TorchPeer("alexnet", 2, 224, 1)


def test_peer_that_dies_mid_run_raises_with_its_error(monkeypatch):
    script = ('import sys\nprint("ready", flush=True)\nsys.stdin.readline()\n'
              'raise SystemExit("out of memory")')
    monkeypatch.setattr(torchvision_peer, "TORCH_SCRIPT", script)
    peer = torchvision_peer.TorchPeer("vgg16", 2, 224, 1)
    with pytest.raises(RuntimeError, match="out of memory"):
        peer.step()


def test_peer_that_died_between_steps_raises(monkeypatch):
    script = ('import sys\nprint("ready", flush=True)\nsys.stdin.readline()\n'
              'print(0.5, flush=True)\nsys.stderr.write("killed by the host")')
    monkeypatch.setattr(torchvision_peer, "TORCH_SCRIPT", script)
    peer = torchvision_peer.TorchPeer("alexnet", 2, 224, 1)
    assert peer.step() == 0.5
    peer.process.wait()
    with pytest.raises(RuntimeError, match="killed by the host"):
        peer.step()


def test_rounds_interleave_keras_steps_with_the_peer(monkeypatch, capsys):
    monkeypatch.setattr(torchvision_peer, "TORCH_SCRIPT", READY_THEN_HALF_SECONDS)
    assert vs_torchvision.main(["--rounds", "2", "--batch", "2"]) == 0
    out = capsys.readouterr().out
    assert out.count("alexnet round ") == 2
    summary = next(line for line in out.splitlines() if "per-round ratio median" in line)
    assert "torchvision 4.00" in summary  # batch 2 in the stand-in's 0.5 s
    assert "training GFLOP/s" in out


def test_without_torch_the_benchmark_exits_2(monkeypatch, capsys):
    monkeypatch.setattr(torchvision_peer, "TORCH_SCRIPT", "import no_such_module_for_keras_nets")
    assert "torch is not installed" in exit_2_error(vs_torchvision.main, ["--rounds", "1"],
                                                    capsys)


def test_without_lrn_times_alexnet_less_its_lrn_in_the_same_rounds(monkeypatch, tmp_path,
                                                                   capsys):
    monkeypatch.setattr(torchvision_peer, "TORCH_SCRIPT", READY_THEN_HALF_SECONDS)
    out = tmp_path / "figures.json"
    assert vs_torchvision.main(["--rounds", "2", "--batch", "2", "--without-lrn",
                                "--json", str(out)]) == 0
    import json
    [result] = json.loads(out.read_text())["results"]
    no_lrn = vs_torchvision.NO_LRN
    # counted in the nets that ran: the paper's two LRN layers per tower, and none
    assert result["lrn_layers"] == {"keras-nets": 4, "Keras' update ops": 4, no_lrn: 0}
    assert len(result["seconds"][no_lrn]) == len(result["seconds"]["torchvision"]) == 2
    assert result["ratio_quartiles"][no_lrn][1] == pytest.approx(
        statistics.median(0.5 / s for s in result["seconds"][no_lrn]))  # the stand-in's 0.5 s
    assert "without its LRN (0 LRN layers, a ceiling" in capsys.readouterr().out
    [row] = results_schema.read(str(out))  # the report's row, made as the figures were written
    assert row.run == "`alexnet` vs torchvision `alexnet`" and row.order == vs_torchvision.ORDER
    assert "; without its LRN (a ceiling for any LRN) " in row.figure


@pytest.mark.parametrize("argv", [["--models", "vgg"], ["--rounds", "0"], ["--batch", "-1"],
                                  ["--models", "vgg_d", "--without-lrn"]])
def test_bad_arguments_exit_2(argv, capsys):
    exit_2_error(vs_torchvision.main, argv, capsys)


def test_the_keras_sides_compute_in_the_precision_asked(monkeypatch, tmp_path):
    # keras.utils.clear_session() resets the global dtype policy: set after it, not before
    monkeypatch.setattr(torchvision_peer, "TORCH_SCRIPT", READY_THEN_HALF_SECONDS)
    out = tmp_path / "bf16.json"
    assert vs_torchvision.main(["--rounds", "1", "--batch", "2", "--precision", "bfloat16",
                                "--json", str(out)]) == 0
    import json

    import keras
    keras.mixed_precision.set_global_policy("float32")  # leave the process as it was
    assert json.loads(out.read_text())["results"][0]["policy"] == "mixed_bfloat16"


PEERS = {
    "machine": "AMD EPYC, 2 cores, AVX2", "conv_probe_flops": 1.71e11, "precision": "float32",
    "xla": False, "rounds": 12, "onednn": "1", "versions": {"torch": "2.14.1"},
    "date": "2026-12-02",
    "results": [{"model": "alexnet", "peer": "alexnet", "batch": 64,
                 "img_per_s": {"keras-nets": 33.63, "Keras' update ops": 33.54,
                               "torchvision": 30.56},
                 "ratio_quartiles": {"keras-nets": [1.09, 1.10, 1.11],
                                     "Keras' update ops": [1.085, 1.094, 1.11]},
                 "mfu": {"keras-nets": 0.853, "torchvision": 0.764}}]}


def test_the_row_names_both_steps_the_settings_and_the_machine():
    assert vs_torchvision.table_rows(PEERS) == [(
        "`alexnet` vs torchvision `alexnet`",
        "trainer's step at 1.10x (1.09-1.11) torchvision's speed, plain Keras step 1.09x "
        "(1.08-1.11); 33.6 and 33.5 against 30.6 img/s; MFU 85% against 76%",
        "float32, batch 64, XLA off, oneDNN on, 12 rounds, medians, torch 2.14.1",
        "AMD EPYC, 2 cores, AVX2; 2026-12-02; 3x3 conv probe 171 GFLOP/s")]


def test_a_run_with_the_ceiling_without_lrn_shows_it_in_the_same_row():
    result = dict(PEERS["results"][0])
    result["img_per_s"] = dict(result["img_per_s"], **{vs_torchvision.NO_LRN: 38.42})
    result["ratio_quartiles"] = dict(result["ratio_quartiles"],
                                     **{vs_torchvision.NO_LRN: [1.2, 1.26, 1.3]})
    [(run, figure, *_)] = vs_torchvision.table_rows(dict(PEERS, results=[result]))
    assert run == "`alexnet` vs torchvision `alexnet`"
    assert figure.endswith("; without its LRN (a ceiling for any LRN) 1.26x (1.20-1.30), "
                           "38.4 img/s")
