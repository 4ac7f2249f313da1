"""depth (VGG 4.1): deeper is better, D beats A and E beats B.

The lrn experiment's setting (research.experiments.lrn) for VGG A, B, D and E; its A arm is the
same config, so one run serves both experiments.
Command: python -m research.run depth [--local]
"""

from research.experiments.base import Experiment, steps_for
from research.experiments.lrn import SETTING, STEPS, vgg_arm

CLAIMS = (("deeper is better: D beats A (VGG 4.1)", "D", "A"),
          ("deeper is better: E beats B (VGG 4.1)", "E", "B"))


def config(local: bool = False) -> Experiment:
    arms = {c: vgg_arm(f"vgg_{c.lower()}", local) for c in ("A", "D", "B", "E")}
    return Experiment("depth", SETTING, arms, CLAIMS, steps_for(STEPS, local),
                      "python -m research.run depth", local)
