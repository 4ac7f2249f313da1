"""research.paper_runs, research.signal_scales' tables and the verdict rule of research.claims
(no training)."""

import json

import pytest

from research.claims import verdict
from research.paper_runs import main


def test_verdict_rule():
    assert verdict([0.5, 0.52, 0.51], [0.3, 0.31, 0.29], 0.1)[0] == "reproduced"
    assert verdict([0.3, 0.31, 0.29], [0.5, 0.52, 0.51], 0.1)[0] == "not reproduced"
    assert verdict([0.5, 0.3, 0.4], [0.45, 0.35, 0.4], 0.1)[0] == "inconclusive at this scale"
    assert verdict([0.1, 0.11, 0.09], [0.1, 0.1, 0.1], 0.1)[0].endswith("(near chance)")
    assert verdict([0.5, 0.52], [0.3, 0.31], 0.1)[0].endswith("(fewer than 3 seeds)")


def fake_run(path, seed, errors, layout="earlier"):
    """A run directory whose config.json has the earlier layout (input size and normalisation
    at the top) or today's (in the recipe and the preprocessing)."""
    path.mkdir()
    recipe = dict(name="paper", init="glorot", batch_size=32, learning_rate=0.01)
    config = dict(model="vgg_a", recipe=recipe, width=0.25, seed=seed, steps_per_epoch=10)
    if layout == "earlier":
        config.update(normalization="mean_rgb", input_size=32)
    else:
        recipe.update(normalization="mean_rgb", input_size=32)
        config.update(preprocessing=dict(input_size=32, normalization="mean_rgb"))
    (path / "config.json").write_text(json.dumps(config))
    (path / "metrics.jsonl").write_text("\n".join(json.dumps(dict(
        epoch=i + 1, loss=2.0, val_top1_error=e, val_top5_error=e / 2, learning_rate=0.01))
        for i, e in enumerate(errors)))
    return str(path)


def test_claim_and_curves_from_run_dirs(tmp_path):
    pytest.importorskip("matplotlib")
    good = [fake_run(tmp_path / f"a{s}", s, [0.8, 0.5 + s / 100], "today") for s in range(3)]
    bad = [fake_run(tmp_path / f"b{s}", s, [0.9, 0.7 + s / 100]) for s in range(3)]
    out = str(tmp_path / "res" / "claim")
    assert main(["claim", out, "--claim", "A beats B", "--better", "A=" + ",".join(good),
                 "--other", "B=" + ",".join(bad)]) == 0
    result = json.loads(open(out + ".json").read())
    assert result["verdict"] == "reproduced"
    assert result["better"]["mean"] == pytest.approx(0.49)
    assert result["other"]["seeds"] == [0, 1, 2]
    assert main(["curves", str(tmp_path / "res" / "c"), f"A={good[0]}", f"B={bad[0]}"]) == 0
    assert (tmp_path / "res" / "c.png").stat().st_size > 1000
    assert main(["curves", str(tmp_path / "res" / "s"), "A=" + ",".join(good)]) == 0
    seeds = json.loads(open(tmp_path / "res" / "s.json").read())
    assert seeds["A"]["seeds"] == [0, 1, 2] and seeds["A"]["mean"] == pytest.approx(0.49)
    assert seeds["A"]["std"] == pytest.approx(0.01) and seeds["machine"]
    from benchmarks.results_schema import read
    (row,) = read(str(tmp_path / "res" / "s.json"))  # the report's row, written with the figures
    assert "49.0% ± 1.0 (3 seeds)" in row.figure and "seeds 0, 1, 2" in row.setting
    assert "32 px" in row.setting  # today's config.json layout read as the earlier one
    (row,) = read(out + ".json")
    assert row.run == "A beats B" and row.figure == ("A 49.0% ± 1.0 (3 seeds) vs B 29.0% ± 1.0 "
                                                     "(3 seeds): reproduced (z = 24.5)")
    assert row.machine == f"{seeds['machine']}; {seeds['date']}"
    with pytest.raises(SystemExit) as info:
        main(["curves", str(tmp_path / "res" / "d"), f"A={tmp_path / 'missing'}"])
    assert info.value.code == 2


def test_signal_scales_tables_see_a_dead_signal_and_a_constant_lrn():
    import numpy as np
    from keras_nets import build_alexnet
    from research.signal_scales import layer_table, lrn_table
    model = build_alexnet(width=0.25, fc_units=16, num_classes=3, input_shape=(67, 67, 3),
                          init="paper")
    images = np.random.default_rng(0).standard_normal((4, 67, 67, 3)).astype("float32")
    rows, output = layer_table(model, images, np.array([0, 1, 2, 0]))
    assert [r["layer"] for r in rows][:2] == ["conv1_tower0", "conv1_tower1"]
    fc7 = next(r for r in rows if r["layer"] == "fc7")
    assert fc7["spread_over_images"] < 0.05 * fc7["mean"]  # biases of 1 swamp the input
    assert output["distinct_predictions"] == 1
    lrn = lrn_table(model, images)
    assert len(lrn) == 4 and all(abs(r["ratio_mean"] - 2 ** -0.75) < 1e-3 for r in lrn)
    lrn_big = lrn_table(model, images * 3000)  # large activations: the LRN acts
    assert lrn_big[0]["ratio_p5"] < 0.5
