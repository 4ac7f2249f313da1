"""Training recipes: the papers' (AlexNet 5, VGG 3.1) and a demo recipe for the embedded dataset."""

import dataclasses


@dataclasses.dataclass
class Recipe:
    name: str
    batch_size: int
    learning_rate: float
    epochs: int
    optimizer: str  # "sgd" (momentum 0.9, weight decay in the objective) or "adam"
    schedule: str  # "plateau" (divide by 10 when validation error stalls) or "cosine"
    init: str
    weight_decay: float = 5e-4
    warmup_steps: int = 0
    plateau_patience: int = 2
    max_lr_drops: int = 3
    input_size: int | None = None  # None: the model's paper size (227 AlexNet, 224 VGG)
    scale_min: int = 256  # VGG training scale S (jittered when min < max)
    scale_max: int = 512
    lighting: bool = True
    dataset_sizes: dict | None = None  # embedded dataset sizes


def paper_recipe(family):
    """AlexNet paper 5: batch 128, SGD momentum 0.9, wd 5e-4, lr 0.01 / 10 on plateau (3 times),
    90 epochs, N(0, 0.01) init. VGG paper 3.1: batch 256, the same optimizer, 74 epochs, scale
    jittering S in [256, 512]; A from N(0, 0.01) (Glorot also works, which we keep for B..E)."""
    if family == "alexnet":
        return Recipe("paper", 128, 0.01, 90, "sgd", "plateau", "paper")
    return Recipe("paper", 256, 0.01, 74, "sgd", "plateau", "glorot")


def demo_recipe(family):
    """Learns the embedded dataset from scratch on a laptop CPU in minutes (see README): He init,
    unit-scale inputs, Adam with warm-up and cosine decay, a reduced input size, more images."""
    if family == "alexnet":
        return Recipe("demo", 32, 3e-4, 14, "adam", "cosine", "he", weight_decay=0.0,
                      warmup_steps=150, input_size=131, lighting=True,
                      dataset_sizes=dict(num_train=4000, num_validation=400))
    return Recipe("demo", 16, 1e-4, 6, "adam", "cosine", "he", weight_decay=0.0,
                  warmup_steps=100, input_size=64, scale_min=72, scale_max=96,
                  dataset_sizes=dict(num_train=4000, num_validation=400))


RECIPES = {"paper": paper_recipe, "demo": demo_recipe}
