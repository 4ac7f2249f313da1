"""The run config's groups, its flat config.json layout and the flags made from its fields."""

import dataclasses
import json

import pytest

from pipelines import train as train_cli
from pipelines.training import rundir
from pipelines.training.config import GROUPS, KEYS, RunConfig
from pipelines.training.options import flag_of, key_of
from pipelines.training.recipes import DEMO, PAPER, Recipe

# config.json's keys since its first runs (run directories written then must still continue).
WRITTEN_KEYS = {
    "model", "recipe", "width", "model_options", "fc_units", "dataset", "data_dir", "manual_dir",
    "steps_per_epoch", "strategy", "cpu_devices", "precision", "xla", "seed", "deterministic",
    "run_dir", "resume", "checkpoint_every", "steps_per_loop", "init_from", "weights",
    "export_dir", "data_service"}


def test_config_json_keeps_its_flat_layout():
    config = RunConfig.make(DEMO["vgg"], model="vgg_a", seed=3, dataset="/data/photos")
    written = config.to_json()
    assert set(written) == WRITTEN_KEYS
    assert written["model"] == "vgg_a" and written["seed"] == 3
    assert written["dataset"] == "/data/photos" and written["recipe"] == \
        dataclasses.asdict(DEMO["vgg"])
    assert set(rundir.FIXED) <= set(written)


def test_flat_names_reach_their_group():
    config = RunConfig.make(PAPER["alexnet"], model="alexnet_one_tower", width=0.5,
                            dataset="x", steps_per_epoch=4, seed=2, run_dir="r")
    assert (config.model.name, config.model.width) == ("alexnet_one_tower", 0.5)
    assert (config.data.dataset, config.data.steps_per_epoch) == ("x", 4)
    assert (config.runtime.seed, config.runtime.run_dir) == (2, "r")
    changed = config.replace(seed=5, init_from=None, recipe=DEMO["alexnet"])
    assert changed.runtime.seed == 5 and changed.recipe == DEMO["alexnet"]
    assert changed.model == config.model and changed.data == config.data
    with pytest.raises(TypeError, match="no field 'sed'"):
        config.replace(sed=1)
    with pytest.raises(TypeError, match="no field"):
        RunConfig.make(PAPER["alexnet"], epochs=3)  # a recipe field goes in the recipe


def test_each_key_is_one_field_of_one_group():
    keys = [key_of(field) for cls in GROUPS.values() for field in dataclasses.fields(cls)]
    assert len(keys) == len(set(keys)) == len(KEYS)


def _flags(parser):
    return {option: action for action in parser._actions for option in action.option_strings}


def test_every_field_with_an_option_is_a_flag_with_the_fields_default():
    parser = train_cli.parse_args([])[0]
    flags = _flags(parser)
    for cls in GROUPS.values():
        for field in dataclasses.fields(cls):
            if "option" not in field.metadata:
                continue
            action = flags[flag_of(field)]
            assert action.dest == key_of(field), field.name
            if field.name != "run_dir":  # made from the model's name and the time
                assert action.default == field.default, field.name
    for field in dataclasses.fields(Recipe):
        if "option" in field.metadata:  # an override: None is "the recipe's"
            assert flags[flag_of(field)].default is None, field.name


def test_flags_set_their_fields():
    args = train_cli.parse_args([
        "--model", "vgg_a", "--steps", "7", "--shapes-train", "100", "--no-flip",
        "--no-lighting", "--xla", "--seed", "9", "--run-dir", "runs/x", "--width", "0.5"])[1]
    config = train_cli.run_config(args)
    assert (config.model.name, config.model.width, config.data.steps_per_epoch) == \
        ("vgg_a", 0.5, 7)
    assert (config.recipe.num_train, config.recipe.flip, config.recipe.lighting) == \
        (100, False, False)
    assert (config.runtime.xla, config.runtime.seed, config.runtime.run_dir) == \
        (True, 9, "runs/x")
    # A flag not given leaves the recipe's field as the recipe has it.
    assert config.recipe.batch_size == DEMO["vgg"].batch_size
    assert json.loads(json.dumps(config.to_json()))["recipe"]["flip"] is False
