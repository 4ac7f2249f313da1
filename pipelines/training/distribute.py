"""Strategy selection: one device, MirroredStrategy over local devices, or several machines."""

import json
import os

import tensorflow as tf

STRATEGIES = ("auto", "one-device", "mirrored", "multi-worker")


class ClusterError(ValueError):
    """A multi-worker launch without a usable cluster description (one line for the CLI)."""


def _tf_config():
    try:
        config = json.loads(os.environ.get("TF_CONFIG", "{}") or "{}")
    except ValueError as err:
        raise ClusterError(f"TF_CONFIG is not valid JSON ({err})") from None
    if not isinstance(config, dict):
        raise ClusterError("TF_CONFIG must be a JSON object with 'cluster' and 'task'")
    return config


def cluster_workers():
    """Number of workers named by TF_CONFIG (1 when unset)."""
    return len(_tf_config().get("cluster", {}).get("worker", [])) or 1


def lock_part(kind):
    """This process's part of a run directory (pipelines.training.lock): 'worker1' for task 1 of
    a multi-worker job, None for a single process. --strategy multi-worker without TF_CONFIG is
    refused: MultiWorkerMirroredStrategy would then train alone in every process of the job, all
    into the same run directory."""
    config = _tf_config()
    if kind == "multi-worker" and not config.get("cluster"):
        raise ClusterError("--strategy multi-worker needs TF_CONFIG in each process, naming the "
                           "cluster and this process's task (docs/training.md); without it "
                           "every process would train alone into the same run dir")
    if not (kind == "multi-worker" or (kind == "auto" and cluster_workers() > 1)):
        return None
    task = config.get("task", {})
    return f"{task.get('type', 'worker')}{task.get('index', 0)}"


def make_strategy(kind="auto"):
    """auto: multi-worker when TF_CONFIG names several workers, mirrored over several GPUs,
    else one device. mirrored without GPUs uses every logical CPU device (tests split the CPU)."""
    if kind not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {kind!r}")
    if kind == "multi-worker" or (kind == "auto" and cluster_workers() > 1):
        # Before anything that initialises TensorFlow's context (listing devices does).
        return tf.distribute.MultiWorkerMirroredStrategy()
    gpus = tf.config.list_logical_devices("GPU")
    if kind == "auto":
        kind = "mirrored" if len(gpus) > 1 else "one-device"
    if kind == "mirrored":
        devices = [d.name for d in gpus] or [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    return tf.distribute.OneDeviceStrategy(gpus[0].name if gpus else "/cpu:0")


def is_chief(strategy):
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    return resolver.task_type == "chief" or (resolver.task_type == "worker"
                                             and resolver.task_id == 0)


def split_cpu(n):
    """Split the CPU into n logical devices (before TensorFlow initialises its devices)."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(n)])
