"""alexnet (AlexNet 3.2, 3.4, 4.1, 4.2): the two-tower net's ablations.

The two-tower AlexNet at width 1/2, FC 1,024, 67 px crops of images at 76 (AlexNet's protocol:
the central crop, mirror, PCA lighting), `standardize`, He init, Adam 5e-4 for 1,750 steps of 32
in 5 epochs (the demo recipe's rate and step budget, with which the default run learns; at 200
steps of Adam 1e-3 every arm ended at 14-30%). Arms: non-overlapping 2x2/2 pooling; the paper's
one-tower comparison net (3.2, footnote: half the kernels in conv1-4, conv5 and the FC layers as
in two towers); no dropout; no PCA lighting.
Command: python -m research.run alexnet [--local]
"""

import dataclasses

from pipelines.training.recipes import DEMO
from research.experiments.base import Experiment, arm, recipe, steps_for

STEPS = 1750
BASE = "two towers, overlapping 3x3/2 pool"
CLAIMS = (("overlapping pooling helps (AlexNet 3.4)", BASE, "two towers, 2x2/2 pool"),
          ("two towers beat one with half the kernels (AlexNet 3.2)", BASE,
           "one tower, half the kernels"),
          ("dropout helps (AlexNet 4.2)", BASE, "no dropout"),
          ("PCA lighting helps (AlexNet 4.1)", BASE, "no PCA lighting"))


def config(local: bool = False) -> Experiment:
    steps = steps_for(STEPS, local)
    r = recipe(DEMO["alexnet"], 67, steps, local)
    net = dict(width=0.5, fc_units=1024)
    arms = {BASE: arm("alexnet", r, steps, **net),
            "two towers, 2x2/2 pool": arm("alexnet", r, steps, overlapping_pooling=False, **net),
            "one tower, half the kernels": arm("alexnet_one_tower", r, steps,
                                               filters=[48, 128, 192, 192, 256], **net),
            "no dropout": arm("alexnet", dataclasses.replace(r, dropout=0.0), steps, **net),
            "no PCA lighting": arm("alexnet", dataclasses.replace(r, lighting=False), steps,
                                   **net)}
    return Experiment("alexnet", "two-tower AlexNet at width 1/2, FC 1,024, 67 px, Adam 5e-4, "
                      "1,750 steps", arms, CLAIMS, steps, "python -m research.run alexnet", local)
