"""The training loop: one step that runs under every strategy, checkpoints, signals, NaN guard."""

import json
import math
import os
import signal
import sys
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf

from keras_nets import paper_objective
from pipelines.distribute import is_chief


class NonFiniteLoss(RuntimeError):
    pass


class Schedule:
    """The learning rate: cosine with linear warm-up, or the papers' divide-by-10 on plateau.

    Its state (best validation error, epochs without improvement, drops) lives in variables that
    the checkpoint holds, so a resumed run takes the same decisions.
    """

    def __init__(self, recipe, total_steps):
        self.recipe = recipe
        self.best = tf.Variable(1.0, trainable=False, dtype=tf.float64)
        self.stalled = tf.Variable(0, trainable=False, dtype=tf.int64)
        self.drops = tf.Variable(0, trainable=False, dtype=tf.int64)
        if recipe.schedule == "cosine":
            self.learning_rate = keras.optimizers.schedules.CosineDecay(
                0.0, max(1, total_steps - recipe.warmup_steps), warmup_target=recipe.learning_rate,
                warmup_steps=recipe.warmup_steps)
        else:
            self.learning_rate = recipe.learning_rate

    def after_epoch(self, optimizer, val_error):
        """AlexNet paper 5 / VGG 3.1: lr / 10 when validation error stops improving (3 times)."""
        if self.recipe.schedule != "plateau":
            return
        if val_error < self.best.numpy() - 1e-4:
            self.best.assign(val_error)
            self.stalled.assign(0)
            return
        self.stalled.assign_add(1)
        if self.stalled.numpy() >= self.recipe.plateau_patience and \
                self.drops.numpy() < self.recipe.max_lr_drops:
            optimizer.learning_rate = float(_current_lr(optimizer)) * 0.1
            self.drops.assign_add(1)
            self.stalled.assign(0)

    def variables(self):
        return dict(best=self.best, stalled=self.stalled, drops=self.drops)


def make_optimizer(recipe, learning_rate):
    if recipe.optimizer == "sgd":
        optimizer = keras.optimizers.SGD(learning_rate, momentum=0.9)
    else:
        optimizer = keras.optimizers.Adam(learning_rate)
    if keras.config.dtype_policy().compute_dtype == "float16":
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


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


def _checkpoint_dir(run_dir, strategy):
    path = os.path.join(run_dir, "checkpoints")
    if is_chief(strategy):
        return path
    # Every worker writes (collective ops), only the chief's copy is kept.
    return tempfile.mkdtemp(prefix="worker_ckpt_")


def restore_latest(checkpoint, manager, log):
    """Restore the newest readable checkpoint; a corrupt one is reported and the previous used."""
    for path in reversed(manager.checkpoints):
        try:
            checkpoint.restore(path).expect_partial()
            return path
        except Exception as err:  # a truncated or garbled file fails in several ways
            log(f"warning: checkpoint {path} is unreadable ({err.__class__.__name__}); "
                "trying the previous one")
    return None


