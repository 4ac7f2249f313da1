"""The papers' claims the experiments test, and the verdict rule over seeds.

Each claim compares two arms of one experiment (benchmarks.experiments); `verdict` says
"reproduced", "not reproduced" or "inconclusive at this scale" from the per-seed accuracies.
"""

CLAIMS = {
    "kernel-size": [("three 3x3 beat one 7x7 (VGG 2.3)", "three 3x3 (7x7 field)", "7x7"),
                    ("two 3x3 beat one 5x5 (VGG 2.3)", "two 3x3 (5x5 field)", "5x5")],
    "lrn": [("LRN does not help VGG A (VGG 4.1: A-LRN no better)", "A", "A-LRN")],
    "depth": [("deeper is better: D beats A (VGG 4.1)", "D", "A"),
              ("deeper is better: E beats B (VGG 4.1)", "E", "B")],
    "alexnet": [("overlapping pooling helps (AlexNet 3.4)", "two towers, overlapping 3x3/2 pool",
                 "two towers, 2x2/2 pool"),
                ("two towers beat one with half the kernels (AlexNet 3.2)",
                 "two towers, overlapping 3x3/2 pool", "one tower, half the kernels"),
                ("dropout helps (AlexNet 4.2)", "two towers, overlapping 3x3/2 pool",
                 "no dropout"),
                ("PCA lighting helps (AlexNet 4.1)", "two towers, overlapping 3x3/2 pool",
                 "no PCA lighting")],
}


def verdict(better, other, chance):
    """'reproduced' / 'not reproduced' / 'inconclusive at this scale' from per-seed accuracies."""
    import numpy as np
    a, b = np.asarray(better), np.asarray(other)
    if len(a) < 3 or len(b) < 3:
        return "inconclusive at this scale (fewer than 3 seeds)", None
    se = float(np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))) or 1e-9
    best = a if a.mean() >= b.mean() else b
    if best.mean() - chance < 2 * max(best.std(ddof=1) / np.sqrt(len(best)), 1e-9):
        return "inconclusive at this scale (near chance)", 0.0
    z = float((a.mean() - b.mean()) / se)
    if z > 2:
        return "reproduced", z
    if z < -2:
        return "not reproduced", z
    return "inconclusive at this scale", z
