"""lrn (VGG 4.1): A-LRN is no better than A.

VGG A and A-LRN at width 1/4 (16-32-64-128-128 channels), FC 256, 32 px crops at a fixed
S = 36 (VGG 3.1's single-scale training), the papers' `mean_rgb` inputs (0-255 less the mean,
where the LRN's constants k = 2, alpha = 1e-4 act on activations of the size they were chosen
for; on `standardize`d inputs the denominator is about k^beta, a constant), Glorot init (VGG
3.1's later finding), no dropout, Adam 1e-4 with a warm-up and cosine decay, 3,000 steps of 32
in 5 epochs. The papers' SGD at lr 0.01 left A at 12% after 300 steps, and Adam 3e-4 from He
init on these 0-255 inputs started at a loss of 7.9 and ended at 30%.
Command: python -m research.run lrn [--local]
"""

from typing import Any

from pipelines.training.config import RunConfig
from pipelines.training.recipes import DEMO
from research.experiments.base import Experiment, arm, recipe, steps_for

STEPS = 3000
CLAIMS = (("LRN does not help VGG A (VGG 4.1: A-LRN no better)", "A", "A-LRN"),)
SETTING = ("VGG at width 1/4, FC 256, 32 px, S fixed at 36, mean_rgb, Glorot, no dropout, "
           "Adam 1e-4, 3,000 steps")


def vgg_arm(model: str, local: bool, **overrides: Any) -> RunConfig:
    """A VGG arm at width 1/4 and FC 256 on 32 px crops; the recipe is DEMO["vgg"]'s with
    `overrides`."""
    steps = steps_for(STEPS, local)
    return arm(model, recipe(DEMO["vgg"], 32, steps, local, **overrides), steps, width=0.25,
               fc_units=256)


def config(local: bool = False) -> Experiment:
    options = dict(normalization="mean_rgb", init="glorot", learning_rate=1e-4)
    return Experiment("lrn", SETTING, {"A": vgg_arm("vgg_a", local, **options),
                                       "A-LRN": vgg_arm("vgg_a_lrn", local, **options)},
                      CLAIMS, steps_for(STEPS, local), "python -m research.run lrn", local)