class Trainer:
    """Trains `model` on a distributed dataset function; see pipelines.train for the CLI."""

    def __init__(self, *, strategy, model, recipe, config, train_dataset_fn, val_dataset_fn,
                 steps_per_epoch, run_dir, log=print):
        self.strategy, self.model, self.recipe, self.config = strategy, model, recipe, config
        self.train_dataset_fn, self.val_dataset_fn = train_dataset_fn, val_dataset_fn
        self.steps_per_epoch = steps_per_epoch
        self.run_dir, self.log = run_dir, log
        self.chief = is_chief(strategy)
        total = steps_per_epoch * config["epochs"]
        with strategy.scope():
            self.schedule = Schedule(recipe, total)
            self.optimizer = make_optimizer(recipe, self.schedule.learning_rate)
            self.optimizer.build(model.trainable_variables)
            self.epoch = tf.Variable(0, trainable=False, dtype=tf.int64)
            self.step_in_epoch = tf.Variable(0, trainable=False, dtype=tf.int64)
        # Dropout's RNG state too, so that a resumed run draws the same masks.
        rng = {f"rng_{i}": v.value for i, v in enumerate(
            v for v in model.variables if "seed_generator_state" in v.path)}
        self.checkpoint = tf.train.Checkpoint(model=model, optimizer=self.optimizer,
                                              epoch=self.epoch, step_in_epoch=self.step_in_epoch,
                                              **self.schedule.variables(), **rng)
        self.manager = tf.train.CheckpointManager(
            self.checkpoint, _checkpoint_dir(run_dir, strategy), max_to_keep=3)
        self.writer = tf.summary.create_file_writer(
            os.path.join(run_dir, "tensorboard") if self.chief else tempfile.mkdtemp())
        self._train_step = self._make_train_step()
        self._eval_step = self._make_eval_step()

    # ---- steps ----
    def _make_train_step(self):
        strategy, model, optimizer = self.strategy, self.model, self.optimizer
        global_batch = self.config["batch_size"]
        replicas = strategy.num_replicas_in_sync
        weight_decay = self.recipe.weight_decay

        def replica_step(images, labels):
            with tf.GradientTape() as tape:
                probs = model(images, training=True)
                loss = paper_objective(model, labels, probs, weight_decay,
                                       global_batch_size=global_batch, num_replicas=replicas)
                scaled = optimizer.scale_loss(loss) if hasattr(optimizer, "scale_loss") else loss
            grads = tape.gradient(scaled, model.trainable_variables)
            optimizer.apply(grads, model.trainable_variables)
            return loss, _correct(labels, probs)

        @tf.function(jit_compile=self.config.get("xla", False) or None)
        def step(iterator):
            images, labels = next(iterator)
            loss, correct = strategy.run(replica_step, args=(images, labels))
            return (strategy.reduce("SUM", loss, axis=None),
                    strategy.reduce("SUM", correct, axis=None))

        return step

    def _make_eval_step(self):
        strategy, model = self.strategy, self.model

        def replica_step(images, labels):
            return _correct(labels, model(images, training=False))

        @tf.function
        def step(batch):
            images, labels = batch
            correct = strategy.run(replica_step, args=(images, labels))
            return strategy.reduce("SUM", correct, axis=None)

        return step

    # ---- loop ----
    def evaluate(self):
        dataset = self.strategy.distribute_datasets_from_function(self.val_dataset_fn)
        totals = np.zeros(3)
        for batch in dataset:
            totals += self._eval_step(batch).numpy()
        count = max(totals[2], 1)
        return {"val_top1_error": 1 - totals[0] / count, "val_top5_error": 1 - totals[1] / count,
                "val_images": int(totals[2])}

    def _preemption_handler(self):
        """Multi-worker: TF's handler, so that one worker's SIGTERM ends in a checkpoint that
        all workers write at the same step, then a clean exit."""
        if not isinstance(self.strategy, tf.distribute.MultiWorkerMirroredStrategy):
            return None
        return tf.distribute.experimental.PreemptionCheckpointHandler(
            self.strategy.cluster_resolver, self.manager,
            termination_config=tf.distribute.experimental.TerminationConfig(
                exit_fn=lambda: sys.exit(0)))

    def _step_and_count(self, iterator):
        out = self._train_step(iterator)
        self.step_in_epoch.assign_add(1)
        return out

    def fit(self, resume=False):
        handler = self._preemption_handler()
        stop = StopRequested() if handler is None else None
        if resume:
            restored = restore_latest(self.checkpoint, self.manager, self.log)
            self.log(f"resumed from {restored} at epoch {int(self.epoch.numpy())}, "
                     f"step {int(self.step_in_epoch.numpy())}" if restored else
                     "no checkpoint to resume from: starting afresh")
        epochs, spe = self.config["epochs"], self.steps_per_epoch
        history = []
        every = self.config.get("checkpoint_every", 0)
        # One endless stream for the whole run, started where the checkpoint left off.
        done_steps = int(self.epoch.numpy()) * spe + int(self.step_in_epoch.numpy())
        iterator = iter(self.strategy.distribute_datasets_from_function(
            lambda ctx: self.train_dataset_fn(ctx, done_steps)))
        while int(self.epoch.numpy()) < epochs:
            epoch = int(self.epoch.numpy())
            skip = int(self.step_in_epoch.numpy())
            sums, start, last_print = np.zeros(4), time.time(), 0.0
            for step in range(skip, spe):
                if handler is None:
                    loss, correct = self._step_and_count(iterator)
                else:
                    loss, correct = handler.run(self._step_and_count, iterator)
                loss = float(loss)
                if self.config.get("inject_nan_at_step") == epoch * spe + step + 1:
                    loss = float("nan")  # fault-injection for tests (hidden flag)
                if not math.isfinite(loss):
                    raise NonFiniteLoss(f"loss is {loss} at epoch {epoch + 1}, step {step + 1}; "
                                        f"the last good checkpoint is kept in {self.manager.directory}")
                sums += (loss, *correct.numpy())
                done = step + 1 - skip
                elapsed = time.time() - start
                if self.chief and (elapsed - last_print > 10 or step + 1 == spe):
                    last_print = elapsed
                    rate = done * self.config["batch_size"] / elapsed
                    eta = (spe - step - 1 + (epochs - epoch - 1) * spe) * \
                        self.config["batch_size"] / max(rate, 1e-9)
                    self.log(f"epoch {epoch + 1}/{epochs} step {step + 1}/{spe} "
                             f"loss {sums[0] / done:.4f} top1-err {1 - sums[1] / sums[3]:.3f} "
                             f"{rate:.1f} img/s ETA {_duration(eta)}")
                if stop is not None and stop:
                    path = self.manager.save()
                    self.log(f"{stop.signal}: wrote checkpoint {path}; exiting")
                    return history, stop.signal
                if every and (step + 1) % every == 0 and step + 1 < spe:
                    self.manager.save()
            metrics = self.evaluate()
            lr = float(_current_lr(self.optimizer))
            self.schedule.after_epoch(self.optimizer, metrics["val_top1_error"])
            metrics.update(epoch=epoch + 1, loss=sums[0] / max(spe - skip, 1),
                           top1_error=1 - sums[1] / max(sums[3], 1),
                           top5_error=1 - sums[2] / max(sums[3], 1), learning_rate=lr,
                           images_per_second=(spe - skip) * self.config["batch_size"] /
                           (time.time() - start))
            history.append(metrics)
            self.epoch.assign(epoch + 1)
            self.step_in_epoch.assign(0)
            self.manager.save()
            self._write_metrics(metrics)
        return history, None

    def _write_metrics(self, metrics):
        if not self.chief:
            return
        self.log("epoch {epoch}: loss {loss:.4f} val top-1 error {val_top1_error:.3f} "
                 "top-5 error {val_top5_error:.3f} lr {learning_rate:.2e}".format(**metrics))
        with open(os.path.join(self.run_dir, "metrics.jsonl"), "a") as f:
            f.write(json.dumps(metrics) + "\n")
        with self.writer.as_default(step=metrics["epoch"]):
            for key, value in metrics.items():
                if key != "epoch":
                    tf.summary.scalar(key, value)
        self.writer.flush()


def _correct(labels, probs):
    labels = tf.cast(labels, tf.int32)
    probs = tf.cast(probs, tf.float32)
    top1 = tf.reduce_sum(tf.cast(tf.math.in_top_k(labels, probs, 1), tf.float32))
    top5 = tf.reduce_sum(tf.cast(tf.math.in_top_k(labels, probs, min(5, probs.shape[-1])),
                                 tf.float32))
    return tf.stack([top1, top5, tf.cast(tf.shape(labels)[0], tf.float32)])


def _current_lr(optimizer):
    lr = optimizer.learning_rate
    return lr.numpy() if hasattr(lr, "numpy") else lr


def _duration(seconds):
    seconds = int(seconds)
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m" if seconds >= 3600 else \
        f"{seconds // 60}m{seconds % 60:02d}s"
