"""kernel-size-digits (VGG 2.3) on real handwritten digits: the kernel-size experiment's small
CNN and stacks, trained on scikit-learn's bundled digit scans (1,797 8x8 grey images of 43
people's handwriting, offline; the deck's experiment is on MNIST, which needs a download),
enlarged to 32 px crops so that a 7x7 kernel and a stack of three 3x3 kernels both fit every
stage (32, 16 and 8 px). The folder is written once into research/data/ (benchmarks.own_folder
.write_digits: 1,437 training and 360 validation images, a seeded split).

No mirror (a mirrored digit is another glyph or none), a fixed S = 36 (VGG 3.1's single-scale
training, as the demo recipe), `standardize`, He init, Adam 1e-3 with a cosine decay, batch 32;
12 epochs of 50 steps (about 13 passes over the training images), so that every arm's curve is
in its result. Command: python -m research.run kernel-size-digits [--local]
"""

import dataclasses
import os

import research.small_cnn  # noqa: F401  registers "small_cnn"
from pipelines.training.recipes import DEMO
from research.experiments.base import BATCH, Experiment, arm, steps_for
from research.experiments.kernel_size import CLAIMS, STACKS

FOLDER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data",
                      "sklearn_digits")
STEPS, EPOCHS, LOCAL_EPOCHS = 600, 12, 2
SIZE, SCALE = 32, 36


def prepare() -> None:
    """The digits as an image folder, written once (the same files on every machine)."""
    if not os.path.isdir(os.path.join(FOLDER, "validation")):
        from benchmarks.own_folder import write_digits
        write_digits(FOLDER)


def config(local: bool = False) -> Experiment:
    steps = steps_for(STEPS, local)
    epochs = LOCAL_EPOCHS if local else EPOCHS
    recipe = dataclasses.replace(
        DEMO["vgg"], name="demo+experiment", batch_size=BATCH, epochs=epochs, min_steps=None,
        input_size=SIZE, scale_min=SCALE, scale_max=SCALE, flip=False, learning_rate=1e-3,
        warmup_steps=min(60, steps // 5), num_train=None, num_validation=None)
    arms = {label: arm("small_cnn", recipe, steps, width=0.5, stacks=stacks).replace(
                dataset=FOLDER, steps_per_epoch=steps // epochs)
            for label, stacks in STACKS.items()}
    return Experiment(
        "kernel-size-digits", "small CNN (3 stages: 16, 32, 64 channels) on scikit-learn's "
        "handwritten digits, 32 px crops of S = 36, no mirror, Adam 1e-3, "
        f"{STEPS} steps", arms, CLAIMS, steps,
        "python -m research.run kernel-size-digits", local, prepare=prepare)
