"""kernel-size (VGG 2.3): a stack of 3x3 convs against one larger kernel of the same field.

The small CNN of research.small_cnn at width 1/2 (16-32-64 channels), each stage one 5x5 or 7x7
conv, or two or three 3x3 convs; 32 px crops at a fixed S = 36 (VGG 3.1's single-scale
training, as the depth experiment), `standardize`, He init, no dropout, Adam 1e-3 (the demo
recipe's optimizer: this net has no FC layers to which the papers' SGD settings refer), no
weight decay, 3,000 steps of 32 in 5 epochs (a curve per arm). At 150 steps, with S jittered in
[36, 48] and dropout 0.5, every arm ended at 12-17% (chance 10%).
Command: python -m research.run kernel-size [--local]
"""

import research.small_cnn  # noqa: F401  registers "small_cnn"
from pipelines.training.recipes import DEMO
from research.experiments.base import Experiment, arm, recipe, steps_for

STEPS = 3000
CLAIMS = (("three 3x3 beat one 7x7 (VGG 2.3)", "three 3x3 (7x7 field)", "7x7"),
          ("two 3x3 beat one 5x5 (VGG 2.3)", "two 3x3 (5x5 field)", "5x5"))
STACKS = {"three 3x3 (7x7 field)": [[3, 3, 3]] * 3, "7x7": [[7]] * 3,
          "two 3x3 (5x5 field)": [[3, 3]] * 3, "5x5": [[5]] * 3}


def config(local: bool = False) -> Experiment:
    steps = steps_for(STEPS, local)
    r = recipe(DEMO["vgg"], 32, steps, local, learning_rate=1e-3)
    return Experiment(
        "kernel-size", "small CNN (3 stages: 16, 32, 64 channels), 32 px, S fixed at 36, "
        "no dropout, Adam 1e-3, 3,000 steps",
        {label: arm("small_cnn", r, steps, width=0.5, stacks=stacks)
         for label, stacks in STACKS.items()},
        CLAIMS, steps, "python -m research.run kernel-size", local)
