"""benchmarks.own_folder writes real images (scikit-learn's digits) in the image-folder layout
that pipelines.data.folders reads."""

from benchmarks import own_folder
from benchmarks.own_folder import VALIDATION, write_digits
from cli import exit_2_error
from pipelines.data.folders import scan_folder


def test_the_digits_become_an_image_folder_of_ten_classes(tmp_path):
    train, validation = write_digits(str(tmp_path))
    assert (train, validation) == (1797 - VALIDATION, VALIDATION)
    paths, labels, classes, problems = scan_folder(str(tmp_path), "validation")
    assert classes == [str(d) for d in range(10)] and not problems
    assert len(paths) == VALIDATION and sorted(set(labels)) == list(range(10))
    again = tmp_path / "again"
    write_digits(str(again))  # the same seeded split, file for file
    assert sorted(p.name for p in (again / "validation" / "3").iterdir()) == \
        sorted(p.name for p in (tmp_path / "validation" / "3").iterdir())


def test_seeds_that_are_not_integers_are_one_line(tmp_path, capsys):
    line = exit_2_error(own_folder.main, ["--folder", str(tmp_path / "digits"), "--seeds",
                                          "0,one"], capsys)
    assert "--seeds" in line and not (tmp_path / "digits").exists()  # nothing written
