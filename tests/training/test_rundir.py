"""pipelines.training.rundir: what a relaunch may and may not change, for old run directories
too (a config.json written before a field existed)."""

import json

import pytest

from pipelines.training import rundir


def resolved(**changes):
    base = dict(model="alexnet", width=1.0, fc_units=4096, dataset="shapes", steps_per_epoch=6,
                model_options={"filters": (48, 128, 192, 192, 256)}, weights=None,
                recipe=dict(name="demo", batch_size=32))
    return dict(base, **changes)


def test_an_older_config_without_fc_units_means_the_papers_4096(tmp_path):
    old = resolved()
    del old["fc_units"]
    (tmp_path / "config.json").write_text(json.dumps(old))
    rundir.check_same_run(str(tmp_path), resolved())  # the same run: continues
    with pytest.raises(rundir.ConfigMismatch, match="fc_units=4096"):
        rundir.check_same_run(str(tmp_path), resolved(fc_units=256))


def test_every_fixed_field_and_the_recipe_are_compared(tmp_path):
    rundir.write_config(str(tmp_path), resolved())
    rundir.check_same_run(str(tmp_path), resolved())
    for change in (dict(model="vgg_a"), dict(width=0.5), dict(fc_units=256),
                   dict(dataset="tfds:imagenet2012"), dict(steps_per_epoch=7),
                   dict(model_options={"lrn": False}), dict(weights="bvlc_alexnet.caffemodel"),
                   dict(recipe=dict(name="demo", batch_size=64))):
        field = next(iter(change))
        with pytest.raises(rundir.ConfigMismatch, match=field):
            rundir.check_same_run(str(tmp_path), resolved(**change))
    assert rundir.check_same_run(str(tmp_path / "fresh"), resolved(model="vgg_a")) is None
