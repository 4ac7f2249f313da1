"""Stopping on request: SIGTERM/SIGINT on one host, TF's coordinated handler across workers."""

import signal
import sys

import tensorflow as tf


class StopRequested:
    """SIGTERM/SIGINT set a flag; the loop writes a checkpoint at the next step and exits."""

    def __init__(self):
        self.signal = None
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._handle)

    def _handle(self, signum, frame):
        self.signal = signal.Signals(signum).name

    def __bool__(self):
        return self.signal is not None


def preemption_handler(strategy, manager):
    """Multi-worker: TF's PreemptionCheckpointHandler, so that one worker's SIGTERM ends in a
    checkpoint that all workers write at the same step, then a clean exit. None elsewhere."""
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return None
    return tf.distribute.experimental.PreemptionCheckpointHandler(
        strategy.cluster_resolver, manager,
        termination_config=tf.distribute.experimental.TerminationConfig(
            exit_fn=lambda: sys.exit(0)))
