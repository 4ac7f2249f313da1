"""benchmarks.serving's arguments (no timing)."""

import pytest

from benchmarks import serving
from cli import exit_2_error


@pytest.mark.parametrize("argv", [["--rounds", "0"], ["--rounds", "-1"], ["--export", "x"]])
def test_bad_arguments_exit_2(argv, capsys):
    exit_2_error(serving.main, argv, capsys)
