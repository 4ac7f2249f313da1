"""A measured structure index of conv1 kernels, per tower, next to the same index at
initialisation (AlexNet section 6.1, Figure 3: one GPU's kernels came out largely colour-agnostic
edges, the other's largely colour blobs).

For each kernel [H, W, 3]:
- low-frequency share: the share of its energy (the squared 2-D DFT over space, summed over the
  colour channels) at spatial frequencies of at most LOW_FREQUENCY_RADIUS cycles per kernel,
  the constant component included. Smooth blobs and edges score high; i.i.d. noise, as every
  initialisation of the project is, scores the share of such frequencies: 13/121 = 0.107 at 11x11.
- colour share: the share of its energy off the grey axis, |k - mean over channels(k)|^2 / |k|^2.
  A colour-agnostic (grey) kernel scores 0, i.i.d. noise 2/3 on average, a pure colour blob up
  to 1.
"""

from collections.abc import Mapping
from typing import Any

import numpy as np

LOW_FREQUENCY_RADIUS = 2.0  # cycles per kernel


def low_frequency_share(kernels: np.ndarray, radius: float = LOW_FREQUENCY_RADIUS) -> np.ndarray:
    """[H, W, C, N] kernels -> [N] share of each kernel's energy at |f| <= radius."""
    k = np.asarray(kernels, np.float64)
    h, w = k.shape[:2]
    power = (np.abs(np.fft.fft2(k, axes=(0, 1))) ** 2).sum(axis=2)  # [H, W, N]
    fy = np.fft.fftfreq(h) * h
    fx = np.fft.fftfreq(w) * w
    low = np.hypot(fy[:, None], fx[None, :]) <= radius
    return power[low].sum(axis=0) / np.maximum(power.sum(axis=(0, 1)), 1e-30)


def colour_share(kernels: np.ndarray) -> np.ndarray:
    """[H, W, C, N] kernels -> [N] share of each kernel's energy off the grey axis."""
    k = np.asarray(kernels, np.float64)
    chroma = k - k.mean(axis=2, keepdims=True)
    return (chroma ** 2).sum(axis=(0, 1, 2)) / np.maximum((k ** 2).sum(axis=(0, 1, 2)), 1e-30)


def summary(kernels: np.ndarray) -> dict[str, tuple[float, float] | int]:
    """{index: (mean, std)} over the kernels of one tower."""
    out = {}
    for name, values in (("low_frequency_share", low_frequency_share(kernels)),
                         ("colour_share", colour_share(kernels))):
        out[name] = (float(values.mean()), float(values.std()))
    out["kernels"] = int(np.asarray(kernels).shape[-1])
    return out


def separation(a: np.ndarray, b: np.ndarray) -> float:
    """|mean(a) - mean(b)| in standard errors of the difference (Welch)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return float(abs(a.mean() - b.mean()) / max(se, 1e-30))


def structure_report(trained: Mapping[str, np.ndarray],
                     initial: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """Per tower: the index of the trained kernels and of the same kernels at initialisation; and
    how far apart the towers' colour shares are (in standard errors), trained vs initial."""
    report = {"towers": {}}
    for name in sorted(trained):
        report["towers"][name] = {"trained": summary(trained[name]),
                                  "initial": summary(initial[name])}
    names = sorted(trained)
    if len(names) == 2:
        for key, kernels in (("trained", trained), ("initial", initial)):
            report[f"colour_separation_{key}"] = separation(
                colour_share(kernels[names[0]]), colour_share(kernels[names[1]]))
    return report


def initial_conv1_kernels(run_dir: str) -> dict[str, np.ndarray]:
    """conv1 kernels exactly as the run in `run_dir` started: the model rebuilt from its
    config.json with the same seed and initialisation (as pipelines.training.run builds it)."""
    import os

    import keras

    from keras_nets import get_spec
    from pipelines.serving.loader import read_json
    config = read_json(os.path.join(run_dir, "config.json"), "run config")
    recipe, preprocessing = config["recipe"], config["preprocessing"]
    keras.utils.set_random_seed(config["seed"])
    model = get_spec(config["model"])(preprocessing["input_size"],
                                      num_classes=len(preprocessing["class_names"]),
                                      init=recipe["init"], dropout=recipe["dropout"],
                                      width=config["width"], fc_units=config["fc_units"],
                                      **config.get("model_options", {}))
    return {l.name: np.asarray(l.kernel) for l in model.layers if l.name.startswith("conv1")
            and hasattr(l, "kernel")}


def iid_like(kernels: Mapping[str, np.ndarray], seed: int = 0) -> dict[str, np.ndarray]:
    """The reference for a model saved without its run: i.i.d. normal kernels of the same shapes
    (the index is scale-free, so any i.i.d. initialisation gives the same expected values)."""
    rng = np.random.default_rng(seed)
    return {n: rng.standard_normal(np.shape(k)) for n, k in kernels.items()}
