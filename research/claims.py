"""The verdict rule over seeds for a claim that one arm beats another.

"reproduced" when the arm the paper calls better has the higher mean final validation accuracy
by more than two standard errors of the difference over at least 3 seeds, "not reproduced" when
lower by as much, otherwise "inconclusive at this scale" (also when the best arm is not two
standard errors above chance). The claims themselves live with their experiments
(research.experiments).
"""

from collections.abc import Sequence


def verdict(better: Sequence[float], other: Sequence[float],
            chance: float) -> tuple[str, float | None]:
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
