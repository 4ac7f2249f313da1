"""benchmarks.serving's arguments and the machine line every benchmark prints (no timing)."""

import os

import pytest

from benchmarks import serving
from benchmarks.train_throughput import cpu_description
from cli import exit_2_error


@pytest.mark.parametrize("argv", [["--rounds", "0"], ["--rounds", "-1"]])
def test_bad_arguments_exit_2(argv, capsys):
    exit_2_error(serving.main, argv, capsys)


def test_machine_line_names_the_cores():
    line = cpu_description()
    assert f"{os.cpu_count()} cores" in line
    assert line.split(",")[0].strip()  # a processor name comes first
