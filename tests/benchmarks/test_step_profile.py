"""benchmarks.step_profile: ops matched to their layers by name scope, a small profiled run's
report, and its argument errors."""

import re

import pytest

from benchmarks import step_profile
from cli import exit_2_error

LAYERS = {"conv2_tower1", "conv2_tower0", "fc6", "block1_conv1"}


@pytest.mark.parametrize("op, layer", [
    ("gradient_tape/alexnet_1/conv2_tower1_1/convolution/Conv2DBackpropFilter", "conv2_tower1"),
    ("alexnet/conv2_tower0/Relu", "conv2_tower0"),
    ("alexnet_1/fc6_1/Relu", "fc6"),
    ("vgg_a_1/block1_conv1_1/convolution", "block1_conv1"),
    ("multiply_subtract_fusion", None),  # an XLA kernel of the compiled updates
    ("alexnet_1/fc6_1", None),  # the last part is the op itself, not a scope
])
def test_ops_are_matched_to_their_layer_by_scope(op, layer):
    assert step_profile.layer_of(op, LAYERS) == layer


def test_a_small_profiled_step_is_broken_down_by_layer(capsys):
    assert step_profile.main(["--batch", "2", "--input-size", "67", "--steps", "1"]) == 0
    out = capsys.readouterr().out
    shares = [float(share) for share in re.findall(r" ms +([\d.]+)%$", out, re.M)]
    assert sum(shares) == pytest.approx(100, abs=0.5)
    kinds = re.findall(r"^  (\S+)", out, re.M)
    assert {"Conv2D", "LocalResponseNormalization", "Dense"} <= set(kinds)
    rows = re.findall(r"^(conv\d|fc\d) +([\d.]+) +([\d.]+) +([\d.]+) +([\d.]+)$", out, re.M)
    assert [row[0] for row in rows] == ["conv1", "conv2", "conv3", "conv4", "conv5",
                                        "fc6", "fc7", "fc8"]
    assert all(float(value) > 0 for row in rows for value in row[1:])


@pytest.mark.parametrize("argv", [["--model", "resnet"], ["--steps", "0"], ["--batch", "0"]])
def test_bad_arguments_exit_2(argv, capsys):
    exit_2_error(step_profile.main, argv, capsys)
