"""The console commands pyproject.toml installs (pipelines.cli.SCRIPTS): each is its module's
`python -m`, answers --help, and names itself in a one-line argument error."""

import os
import subprocess
import sys

import pytest

from pipelines.cli import SCRIPTS

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_pyproject_installs_each_command_to_run_its_modules_main():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        scripts = tomllib.load(f)["project"]["scripts"]
    assert scripts == {name: f"{module}:main" for name, module in SCRIPTS.items()}


@pytest.mark.parametrize("name", ["keras-nets-train", "keras-nets-evaluate"])
def test_an_installed_command_answers_help_and_names_itself_in_an_error(name):
    command = os.path.join(os.path.dirname(sys.executable), name)  # the venv's bin
    assert os.path.exists(command), f"{name}: not installed (pip install -e .)"
    shown = subprocess.run([command, "--help"], capture_output=True, text=True, timeout=300)
    assert shown.returncode == 0 and shown.stdout.startswith(f"usage: {name} ")
    bad = subprocess.run([command, "--no-such-flag"], capture_output=True, text=True,
                         timeout=300)
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines()[-1].startswith(f"{name}: error: ")
