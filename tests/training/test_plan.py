"""A run's config checked where it is made and resolved once (pipelines.training.plan)."""

import dataclasses

import pytest
import tensorflow as tf

from pipelines import train as train_cli
from pipelines.training import plan as plan_module
from pipelines.training.checks import ConfigError
from pipelines.training.config import RunConfig
from pipelines.training.recipes import DEMO, PAPER
from pipelines.training.inputs import dataset_fns

SIZES = dict(num_train=40, num_validation=12, shapes_min_side=40, shapes_max_side=48,
             shapes_side=40)


@pytest.mark.parametrize("field, value", [
    ("batch_size", 0), ("epochs", 0), ("learning_rate", 0.0), ("dropout", 1.0),
    ("input_size", 0), ("optimizer", "rmsprop"), ("schedule", "step"), ("init", "zeros"),
    ("normalization", "unit"), ("head_epochs", -1), ("weight_decay", -1e-4)])
def test_a_recipe_checks_its_own_fields(field, value):
    with pytest.raises(ConfigError) as err:
        dataclasses.replace(DEMO["alexnet"], **{field: value})
    assert err.value.field == field


def test_a_training_scale_range_upside_down_names_both_bounds():
    with pytest.raises(ConfigError, match="S_max .* give both"):
        dataclasses.replace(DEMO["vgg"], scale_min=300)


@pytest.mark.parametrize("fields, field", [
    (dict(model="resnet50"), "model"), (dict(width=0.0), "width"), (dict(fc_units=0), "fc_units"),
    (dict(steps_per_epoch=0), "steps_per_epoch"), (dict(strategy="tpu"), "strategy"),
    (dict(precision="int8"), "precision"), (dict(init_from="a.keras"), "init_from"),
    (dict(cpu_devices=2, strategy="one-device"), "cpu_devices"),
    (dict(data_service="nohost"), "data_service"),
    (dict(model="vgg_d", weights="vgg16.h5", init_from="a.keras"), "weights")])
def test_a_run_config_checks_its_own_fields(fields, field):
    with pytest.raises(ConfigError) as err:
        RunConfig.make(DEMO["alexnet"], **fields)
    assert err.value.field == field


def test_research_arms_get_the_same_checks():
    from research.experiments import NAMES, config
    arms = [arm for name in NAMES for arm in config(name, local=True).arms.values()]
    assert arms and all(isinstance(arm, RunConfig) for arm in arms)
    with pytest.raises(ConfigError, match="dropout must be in"):
        dataclasses.replace(arms[0], recipe=dataclasses.replace(arms[0].recipe, dropout=1.5))


@pytest.mark.parametrize("flags, said", [
    (["--steps", "0"], "--steps must be >= 1"),
    (["--learning-rate", "-1"], "--learning-rate must be > 0"),
    (["--dropout", "1"], "--dropout must be in [0, 1)"),
    (["--shapes-train", "0"], "--shapes-train must be >= 1"),
    (["--width", "5"], "--width must be in (0, 4]"),
    (["--recipe", "finetune"], "--recipe finetune fine-tunes pretrained weights")])
def test_the_cli_says_a_config_check_with_its_flag(flags, said, capsys):
    with pytest.raises(SystemExit) as exit:
        train_cli.main(flags)
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") <= 3  # usage, one error line


def test_the_cli_defaults_are_the_configs():
    args = train_cli.parse_args([])[1]
    config = train_cli.run_config(args)
    defaults = RunConfig.make(PAPER["alexnet"], model="alexnet")
    assert config.model == defaults.model and config.data == defaults.data
    assert config.runtime == dataclasses.replace(defaults.runtime, run_dir=config.runtime.run_dir)
    assert config.runtime.run_dir.startswith("runs/alexnet-")


def test_each_split_is_opened_once_per_run(tmp_path, monkeypatch):
    opened = []
    real = plan_module.open_split
    monkeypatch.setattr(plan_module, "open_split",
                        lambda *a, **k: opened.append(a[1]) or real(*a, **k))
    recipe = dataclasses.replace(DEMO["alexnet"], batch_size=8, input_size=32, **SIZES)
    config = RunConfig.make(recipe, model="alexnet", data_dir=str(tmp_path), fc_units=16,
                            width=0.25, precision="float32", run_dir=str(tmp_path / "run"))
    run = plan_module.plan(config, tf.distribute.OneDeviceStrategy("/cpu:0"))
    assert opened == ["train", "validation"]
    assert run.resolved.train_images == 40
    # The demo's step budget in its 7 epochs of 5 steps a pass (Recipe.for_data).
    assert run.config.recipe.epochs == 7 and run.steps_per_epoch == -(-recipe.min_steps // 7)
    assert run.preprocessing.class_names == run.train.class_names
    assert run.written()["steps_per_epoch"] == 250 and run.written()["model"] == "alexnet"
    train_fn, val_fn = dataset_fns(run)
    context = tf.distribute.InputContext()
    images, labels = next(iter(train_fn(context, 0)))
    assert images.shape == (8, 32, 32, 3)
    validation = list(val_fn(context))
    assert sum(int(mask.numpy().sum()) for _, _, mask in validation) == 12
    assert opened == ["train", "validation"]  # the input pipelines read the opened splits


def test_weights_the_cli_resolved_are_not_resolved_again(tmp_path, monkeypatch):
    from keras_nets import convert
    source = convert.WeightSource("caffe", str(tmp_path / "w.caffemodel"), "caffe_bgr", {})
    monkeypatch.setattr(convert, "resolve", lambda *a, **k: pytest.fail("resolved twice"))
    recipe = dataclasses.replace(DEMO["alexnet"], batch_size=8, input_size=32, **SIZES)
    config = RunConfig.make(recipe, model="alexnet", data_dir=str(tmp_path), fc_units=16,
                            width=0.25, precision="float32", run_dir=str(tmp_path / "run"),
                            weights=source.path)
    run = plan_module.plan(config, tf.distribute.OneDeviceStrategy("/cpu:0"), source)
    assert run.weights is source
