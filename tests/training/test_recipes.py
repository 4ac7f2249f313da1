"""A recipe meets the data it runs on: the step budget sets the length of a small folder's
epochs, and a folder run records nothing of the embedded dataset."""

from pipelines.train import parse_args, run_config
from pipelines.training.config import Resolved, RunConfig
from pipelines.training.metrics import first_screen
from pipelines.training.recipes import DEMO, PAPER


def test_a_small_folder_gets_the_demo_recipes_step_budget_in_its_epochs():
    demo = DEMO["alexnet"]
    assert demo.for_data(True, 250) == (demo, 250)  # the embedded 8,000 images: as tuned
    folder, steps = demo.for_data(False, 44)  # 1,437 images of a folder, batch 32
    # The recipe's 7 epochs, each about 5.7 passes: 1,750 steps, not 40 epochs of 44 steps.
    assert (folder.epochs, steps) == (7, 250) and steps * 7 >= demo.min_steps
    assert (folder.num_train, folder.num_validation, folder.shapes_side) == (None, None, None)
    # 60 images, one step a pass: 7 epochs still (each validated and checkpointed), not 1,750.
    assert demo.for_data(False, 1)[0].epochs == 7 and demo.for_data(False, 1)[1] == 250
    assert demo.for_data(False, 5000)[1] == 5000  # a large folder: one pass, never less
    assert demo.for_data(False, 44, steps_given=True) == (folder, 44)  # --steps given
    assert DEMO["vgg"].for_data(True, 500) == (DEMO["vgg"], 500)  # 8,000 images at batch 16
    assert DEMO["vgg_d"].for_data(True, 500)[1] == 500  # after its first stage, A's run
    paper, steps = PAPER["alexnet"].for_data(False, 10)  # no budget: the paper's epochs
    assert (paper.epochs, steps) == (90, 10)


def test_epochs_on_the_command_line_switch_the_budget_off():
    asked = run_config(parse_args(["--epochs", "3", "--dataset", "/tmp"])[1]).recipe
    fitted, steps = asked.for_data(False, 44)
    assert asked.min_steps is None and (fitted.epochs, steps) == (3, 44)
    assert run_config(parse_args([])[1]).recipe.min_steps == 1750
    no_flip = run_config(parse_args(["--no-flip", "--no-lighting"])[1]).recipe
    assert (no_flip.flip, no_flip.lighting) == (False, False)


def test_a_model_may_have_its_own_entry_in_a_recipe_table():
    rate = lambda *flags: run_config(parse_args(list(flags))[1]).recipe.learning_rate
    assert rate("--model", "vgg_a") == rate("--model", "vgg_c") == DEMO["vgg"].learning_rate
    # VGG D and E (and their aliases) take their own, smaller rate; everything else is VGG's demo
    assert rate("--model", "vgg19") == rate("--model", "vgg_d") == DEMO["vgg_e"].learning_rate
    assert DEMO["vgg_e"].learning_rate < DEMO["vgg"].learning_rate
    assert run_config(parse_args(["--model", "vgg_e"])[1]).recipe.input_size == 32
    assert rate("--model", "vgg_e", "--learning-rate", "0.002") == 0.002  # a flag still wins
    assert rate("--model", "vgg_e", "--recipe", "paper") == PAPER["vgg"].learning_rate


def test_the_first_screen_says_when_an_epoch_is_several_passes():
    preprocessing = dict(input_size=67, class_names=["a", "b"], normalization="standardize")
    config = RunConfig.make(DEMO["alexnet"], model="alexnet", dataset="/tmp/photos")
    small = Resolved(preprocessing=preprocessing, steps_per_epoch=250, train_images=60)
    assert "7 epochs of 250 steps (133 passes over the training images each)," in \
        first_screen(config, small)[1]
    large = Resolved(preprocessing=preprocessing, steps_per_epoch=250, train_images=8000)
    assert "7 epochs of 250 steps, global batch 32" in first_screen(config, large)[1]
