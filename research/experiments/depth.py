"""depth (VGG 4.1): deeper is better, D beats A and E beats B.

VGG A, B, D and E at width 1/4 (16-32-64-128-128 channels), FC 256, 32 px crops at a fixed
S = 36, each from random init (VGG 3.1: the deeper nets need no pre-training with a suitable
random init), the demo recipe's `standardize` inputs, He init, no dropout and Adam, at 3e-4 with
a warm-up and cosine decay, 3,000 steps of 32 in 5 epochs. Adam at 1e-3 took A to 90% in 1,500
steps but left E at chance (loss 2.3026 throughout); at 3e-4 E learns.
Command: python -m research.run depth [--local]
"""

from research.experiments.base import Experiment, steps_for
from research.experiments.lrn import STEPS, vgg_arm

CLAIMS = (("deeper is better: D beats A (VGG 4.1)", "D", "A"),
          ("deeper is better: E beats B (VGG 4.1)", "E", "B"))
SETTING = ("VGG at width 1/4, FC 256, 32 px, S fixed at 36, standardize, He, no dropout, "
           "Adam 3e-4, 3,000 steps")


def config(local: bool = False) -> Experiment:
    arms = {c: vgg_arm(f"vgg_{c.lower()}", local, learning_rate=3e-4)
            for c in ("A", "D", "B", "E")}
    return Experiment("depth", SETTING, arms, CLAIMS, steps_for(STEPS, local),
                      "python -m research.run depth", local)
