"""lrn (VGG 4.1): A-LRN is no better than A.

VGG A and A-LRN at width 1/4 (16-32-64-128-128 channels), FC 256, 32 px crops at a fixed
S = 36 (VGG 3.1's single-scale training), the papers' `mean_rgb` inputs (0-255, where the LRN's
constants mean something), Glorot init, the paper recipe's SGD (momentum 0.9, weight decay 5e-4
in the objective), lr 0.01 with warm-up and cosine decay.
Command: python -m research.run lrn [--local]
"""

from pipelines.training.config import PAPER, RunConfig
from research.experiments.base import Experiment, arm, recipe, steps_for

STEPS = 300
CLAIMS = (("LRN does not help VGG A (VGG 4.1: A-LRN no better)", "A", "A-LRN"),)
SETTING = "VGG at width 1/4, FC 256, 32 px, S fixed at 36, mean_rgb, Glorot, SGD lr 0.01"


def vgg_arm(model: str, local: bool) -> RunConfig:
    """The VGG arm shared with the depth experiment (the same config: one run serves both)."""
    steps = steps_for(STEPS, local)
    return arm(model, recipe(PAPER["vgg"], 32, steps, local, learning_rate=0.01), steps,
               width=0.25, fc_units=256)


def config(local: bool = False) -> Experiment:
    return Experiment("lrn", SETTING, {"A": vgg_arm("vgg_a", local),
                                       "A-LRN": vgg_arm("vgg_a_lrn", local)},
                      CLAIMS, steps_for(STEPS, local), "python -m research.run lrn", local)
