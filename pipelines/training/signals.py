"""Stopping on request: SIGTERM/SIGINT on one host, TF's coordinated handler across workers.

A stopped run has written a checkpoint and exits with 128 + the signal's number: 143 for SIGTERM
(the restart code of TF's own failure handling, `failure_handling_util._RESTARTABLE_EXIT_CODE`),
130 for SIGINT, so that a scheduler (Kubernetes Job, Slurm requeue, Vertex AI) restarts it and
the relaunched command continues from the checkpoint.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType
from typing import TYPE_CHECKING, NoReturn

import tensorflow as tf

from pipelines.training.log import line

if TYPE_CHECKING:
    from pipelines.training.checkpoint import Checkpoints

RESTART_EXIT_CODE = 128 + signal.SIGTERM  # 143


def exit_code(signal_name: str) -> int:
    return 128 + signal.Signals[signal_name].value


class StopRequested:
    """SIGTERM/SIGINT set a flag; the loop writes a checkpoint after the current call and exits."""

    def __init__(self) -> None:
        self.signal: str | None = None
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.signal = signal.Signals(signum).name

    def __bool__(self) -> bool:
        return self.signal is not None


def preemption_handler(strategy: tf.distribute.Strategy, checkpoints: Checkpoints
                       ) -> tf.distribute.experimental.PreemptionCheckpointHandler | None:
    """Multi-worker: TF's PreemptionCheckpointHandler, so that one worker's SIGTERM ends in a
    checkpoint that all workers write at the same step, then exit RESTART_EXIT_CODE. It reads
    the chief's checkpoint directory on every worker (and restores its latest checkpoint, as
    the Trainer does). None elsewhere."""
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return None

    def save() -> None:
        line(f"SIGTERM: wrote checkpoint {checkpoints.save(cleanup=False)}; exiting")

    def leave() -> NoReturn:
        checkpoints.remove_temporary()
        sys.exit(RESTART_EXIT_CODE)

    return tf.distribute.experimental.PreemptionCheckpointHandler(
        strategy.cluster_resolver, checkpoints.checkpoint, checkpoints.directory,
        termination_config=tf.distribute.experimental.TerminationConfig(
            exit_fn=leave, save_fn=save))
