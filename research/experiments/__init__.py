"""One config per experiment, in the spirit of big_vision's configs: each module's
`config(local=False)` returns a research.experiments.base.Experiment whose arms are
pipelines.training RunConfigs; local=True shrinks every arm to a run of seconds (a check that
the experiment runs, not a result)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from research.experiments.base import Experiment

NAMES = ("kernel-size", "kernel-size-digits", "lrn", "depth", "alexnet")


def config(name: str, local: bool = False) -> Experiment:
    """The Experiment `name` (one of NAMES)."""
    if name not in NAMES:
        raise ValueError(f"unknown experiment {name!r}; choose from {', '.join(NAMES)}")
    return importlib.import_module(f"research.experiments.{name.replace('-', '_')}").config(local)
