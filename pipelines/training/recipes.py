"""The recipes as data: what the papers specify, and the demo that learns on a laptop.

`PAPER[family]` is the published one (AlexNet section 5, VGG section 3.1); `DEMO[family]` is
written as the paper recipe with named overrides, so the difference between the two reads at a
glance; `recipe_for` picks a model's entry. Command-line flags override fields with
`dataclasses.replace` (pipelines.train); a Recipe checks its own fields when made.
"""

import dataclasses

from keras_nets.initializers import INITS
from keras_nets.normalization import NORMALIZATIONS
from pipelines.training.checks import ConfigError, at_least, one_of
from pipelines.training.options import option

OPTIMIZERS = ("sgd", "adam")  # pipelines.training.optimizer
SCHEDULES = ("plateau", "cosine", "finetune")  # pipelines.training.schedule


@dataclasses.dataclass(frozen=True)
class Recipe:
    name: str
    batch_size: int = option(help="global batch size")  # over every replica and worker
    learning_rate: float = option()
    epochs: int = option()
    # A dataset with fewer images than the recipe was made for gets longer epochs (more than one
    # pass over its images each), so that the run still takes at least min_steps steps (the step
    # budget the recipe was tuned with) in the recipe's number of epochs: a folder of 60 images
    # does not validate and checkpoint 1,750 times. It applies only when neither --epochs nor
    # --steps is given. None: one pass per epoch.
    min_steps: int | None = None
    optimizer: str = "sgd"  # "sgd" (momentum 0.9, weight decay in the objective) or "adam"
    # "plateau" (divide by 10 when val error stalls), "cosine", or "finetune" (learning_rate for
    # the head_epochs, then finetune_learning_rate decaying to 0 along a cosine)
    schedule: str = "plateau"
    init: str = option(  # keras_nets.initializers: "paper" (N(0, 0.01)), "he", "glorot"
        "paper", choices=INITS, help="weight initialisation (the recipe's: AlexNet and VGG A "
                                     "paper, VGG B..E glorot, demo he)")
    weight_decay: float = 5e-4
    warmup_steps: int = 0
    plateau_patience: int = 2  # epochs without improvement before lr / 10
    max_lr_drops: int = 3
    input_size: int | None = option(None)  # None: the model's paper size (227 AlexNet, 224 VGG)
    # VGG training scale S (jittered when min < max)
    scale_min: int = option(256, help="VGG training scale S_min (the recipe's: paper 256)")
    scale_max: int = option(
        512, help="VGG training scale S_max (= S_min: fixed S; the recipe's: paper 512)")
    # keras_nets.normalization.NORMALIZATIONS: both papers subtract the mean RGB on the 0-255
    # scale and nothing else (AlexNet section 2, VGG section 2.1). Saved with the model.
    normalization: str | None = option(  # None: the pretrained weights' (finetune)
        "mean_rgb", choices=tuple(NORMALIZATIONS),
        help="input normalisation (the recipe's: paper mean_rgb, demo standardize); saved with "
             "the model, used by evaluate and the export")
    lighting: bool = option(True, help="PCA lighting / RGB colour shift in training (AlexNet "
                                       "4.1, VGG 3.1; the recipe's: on)")
    flip: bool = option(True, flag="--no-flip", action="store_false",
                        help="no random mirror in training (the papers' flip is wrong for digits, "
                             "text and many medical or satellite images)")
    dropout: float = option(0.5, help="on FC6 and FC7 (the recipe's: 0.5, both papers)")
    # The embedded dataset's sizes (None: the builder's default).
    num_train: int | None = option(
        None, flag="--shapes-train",
        help="embedded dataset: training images (default: the recipe's)")
    num_validation: int | None = option(None, flag="--shapes-validation")
    # Embedded dataset: the scenes' shorter side range (None: the builder's 128-320 scene pixels)
    # and the resolution they are rendered at (None: one pixel per scene pixel). The demo renders
    # the same scenes with their shorter side at the scale it trains at, so that no time goes
    # into pixels it shrinks away (pipelines.data.shapes.drawing.render).
    shapes_min_side: int | None = None
    shapes_max_side: int | None = None
    shapes_side: int | None = None
    # Fine-tuning from pretrained weights (--weights): the first head_epochs train only the layers
    # that got no pretrained weights (the new head), then every layer at finetune_learning_rate.
    # None (not 0) when unused: a config.json written before these fields compares equal.
    head_epochs: int | None = option(
        None, help="finetune: epochs that train only the new head before every layer learns "
                   "(the recipe's: 2)")
    finetune_learning_rate: float | None = None
    # VGG 3.1: train this shallower net first (its own recipe of the same name) and start from
    # its first four conv and three FC layers (pipelines.training.grow). None: from the init.
    grow_from: str | None = None
    # --epochs of a grown run applies to both stages (a short trial stays short): the shallower
    # net's epochs. None: its own recipe's budget.
    grow_epochs: int | None = None

    def __post_init__(self) -> None:
        at_least(self, 1, "batch_size", "epochs", "scale_min", "scale_max")
        at_least(self, 1, "min_steps", "input_size", "num_train", "num_validation",
                  "shapes_min_side", "shapes_max_side", "shapes_side", "grow_epochs",
                  optional=True)
        at_least(self, 0, "weight_decay", "warmup_steps", "plateau_patience", "max_lr_drops")
        at_least(self, 0, "head_epochs", optional=True)
        if not self.learning_rate > 0:
            raise ConfigError("learning_rate", "must be > 0")
        if self.finetune_learning_rate is not None and not self.finetune_learning_rate > 0:
            raise ConfigError("finetune_learning_rate", "must be > 0")
        if not 0 <= self.dropout < 1:
            raise ConfigError("dropout", "must be in [0, 1)")
        if self.scale_min > self.scale_max:
            raise ConfigError("scale_min", f"must be <= the largest training scale S_max "
                                           f"({self.scale_min} > {self.scale_max}; equal: a "
                                           f"fixed S); give both bounds")
        one_of(self, "optimizer", OPTIMIZERS)
        one_of(self, "schedule", SCHEDULES)
        one_of(self, "init", INITS)
        if self.normalization is not None:
            one_of(self, "normalization", tuple(NORMALIZATIONS))

    def for_data(self, embedded: bool, pass_steps: int,
                 steps_given: bool = False) -> tuple["Recipe", int]:
        """(recipe, steps per epoch) of this recipe on a dataset of pass_steps steps per pass:
        the embedded dataset's sizes only on the embedded dataset (a folder run records nothing
        of it), and epochs long enough for min_steps unless the steps per epoch were given
        (then pass_steps is what was given)."""
        recipe = self
        if not embedded:
            recipe = dataclasses.replace(recipe, num_train=None, num_validation=None,
                                         shapes_min_side=None, shapes_max_side=None,
                                         shapes_side=None)
        steps = pass_steps
        if recipe.min_steps and not steps_given:
            steps = max(pass_steps, -(-recipe.min_steps // recipe.epochs))
        return recipe, steps

    @property
    def dataset_sizes(self) -> dict[str, int] | None:
        sizes = dict(num_train=self.num_train, num_validation=self.num_validation,
                     min_side=self.shapes_min_side, max_side=self.shapes_max_side,
                     side=self.shapes_side)
        return {k: v for k, v in sizes.items() if v is not None} or None


PAPER = {
    # AlexNet section 5: batch 128, SGD momentum 0.9, weight decay 5e-4, lr 0.01 divided by 10
    # when the validation error stops improving (three times), about 90 epochs, N(0, 0.01),
    # biases 1 in conv2/4/5 and the hidden FC layers.
    "alexnet": Recipe("paper", batch_size=128, learning_rate=0.01, epochs=90),
    # VGG section 3.1: batch 256, the same optimizer, 74 epochs, S jittered in [256, 512]; A from
    # N(0, 0.01), the deeper nets from Glorot (the authors' later finding, kept for B..E).
    "vgg": Recipe("paper", batch_size=256, learning_rate=0.01, epochs=74, init="glorot"),
}

DEMO = {
    # Learns the embedded dataset from scratch on a laptop CPU in minutes (docs/training.md).
    "alexnet": dataclasses.replace(
        PAPER["alexnet"], name="demo", init="he", optimizer="adam",
        schedule="cosine", warmup_steps=100, weight_decay=0.0, batch_size=32, epochs=7,
        min_steps=1750, learning_rate=5e-4, normalization="standardize", input_size=67,
        num_train=8000, num_validation=400, shapes_side=76),
    # VGG without dropout at 32 px: with FC dropout 0.5 (VGG 3.1) VGG A sat at chance through
    # its first 250-400 steps at 64 px whatever the init or optimizer; without it, it moved. 32 px:
    # a quarter of the FLOPs. A fixed S of 36 (VGG 3.1's single-scale training, the crop 0.89 of
    # the image as 224 of 256): S jittered in [36, 48] cut the drawn object out of many crops.
    # 4,500 steps: the loss still fell steeply at 1,500 (docs/training.md, "The default run of
    # each model").
    "vgg": dataclasses.replace(
        PAPER["vgg"], name="demo", init="he", optimizer="adam", learning_rate=3e-4,
        schedule="cosine", warmup_steps=100, weight_decay=0.0, batch_size=16, epochs=9,
        min_steps=4500, normalization="standardize", dropout=0.0,
        input_size=32, scale_min=36, scale_max=36, num_train=8000, num_validation=400),
}
# A model's own entry beside its family's (recipe_for): the two deepest VGGs grow from a trained
# A, VGG 3.1's own way (pipelines.training.grow: A's default run first, in the run directory),
# then as many steps as A's at a third of the rate: D from A at 3e-4 fell to chance when the rate
# stayed high for longer, from He init at 3e-4 E sat at chance, and 1,500 steps at 1e-4 left D at
# 65% and still rising (docs/training.md).
DEMO.update({model: dataclasses.replace(DEMO["vgg"], learning_rate=1e-4, grow_from="vgg_a")
             for model in ("vgg_d", "vgg_e")})

# The paper's recipe kept exact, plus the smallest faithful change that makes it learn on the
# embedded dataset at reduced size (docs/training.md, "Recipes"): AlexNet's
# positive biases 0.1 instead of 1 (Caffe's bvlc_alexnet value). At step 0 of the exact recipe the
# input-dependent part of conv4..fc7 is a few percent of the constant bias of 1, every image gets
# the same output, the first SGD steps blow the loss up and fc7's ReLUs die.
PAPER_BIAS01 = {
    "alexnet": dataclasses.replace(PAPER["alexnet"], name="paper_bias0.1", init="paper_bias0.1"),
    "vgg": dataclasses.replace(PAPER["vgg"], name="paper_bias0.1"),  # = paper: VGG's biases are 0
}

# Fine-tuning pretrained weights on a folder's classes (--weights imagenet|PATH), the usual
# Keras transfer-learning practice: the new head alone first (the pretrained layers' gradients
# masked, so a random head's large gradients do not wreck them), then every layer at a tenth of
# the rate. SGD with momentum: it has no per-variable step count, so the body's first updates
# after the head phase are ordinary ones (Adam's bias correction runs on the optimizer's global
# step and would scale them up about 3x). normalization None: the weights' own
# (keras_nets.convert.NORMALIZATION), filled in by pipelines.train. No PCA lighting: the
# pretrained bvlc_alexnet and VGG weights were not trained with it (Caffe's models/bvlc_alexnet
# readme: "not training with the relighting data-augmentation").
FINETUNE = {
    family: dataclasses.replace(
        PAPER[family], name="finetune", batch_size=32, learning_rate=0.01, epochs=10,
        schedule="finetune", head_epochs=2, finetune_learning_rate=0.001, init="glorot",
        normalization=None, lighting=False)
    for family in ("alexnet", "vgg")
}

RECIPES = {"paper": PAPER, "demo": DEMO, "paper_bias0.1": PAPER_BIAS01, "finetune": FINETUNE}


def recipe_for(name: str, recipes: str, model: str | None = None) -> Recipe:
    """The recipe `name` ("paper", "paper_bias0.1", "demo", "finetune") of a model: the table's
    entry for the model itself (e.g. DEMO["vgg_e"]) if it has one, else that of its recipe table
    key (its registry entry's keras_nets.ModelSpec.recipes, e.g. "vgg")."""
    table = RECIPES[name]
    return table.get(model) or table[recipes]
