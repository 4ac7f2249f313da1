"""Training at cluster scale (issue 10): per-replica dropout, restart semantics, exact validation
under every strategy, several steps per call, XLA and mixed precision, in subprocesses."""

import json
import os
import signal
import subprocess
import sys
from types import SimpleNamespace

import keras
import numpy as np
import pytest

from test_run_dir_owner import screen
from test_train import (ROOT, TINY, screen_and_progress, shared_tfds, start_workers,  # noqa: F401
                        train, weights)

# Per-replica dropout on 2 logical CPU devices, through the layer the models use and the
# context the train step enters (pipelines.training.steps).
REPLICA_MASKS = """
import numpy as np, tensorflow as tf, keras
from pipelines.training.distribute import split_cpu
split_cpu(2)
import keras_nets
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
keras.utils.set_random_seed(0)
with strategy.scope():
    layer = keras_nets.ReplicaDropout(0.5)
x = tf.ones([8, 256])

@tf.function
def masks():
    def replica():
        replica_id = tf.distribute.get_replica_context().replica_id_in_sync_group
        with keras_nets.replica_seed_offset(replica_id):
            return tf.cast(layer(x, training=True) > 0, tf.int32)
    return strategy.run(replica)

def draw():
    return [t.numpy() for t in strategy.experimental_local_results(masks())]

state = layer.seed_generator.state.value.numpy()
first, second = draw(), draw()
assert not np.array_equal(first[0], first[1]), "replicas drew the same mask"
assert not np.array_equal(first[0], second[0]), "the mask did not change between steps"
assert 0.4 < first[1].mean() < 0.6
layer.seed_generator.state.assign(state)  # what restoring a checkpoint does
again = draw()
assert all(np.array_equal(a, b) for a, b in zip(first, again)), "not reproducible"
print("ok")
"""


