"""benchmarks.serving's arguments and the machine line every benchmark prints (no timing)."""

import os

import pytest

from benchmarks import serving
from benchmarks.train_throughput import cpu_description


@pytest.mark.parametrize("argv", [["--rounds", "0"], ["--rounds", "-1"]])
def test_bad_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        serving.main(argv)
    assert stop.value.code == 2
    assert "error" in capsys.readouterr().err


def test_machine_line_names_the_cores():
    line = cpu_description()
    assert f"{os.cpu_count()} cores" in line
    assert line.split(",")[0].strip()  # a processor name comes first
