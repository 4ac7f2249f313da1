"""benchmarks.report's readers of the side-by-side studies: vs_torchvision and precision."""

from benchmarks import report, report_peers

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

PRECISION = {
    "machine": "AMD EPYC, 2 cores, AVX2", "date": "2026-12-02", "setting": "default run",
    "precision_runs": [
        {"precision": "float32", "seed": 0, "val_top1_accuracy": 0.932, "minutes": 8.0},
        {"precision": "float32", "seed": 1, "val_top1_accuracy": 0.912, "minutes": 9.0},
        {"precision": "bfloat16", "seed": 0, "val_top1_accuracy": 0.925, "minutes": 10.0}]}


def test_peer_row_names_both_steps_the_settings_and_the_machine():
    [(run, figure, setting, where)] = report_peers.peer_rows(PEERS)
    assert run == "`alexnet` vs torchvision `alexnet`"
    assert figure == ("trainer's step at 1.10x (1.09-1.11) torchvision's speed, plain Keras step "
                      "1.09x (1.08-1.11); 33.6 and 33.5 against 30.6 img/s; MFU 85% against 76%")
    assert setting == ("float32, batch 64, XLA off, oneDNN on, 12 rounds, medians, "
                       "torch 2.14.1")
    assert where == "AMD EPYC, 2 cores, AVX2; 2026-12-02; 3x3 conv probe 171 GFLOP/s"


def test_a_run_with_the_ceiling_without_lrn_shows_it_in_the_same_row():
    result = dict(PEERS["results"][0])
    result["img_per_s"] = dict(result["img_per_s"], **{report_peers.NO_LRN: 38.42})
    result["ratio_quartiles"] = dict(result["ratio_quartiles"],
                                     **{report_peers.NO_LRN: [1.2, 1.26, 1.3]})
    [(run, figure, *_)] = report_peers.peer_rows(dict(PEERS, results=[result]))
    assert run == "`alexnet` vs torchvision `alexnet`"
    assert figure.endswith("; without its LRN (a ceiling for any LRN) 1.26x (1.20-1.30), "
                           "38.4 img/s")


def test_precision_rows_mean_spread_and_seeds():
    rows = report_peers.precision_rows(PRECISION)
    assert [r[0] for r in rows] == ["default run in bfloat16", "default run in float32"]
    assert rows[0][1] == "val top-1 accuracy 92.5% (1 seed: 92.5), 10.0 min a run"
    assert rows[1][1] == ("val top-1 accuracy 92.2% ± 1.4 (2 seeds: 93.2, 91.2), "
                          "8.5 min a run")


def test_the_report_reads_them_and_other_layouts_are_not_mistaken_for_them(tmp_path):
    import json
    (tmp_path / "peers.json").write_text(json.dumps(PEERS))
    (tmp_path / "precision.json").write_text(json.dumps(PRECISION))
    (tmp_path / "other.json").write_text(json.dumps({"results": [{"check": "x"}]}))
    found, skipped = report.collect(str(tmp_path))
    assert [name for _, name, _ in found] == ["peers.json", "precision.json", "precision.json"]
    assert skipped == ["other.json"]


def test_own_folder_row():
    data = {"dataset": "scikit-learn digits (8x8 grey scans), image folder", "train_images": 1437,
            "validation_images": 360, "flags": [], "epochs": 40, "val_top1_accuracy": 0.975,
            "best_val_top1_accuracy": 0.9889, "wall_seconds": 300.0, "machine": "AMD EPYC",
            "date": "2026-12-02"}
    [(run, figure, setting, where)] = report_peers.own_folder_rows(data)
    assert run == "default run on scikit-learn digits (8x8 grey scans), image folder"
    assert figure == ("val top-1 accuracy 97.5% (best epoch 98.9%) after 40 epochs, "
                      "5.0 min in all")
    assert setting == ("`pipelines.train --dataset FOLDER`, other flags: none; 1,437 training, "
                       "360 validation images")
    assert where == "AMD EPYC; 2026-12-02"
    assert report_peers.own_folder_rows(PEERS) is None
    seeds = dict(data, runs=[dict(seed=s, val_top1_accuracy=a, wall_seconds=w)
                             for s, a, w in ((0, 0.989, 330.0), (1, 0.986, 374.0),
                                             (2, 0.983, 326.0))])
    [(_, figure, _, _)] = report_peers.own_folder_rows(seeds)
    assert figure == ("val top-1 accuracy 98.6% ± 0.3 (3 seeds: 98.9, 98.6, 98.3) after 40 "
                      "epochs, 5.5 min in all (median)")


DEFAULT_RUNS = {
    "machine": "AMD EPYC, 2 cores, AVX2", "date": "2026-12-03", "flags": [],
    "runs": [{"model": "alexnet", "recipe": "demo", "epochs": 7, "steps": 1750, "batch_size": 32,
              "input_size": 67, "val_top1_accuracy": 0.9325, "val_top5_accuracy": 0.995,
              "best_val_top1_accuracy": 0.94, "wall_seconds": 372.0, "resumed": False},
             {"model": "vgg_a", "recipe": "demo", "epochs": 6, "steps": 1500, "batch_size": 16,
              "input_size": 32, "val_top1_accuracy": 0.5, "val_top5_accuracy": 0.9,
              "best_val_top1_accuracy": 0.5, "wall_seconds": 60.0, "resumed": True,
              "precision": "bfloat16"}]}


def test_default_run_rows_one_per_model_and_no_time_for_a_resumed_run():
    rows = report_peers.default_run_rows(DEFAULT_RUNS)
    assert [r[0] for r in rows] == ["`alexnet` default run", "`vgg_a` default run"]
    assert rows[0][1] == ("val top-1 accuracy 93.2%, top-5 99.5% (best epoch 94.0%), "
                          "6.2 min in all")
    assert rows[0][2] == ("`pipelines.train --model alexnet`: recipe demo, 7 epochs, "
                          "1,750 steps of 32, 67 px")
    assert rows[1][1] == "val top-1 accuracy 50.0%, top-5 90.0% (best epoch 50.0%)"
    assert rows[1][2].endswith("1,500 steps of 16, 32 px, bfloat16")  # the precision it ran in
    assert rows[0][3] == "AMD EPYC, 2 cores, AVX2; 2026-12-03"
    assert report_peers.default_run_rows({"runs": [{"model": "x"}]}) is None