def test_replicas_draw_their_own_dropout_masks_reproducibly():
    result = subprocess.run([sys.executable, "-c", REPLICA_MASKS], cwd=ROOT, capture_output=True,
                            text=True, timeout=300, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr[-3000:]


def test_relaunch_continues_and_a_different_run_is_refused(tmp_path):
    run = tmp_path / "run"
    common = ["--epochs", "1", "--steps", "2", "--width", "0.25", "--run-dir", str(run)]
    train(tmp_path, *common)
    again = train(tmp_path, *common)  # the same command, no --resume: continues (here: done)
    assert "resumed from" in again.stdout and "epoch 1/1 step" not in again.stdout
    for flags, field in ((["--batch-size", "16"], "recipe.batch_size=8"),
                         (["--model", "vgg_a"], "model='alexnet'"),
                         (["--fc-units", "512"], "fc_units=256")):
        refused = train(tmp_path, *common, *flags, check=False)
        assert refused.returncode == 2, refused.stderr[-2000:]
        errors = [l for l in refused.stderr.splitlines() if "error:" in l]
        assert len(errors) == 1 and field in errors[0], refused.stderr[-2000:]
    fresh = train(tmp_path, *common[:-1], str(tmp_path / "other"))
    assert "resumed from" not in fresh.stdout


def test_steps_per_loop_4_equals_1(tmp_path):
    """Dropout on, deterministic; a checkpoint every 3 steps cuts the calls of 4 (3, 3, 1 ...)."""
    common = ["--epochs", "1", "--steps", "7", "--width", "0.25", "--deterministic",
              "--checkpoint-every", "3"]
    train(tmp_path, *common, "--run-dir", str(tmp_path / "one"))
    result = train(tmp_path, *common, "--steps-per-loop", "4", "--run-dir", str(tmp_path / "four"))
    assert "epoch 1/1 step 7/7" in result.stdout
    assert sorted(f for f in os.listdir(tmp_path / "four" / "checkpoints")
                  if f.endswith(".index")) == ["ckpt-1.index", "ckpt-2.index", "ckpt-3.index"]
    for a, b in zip(weights(tmp_path / "one"), weights(tmp_path / "four")):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def losses(run):
    return [json.loads(l)["loss"] for l in (run / "metrics.jsonl").read_text().splitlines()]


# The same 8 images in every step (no dropout): the loss must fall within a few steps.
FIT_ONE_BATCH = ["--shapes-train", "8", "--shapes-validation", "8", "--width", "0.25",
                 "--dropout", "0", "--learning-rate", "0.01", "--epochs", "4", "--steps", "2",
                 "--xla", "--precision", "bfloat16", "--steps-per-loop", "2"]


def test_xla_and_mixed_precision_train(tmp_path):
    # One device here; two replicas in the two-worker test below (the same flags, collectives).
    run = tmp_path / "one-device"
    result = train(tmp_path, *FIT_ONE_BATCH, "--strategy", "one-device", "--run-dir", str(run))
    config = json.loads((run / "config.json").read_text())
    assert config["xla"] and config["precision_resolved"] == "bfloat16", result.stdout[-2000:]
    # what is saved computes in float32 (pipelines.training.run._float32)
    model = keras.saving.load_model(run / "model.keras", safe_mode=True)
    assert {layer.dtype_policy.name for layer in model.layers} == {"float32"}
    curve = losses(run)
    assert all(np.isfinite(curve)) and curve[-1] < curve[0], curve


def test_xla_and_mixed_precision_train_on_two_workers(tmp_path):
    run = tmp_path / "multi"
    procs = start_workers(tmp_path, run, FIT_ONE_BATCH)
    outputs = [p.communicate(timeout=400)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs[0][-2000:] + outputs[1][-2000:]
    curve = losses(run)
    assert all(np.isfinite(curve)) and curve[-1] < curve[0], curve
    model = keras.saving.load_model(run / "model.keras", safe_mode=True)
    assert {layer.dtype_policy.name for layer in model.layers} == {"float32"}
    # The chief's screen is the job's: worker 1 prints neither the first screen nor progress.
    assert screen_and_progress(outputs[0]) and not screen_and_progress(outputs[1]), outputs[1]


@pytest.mark.parametrize("victim", [1, 0], ids=["worker", "chief"])
def test_a_lost_worker_ends_the_other_with_one_line_and_exit_75(tmp_path, victim):
    """SIGKILL to one of two workers mid-epoch: the other ends when TensorFlow notices (the
    coordination service's heartbeat timeout, or a refused connection) with exit 75 and one
    stderr line naming the lost worker, at TensorFlow's default C++ log level (the run's own
    default, level 2, under which the aborted collectives' error lines would show)."""
    run = tmp_path / "run"
    procs = start_workers(tmp_path, run, ["--epochs", "50", "--steps", "16", "--width", "0.25",
                                          "--checkpoint-every", "0"],
                          env={"TF_CPP_MIN_LOG_LEVEL": None}, stderr=subprocess.PIPE)
    for line in procs[0].stdout:
        if line.startswith("epoch 1/50 step"):
            break
    procs[victim].send_signal(signal.SIGKILL)
    procs[victim].communicate(timeout=60)
    survivor = procs[1 - victim]
    out, err = survivor.communicate(timeout=180)
    assert survivor.returncode == 75, err[-3000:]
    lines = screen(SimpleNamespace(stdout="", stderr=err))  # less the data's preparation
    assert len(lines) == 1, err[-3000:]
    assert f"error: lost worker {victim} (127.0.0.1:" in lines[0] and "exit 75" in lines[0]


# float16 loss scaling under MirroredStrategy: only replica 1's batch overflows. Keras'
# LossScaleOptimizer alone would judge replica 0's gradients finite and apply the all-reduced
# (infinite) sum; the train step makes the replicas agree, so the step is skipped everywhere.
LOSS_SCALE = """
import numpy as np, tensorflow as tf, keras
from pipelines.training.distribute import split_cpu
split_cpu(2)
keras.mixed_precision.set_global_policy("mixed_float16")
from pipelines.training import steps
from pipelines.training.recipes import DEMO
from pipelines.training.optimizer import make_optimizer
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    model = keras.Sequential([keras.Input((4,)),
                              keras.layers.Dense(3, activation="softmax", dtype="float32")])
    optimizer = make_optimizer(DEMO["alexnet"], 1e-2)
    optimizer.build(model.trainable_variables)
assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
step = steps.make_train_step(strategy, model, optimizer, global_batch=4, weight_decay=0.0)

def run(images):
    labels = tf.constant([0, 1, 2, 0])
    data = tf.data.Dataset.from_tensors((tf.constant(images, tf.float32), labels)).repeat()
    return step(iter(strategy.experimental_distribute_dataset(data)), tf.constant(1, tf.int64))

before = [w.numpy() for w in model.weights]
scale = float(optimizer.dynamic_scale.numpy())
images = np.ones((4, 4), np.float32)
images[2:] = np.inf  # replica 1's half of the global batch
run(images)
after = [w.numpy() for w in model.weights]
assert all(np.isfinite(w).all() for w in after), "the overflowing step was applied"
assert all(np.array_equal(a, b) for a, b in zip(before, after)), "weights moved"
assert float(optimizer.dynamic_scale.numpy()) == scale / 2
run(np.ones((4, 4), np.float32))
assert not all(np.array_equal(a, b.numpy()) for a, b in zip(after, model.weights))
print("ok")
"""


def test_loss_scaling_skips_a_step_on_every_replica_when_one_overflows():
    result = subprocess.run([sys.executable, "-c", LOSS_SCALE], cwd=ROOT, capture_output=True,
                            text=True, timeout=300, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr[-3000:]
