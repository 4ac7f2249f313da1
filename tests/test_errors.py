"""One error base: what a user can fix (keras_nets.errors.UserError, and an OSError on a path
they named) ends every command with one line and exit code 2 (pipelines.cli.user_errors); any
other exception is a bug and keeps its traceback."""

import pytest

from cli import exit_2_error
from keras_nets.convert import WeightsError
from keras_nets.errors import UserError
from pipelines import evaluate, export, plots, predict
from pipelines.cli import user_errors
from pipelines.errors import DamagedFile, MissingFile


def test_the_library_and_the_pipelines_errors_share_one_base():
    for error in (WeightsError, DamagedFile, MissingFile):
        assert issubclass(error, UserError)


@pytest.mark.parametrize("error, line", [
    (MissingFile("runs/x: no such file or directory"), "runs/x: no such file or directory"),
    (WeightsError("w.h5: not an HDF5 file"), "w.h5: not an HDF5 file"),
    (PermissionError(13, "Permission denied", "/out/a.png"), "/out/a.png: Permission denied"),
])
def test_what_a_user_can_fix_is_one_line(error, line, capsys):
    def main(_):
        with user_errors("keras-nets-x"):
            raise error
    assert exit_2_error(main, [], capsys) == f"keras-nets-x: error: {line}"


@pytest.mark.parametrize("bug", [ValueError("a bug"), KeyError("k"), RuntimeError("r")])
def test_a_bug_keeps_its_traceback(bug):
    with pytest.raises(type(bug)):
        with user_errors("keras-nets-x"):
            raise bug


def test_every_command_answers_a_missing_path_in_one_line(tmp_path, capsys):
    missing = str(tmp_path / "no_such_run")
    for main, argv in ((evaluate.main, [missing]), (export.main, [missing]),
                       (predict.main, [missing, "photo.jpg"]),
                       (plots.main, ["filters", missing, str(tmp_path / "f.png")]),
                       (plots.main, ["curves", missing, str(tmp_path / "c.png")])):
        line = exit_2_error(main, argv, capsys)
        assert missing in line, (main.__module__, line)


def test_a_damaged_model_is_one_line_too(tmp_path, capsys):
    damaged = tmp_path / "model.keras"
    damaged.write_bytes(b"PK\x03\x04 not a whole zip file")
    assert str(damaged) in exit_2_error(
        plots.main, ["filters", str(damaged), str(tmp_path / "f.png")], capsys)
    export_dir = tmp_path / "export" / "1"
    export_dir.mkdir(parents=True)
    (export_dir / "saved_model.pb").write_bytes(b"\x00 not a SavedModel")
    line = exit_2_error(predict.main, [str(tmp_path / "export"), "photo.jpg"], capsys)
    assert "cannot load this SavedModel" in line


def test_a_folder_without_kernels_says_so(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    line = exit_2_error(plots.main, ["filters", str(tmp_path / "empty"),
                                     str(tmp_path / "f.png")], capsys)
    assert "no AlexNet conv1 kernels found" in line
