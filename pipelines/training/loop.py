"""The Trainer: epochs of distributed steps, validation, the schedule, checkpoints and signals."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import tensorflow as tf

from pipelines import quiet
from pipelines.cli import program
from pipelines.training import distribute, steps
from pipelines.training.checkpoint import Checkpoints
from pipelines.training.log import chief_only, line
from pipelines.training.metrics import EpochMeter, MetricsWriter
from pipelines.training.optimizer import make_optimizer
from pipelines.training.schedule import Schedule, current_lr
from pipelines.training.signals import StopRequested, preemption_handler

if TYPE_CHECKING:
    import keras

    from pipelines.training.plan import Plan


class NonFiniteLoss(RuntimeError):
    pass


class Trainer:
    """Trains `model` under `strategy` as the run's Plan says (pipelines.training.plan: its
    config, recipe and steps per epoch); see pipelines.training.run for the run.

    A run directory that holds a checkpoint is continued (every worker restores the chief's
    latest checkpoint), whatever the flags say about resuming; a new one starts afresh. In a
    multi-worker job only the chief logs: the other workers' lines would repeat its own.
    """

    def __init__(self, *, strategy: tf.distribute.Strategy, model: keras.Model,
                 plan: Plan,
                 train_dataset_fn: Callable[[tf.distribute.InputContext, int], tf.data.Dataset],
                 val_dataset_fn: Callable[[tf.distribute.InputContext], tf.data.Dataset],
                 head_layers: Sequence[str] | None = None,
                 then: tuple[str, float] | None = None) -> None:
        config = plan.config
        runtime = config.runtime
        steps_per_epoch = plan.steps_per_epoch
        self.strategy, self.model, self.config = strategy, model, config
        self.recipe = config.recipe
        self.train_dataset_fn, self.val_dataset_fn = train_dataset_fn, val_dataset_fn
        self.spe = steps_per_epoch
        self.then = then  # a later stage's name and cost in this run's images (EpochMeter)
        self.chief = distribute.is_chief(strategy)
        # Fine-tuning: the first head_epochs train only `head_layers` (the layers that got no
        # pretrained weights), the rest are masked (pipelines.training.steps.mask_frozen).
        head_steps = (self.recipe.head_epochs or 0) * steps_per_epoch if head_layers else 0
        head = {id(v) for name in head_layers or () for v in model.get_layer(name).weights}
        frozen = [id(v) not in head for v in model.trainable_variables]
        with strategy.scope():
            self.schedule = Schedule(self.recipe, steps_per_epoch * self.recipe.epochs,
                                     head_steps)
            self.optimizer = make_optimizer(self.recipe, self.schedule.learning_rate)
            self.optimizer.build(model.trainable_variables)
            self.epoch = tf.Variable(0, trainable=False, dtype=tf.int64)
            self.step_in_epoch = tf.Variable(0, trainable=False, dtype=tf.int64)
        self.checkpoints = Checkpoints(
            runtime.run_dir, strategy, model=model, optimizer=self.optimizer, epoch=self.epoch,
            step_in_epoch=self.step_in_epoch, **self.schedule.variables())
        self.metrics = MetricsWriter(runtime.run_dir, self.chief)
        self.train_step = steps.make_train_step(
            strategy, model, self.optimizer, global_batch=self.recipe.batch_size,
            weight_decay=self.recipe.weight_decay, xla=runtime.xla, frozen=frozen,
            head_steps=head_steps)
        self.eval_step = steps.make_eval_step(strategy, model)

    def fit(self) -> tuple[list[dict], str | None]:
        """Train to the recipe's last epoch. Returns (history, the name of the signal that
        stopped it, or None).

        Raises distribute.WorkerLost (a SystemExit, code 75) when a worker of a multi-worker job
        is gone, after one line on stderr naming it; TensorFlow's error lines about the aborted
        collectives are held back meanwhile (pipelines.quiet.peer_loss_held)."""
        with chief_only(self.chief):
            return self._fit_or_lose_a_worker()

    def _fit_or_lose_a_worker(self) -> tuple[list[dict], str | None]:
        if not isinstance(self.strategy, tf.distribute.MultiWorkerMirroredStrategy):
            return self._fit()
        with quiet.peer_loss_held(distribute.PEER_ERRORS) as peers:
            try:
                return self._fit()
            except distribute.PEER_ERRORS as err:
                lost = distribute.worker_lost(err)
                if lost is None:
                    raise
                peers.lost()
        # After the block: the held lines are dropped, and this line goes straight to stderr.
        print(f"{program()}: error: {lost}", file=sys.stderr, flush=True)
        raise lost

    def _fit(self) -> tuple[list[dict], str | None]:
        handler = preemption_handler(self.strategy, self.checkpoints)
        stop = StopRequested() if handler is None else None
        self._restore()
        epochs, history = self.recipe.epochs, []
        iterator = self._train_iterator()  # one endless stream, started where the run left off
        while int(self.epoch.numpy()) < epochs:
            epoch, first = int(self.epoch.numpy()), int(self.step_in_epoch.numpy())
            meter = EpochMeter(epoch, epochs, first, self.spe, self.recipe.batch_size,
                               then=self.then)
            step = first
            while step < self.spe:  # one call runs n steps; the host reads metrics once per call
                n = self._steps_in_call(step)
                totals = (self._run(iterator, n) if handler is None
                          else handler.run(self._run, iterator, n)).numpy()
                self._check_finite(totals[0], epoch, step, n)
                step += n
                meter.add(step - 1, totals[0], totals[1:], show=self.chief)
                if stop:
                    line(f"{stop.signal}: wrote checkpoint {self.checkpoints.save()}; exiting")
                    return history, stop.signal
                if step < self.spe and self._checkpoint_due(step):
                    self.checkpoints.save()
            metrics = dict(meter.summary(), **self.evaluate(),
                           learning_rate=current_lr(self.optimizer))
            self.schedule.after_epoch(self.optimizer, metrics["val_top1_error"])
            self.epoch.assign(epoch + 1)
            self.step_in_epoch.assign(0)
            self.checkpoints.save()
            self.metrics.write(metrics)
            history.append(metrics)
        self.checkpoints.remove_temporary()
        return history, None

    def evaluate(self) -> dict[str, float]:
        """Top-1/top-5 error over the whole validation split, once (padding masked out)."""
        totals = np.zeros(3)
        for batch in self.strategy.distribute_datasets_from_function(self.val_dataset_fn):
            totals += self.eval_step(batch).numpy()
        count = max(totals[2], 1)
        return {"val_top1_error": 1 - totals[0] / count, "val_top5_error": 1 - totals[1] / count,
                "val_images": int(totals[2])}

    def _run(self, iterator: tf.distribute.DistributedIterator, n: int) -> tf.Tensor:
        totals = self.train_step(iterator, tf.constant(n, tf.int64))
        self.step_in_epoch.assign_add(n)
        return totals

    def _steps_in_call(self, step: int) -> int:
        """--steps-per-loop, cut at the epoch's end and at the next checkpoint step."""
        n = min(self.config.runtime.steps_per_loop, self.spe - step)
        every = self.config.runtime.checkpoint_every
        return min(n, every - step % every) if every else n

    def _check_finite(self, loss: float, epoch: int, step: int, n: int) -> None:
        if not math.isfinite(loss):
            where = f"step {step + 1}" if n == 1 else f"steps {step + 1}-{step + n}"
            raise NonFiniteLoss(f"loss is {loss} at epoch {epoch + 1}, {where}; the last good "
                                f"checkpoint is kept in {self.checkpoints.directory}")

    def _checkpoint_due(self, step: int) -> bool:
        every = self.config.runtime.checkpoint_every
        return bool(every) and step % every == 0

    def _restore(self) -> None:
        restored = self.checkpoints.restore_latest()
        if restored:
            line(f"resumed from {restored} at epoch {int(self.epoch.numpy())}, "
                     f"step {int(self.step_in_epoch.numpy())}")
        elif self.config.runtime.resume:
            line("no checkpoint to resume from: starting afresh")

    def _train_iterator(self) -> tf.distribute.DistributedIterator:
        done = int(self.epoch.numpy()) * self.spe + int(self.step_in_epoch.numpy())
        return iter(self.strategy.distribute_datasets_from_function(
            lambda ctx: self.train_dataset_fn(ctx, done)))
