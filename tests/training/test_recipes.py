"""A recipe meets the data it runs on: the step budget sets the epochs of a small folder, and a
folder run records nothing of the embedded dataset."""

from pipelines.train import parse_args, run_config
from pipelines.training.recipes import DEMO, PAPER


def test_a_small_folder_gets_the_demo_recipes_step_budget():
    demo = DEMO["alexnet"]
    assert demo.for_data(True, 250).epochs == 7  # the embedded 8,000 images: as tuned
    folder = demo.for_data(False, 44)  # 1,437 images of a folder, batch 32
    assert folder.epochs == 40 and folder.epochs * 44 >= demo.min_steps > 39 * 44
    assert (folder.num_train, folder.num_validation, folder.shapes_side) == (None, None, None)
    assert demo.for_data(False, 5000).epochs == 7  # a large folder: never fewer than asked
    assert demo.for_data(False, 44, epochs_given=True).epochs == 7  # --steps given
    assert DEMO["vgg"].for_data(True, 500).epochs == 9  # 8,000 images at batch 16
    assert DEMO["vgg_d"].for_data(True, 500).epochs == 9  # after its first stage, A's run
    assert PAPER["alexnet"].for_data(False, 10).epochs == 90  # no budget: the paper's epochs


def test_epochs_on_the_command_line_switch_the_budget_off():
    asked = run_config(parse_args(["--epochs", "3", "--dataset", "/tmp"])[1]).recipe
    assert asked.min_steps is None and asked.for_data(False, 44).epochs == 3
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
