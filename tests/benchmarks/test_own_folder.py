"""benchmarks.own_folder writes real images (scikit-learn's digits) in the image-folder layout
that pipelines.data.folders reads."""

from benchmarks import own_folder
from benchmarks.own_folder import VALIDATION, table_rows, write_digits
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


def test_the_row_gives_the_accuracy_epochs_and_time_and_over_seeds_their_spread():
    data = {"dataset": "scikit-learn digits (8x8 grey scans), image folder", "train_images": 1437,
            "validation_images": 360, "flags": [], "epochs": 40, "val_top1_accuracy": 0.975,
            "best_val_top1_accuracy": 0.9889, "wall_seconds": 300.0, "machine": "AMD EPYC",
            "date": "2026-12-02"}
    [(run, figure, setting, where)] = table_rows(data)
    assert run == "default run on scikit-learn digits (8x8 grey scans), image folder"
    assert figure == ("val top-1 accuracy 97.5% (best epoch 98.9%) after 40 epochs, "
                      "5.0 min in all")
    assert setting == ("`pipelines.train --dataset FOLDER`, other flags: none; 1,437 training, "
                       "360 validation images")
    assert where == "AMD EPYC; 2026-12-02"
    seeds = dict(data, runs=[dict(seed=s, val_top1_accuracy=a, wall_seconds=w)
                             for s, a, w in ((0, 0.989, 330.0), (1, 0.986, 374.0),
                                             (2, 0.983, 326.0))])
    [(_, figure, _, _)] = table_rows(seeds)
    assert figure == ("val top-1 accuracy 98.6% ± 0.3 (3 seeds: 98.9, 98.6, 98.3) after 40 "
                      "epochs, 5.5 min in all (median)")
