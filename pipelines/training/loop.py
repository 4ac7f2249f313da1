"""The Trainer: epochs of distributed steps, validation, the schedule, checkpoints and signals."""

import math

import numpy as np
import tensorflow as tf

from pipelines.training import checkpoint, steps
from pipelines.training.distribute import is_chief
from pipelines.training.metrics import EpochMeter, MetricsWriter
from pipelines.training.optimizer import make_optimizer
from pipelines.training.schedule import Schedule, current_lr
from pipelines.training.signals import StopRequested, preemption_handler


class NonFiniteLoss(RuntimeError):
    pass


class Trainer:
    """Trains `model` under `strategy` with a RunConfig; see pipelines.training.run for the run."""

    def __init__(self, *, strategy, model, config, steps_per_epoch, train_dataset_fn,
                 val_dataset_fn, log=print):
        self.strategy, self.model, self.config = strategy, model, config
        self.recipe = config.recipe
        self.train_dataset_fn, self.val_dataset_fn = train_dataset_fn, val_dataset_fn
        self.spe, self.log = steps_per_epoch, log
        self.chief = is_chief(strategy)
        with strategy.scope():
            self.schedule = Schedule(self.recipe, steps_per_epoch * self.recipe.epochs)
            self.optimizer = make_optimizer(self.recipe, self.schedule.learning_rate)
            self.optimizer.build(model.trainable_variables)
            self.epoch = tf.Variable(0, trainable=False, dtype=tf.int64)
            self.step_in_epoch = tf.Variable(0, trainable=False, dtype=tf.int64)
        self.manager = checkpoint.make_manager(
            config.run_dir, strategy, model=model, optimizer=self.optimizer, epoch=self.epoch,
            step_in_epoch=self.step_in_epoch, **self.schedule.variables())
        self.metrics = MetricsWriter(config.run_dir, self.chief, log)
        self.train_step = steps.make_train_step(
            strategy, model, self.optimizer, global_batch=self.recipe.batch_size,
            weight_decay=self.recipe.weight_decay, xla=config.xla)
        self.eval_step = steps.make_eval_step(strategy, model)

    def fit(self):
        """Train to the recipe's last epoch. Returns (history, the signal that stopped it)."""
        handler = preemption_handler(self.strategy, self.manager)
        stop = StopRequested() if handler is None else None
        if self.config.resume:
            self._restore()
        epochs, history = self.recipe.epochs, []
        iterator = self._train_iterator()  # one endless stream, started where the run left off
        while int(self.epoch.numpy()) < epochs:
            epoch, first = int(self.epoch.numpy()), int(self.step_in_epoch.numpy())
            meter = EpochMeter(epoch, epochs, first, self.spe, self.recipe.batch_size, self.log)
            for step in range(first, self.spe):
                loss, hits = (self._step(iterator) if handler is None
                              else handler.run(self._step, iterator))
                loss = float(loss)
                if not math.isfinite(loss):
                    raise NonFiniteLoss(f"loss is {loss} at epoch {epoch + 1}, step {step + 1}; "
                                        f"the last good checkpoint is kept in "
                                        f"{self.manager.directory}")
                meter.add(step, loss, hits.numpy(), show=self.chief)
                if stop:
                    self.log(f"{stop.signal}: wrote checkpoint {self.manager.save()}; exiting")
                    return history, stop.signal
                if self._checkpoint_due(step):
                    self.manager.save()
            metrics = dict(meter.summary(), **self.evaluate(),
                           learning_rate=current_lr(self.optimizer))
            self.schedule.after_epoch(self.optimizer, metrics["val_top1_error"])
            self.epoch.assign(epoch + 1)
            self.step_in_epoch.assign(0)
            self.manager.save()
            self.metrics.write(metrics)
            history.append(metrics)
        return history, None

    def evaluate(self):
        """Top-1/top-5 error over the validation dataset function."""
        totals = np.zeros(3)
        for batch in self.strategy.distribute_datasets_from_function(self.val_dataset_fn):
            totals += self.eval_step(batch).numpy()
        count = max(totals[2], 1)
        return {"val_top1_error": 1 - totals[0] / count, "val_top5_error": 1 - totals[1] / count,
                "val_images": int(totals[2])}

    def _step(self, iterator):
        out = self.train_step(iterator)
        self.step_in_epoch.assign_add(1)
        return out

    def _checkpoint_due(self, step):
        every = self.config.checkpoint_every
        return bool(every) and (step + 1) % every == 0 and step + 1 < self.spe

    def _restore(self):
        restored = checkpoint.restore_latest(self.manager, self.log)
        self.log(f"resumed from {restored} at epoch {int(self.epoch.numpy())}, "
                 f"step {int(self.step_in_epoch.numpy())}" if restored else
                 "no checkpoint to resume from: starting afresh")

    def _train_iterator(self):
        done = int(self.epoch.numpy()) * self.spe + int(self.step_in_epoch.numpy())
        return iter(self.strategy.distribute_datasets_from_function(
            lambda ctx: self.train_dataset_fn(ctx, done)))
