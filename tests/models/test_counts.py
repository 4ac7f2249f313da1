"""Parameter and MAC counts of every model (full size: the numbers matter)."""

import pytest

from keras_nets import build_alexnet, build_model, count_macs, count_params, summary_rows
from keras_nets.summary import main as summary_main

# MACs as exact integers (often quoted rounded: to 724.3 M two-tower = 665.78 M + 58.62 M,
# 1,135 M one tower, 7.61 / 11.31 / 11.77 / 15.47 / 19.63 G for VGG).
EXPECTED = {
    "alexnet": (60_965_224, 724_406_816),
    "alexnet_one_tower": (62_378_344, 1_135_256_096),
    "vgg_a": (132_863_336, 7_609_090_048),
    "vgg_a_lrn": (132_863_336, 7_609_090_048),
    "vgg_b": (133_047_848, 11_308_466_176),
    "vgg_c": (133_638_952, 11_770_888_192),
    "vgg_d": (138_357_544, 15_470_264_320),
    "vgg_e": (143_667_240, 19_632_062_464),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_params_and_macs(name):
    model = build_model(name)
    params, macs = EXPECTED[name]
    assert count_params(model) == params == model.count_params()
    assert count_macs(model) == macs


def test_spec_rounding_of_macs():
    assert round(count_macs(build_model("vgg_e")) / 1e9, 2) == 19.63
    assert round(count_macs(build_model("alexnet_one_tower")) / 1e6) == 1135


def test_alexnet_conv1_row_and_conv_fc_split():
    rows = {name: (shape, p, m) for name, shape, p, m in summary_rows(build_alexnet())}
    assert rows["conv1"] == ((55, 55, 96), 34_944, 105_415_200)
    conv = sum(m for n, (_, _, m) in rows.items() if n.startswith("conv"))
    fc = sum(m for n, (_, _, m) in rows.items() if n.startswith("fc"))
    assert round(conv / 1e6, 1) == 665.8 and round(fc / 1e6, 1) == 58.6


def test_tower_rows_are_halves():
    rows = {r[0]: r for r in summary_rows(build_alexnet(), merge_towers=False)}
    assert rows["conv1_tower0"][2:] == (17_472, 52_707_600)
    assert rows["conv2_tower1"][1] == (27, 27, 128)


def test_summary_cli(capsys):
    assert summary_main(["alexnet"]) == 0
    out = capsys.readouterr().out
    assert "60,965,224" in out and "724,406,816" in out and "105,415,200" in out


def test_summary_cli_rejects_bad_model(capsys):
    with pytest.raises(SystemExit) as exit_info:
        summary_main(["resnet50"])
    assert exit_info.value.code == 2
    assert "unknown model" in capsys.readouterr().err
