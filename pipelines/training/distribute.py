"""Strategy selection: one device, MirroredStrategy over local devices, or several machines."""

import glob
import json
import os
import re
from typing import Any

import tensorflow as tf

from pipelines.errors import UserError
from pipelines.training.config import STRATEGIES

# A worker of a multi-worker job stopped answering: the others exit with this code. 75 is
# sysexits.h's EX_TEMPFAIL ("a temporary failure ... the user is invited to retry"): nothing is
# wrong with the command, and relaunching the whole job resumes from the run directory's latest
# checkpoint. It is apart from the codes the CLI already gives (0 done, 1 Python's for an
# unexpected error, 2 arguments and files, 3 a non-finite loss, 130 and 143 signals, 143 being
# TensorFlow's own restart code after a preemption checkpoint), below 128 so that it never reads
# as a death by signal, and not 42 (TensorFlow's default restart code on TPUs). A scheduler keys
# on it as on 143: Kubernetes' podFailurePolicy `onExitCodes`, Slurm's `RequeueExit`.
WORKER_LOST_EXIT_CODE = 75

# The errors TensorFlow's collectives end with when a peer is gone: UNAVAILABLE (its heartbeats
# stopped, or its port refuses connections; seen with TensorFlow 2.21 for a SIGKILLed task,
# chief or not), and ABORTED or DEADLINE_EXCEEDED, with which an aborted or timed-out
# collective may surface instead.
PEER_ERRORS = (tf.errors.UnavailableError, tf.errors.AbortedError,
               tf.errors.DeadlineExceededError)
_TASK = re.compile(r"/job:(\w+)(?:/replica:\d+)?/task:(\d+)")


class ClusterError(UserError):
    """A multi-worker launch without a usable cluster description (one line for the CLI)."""


def _tf_config() -> dict[str, Any]:
    try:
        config = json.loads(os.environ.get("TF_CONFIG", "{}") or "{}")
    except ValueError as err:
        raise ClusterError(f"TF_CONFIG is not valid JSON ({err})") from None
    if not isinstance(config, dict):
        raise ClusterError("TF_CONFIG must be a JSON object with 'cluster' and 'task'")
    return config


def slurm_tasks() -> int:
    """Tasks of the Slurm job step this process belongs to (0 outside Slurm)."""
    if "SLURM_PROCID" not in os.environ:
        return 0
    try:
        return int(os.environ.get("SLURM_STEP_NUM_TASKS") or os.environ.get("SLURM_NTASKS", 0))
    except ValueError:
        return 0


def _gpus_on_this_node() -> int:
    """GPUs this node offers, without initialising TensorFlow (whose collectives must be set up
    first): CUDA_VISIBLE_DEVICES when set, else NVIDIA's device files (0 on a CPU node, where the
    resolver's own nvidia-smi probe would fail)."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return len([d for d in visible.split(",") if d.strip()])
    return len(glob.glob("/dev/nvidia[0-9]*"))


def cluster_from_slurm(port_base: int = 8888) -> int:
    """Under `srun` with several tasks and no TF_CONFIG: TF_CONFIG built by TensorFlow's own
    SlurmClusterResolver from the step's variables (SLURM_PROCID, SLURM_STEP_NODELIST,
    SLURM_STEP_TASKS_PER_NODE, SLURM_STEP_NUM_TASKS), tasks on a node taking ports port_base,
    port_base + 1, ...; with GPUs, each task gets its share (CUDA_VISIBLE_DEVICES). Returns the
    number of workers, 0 when this is not a multi-task Slurm step or TF_CONFIG is set."""
    if os.environ.get("TF_CONFIG") or slurm_tasks() < 2:
        return 0
    from tensorflow.python.distribute.cluster_resolver.slurm_cluster_resolver import (
        SlurmClusterResolver, expand_tasks_per_node)
    try:
        gpus = _gpus_on_this_node()
        if gpus:  # each task its share of the node's GPUs (CUDA_VISIBLE_DEVICES)
            options = dict(gpus_per_node=gpus)
        else:
            # CPU nodes: the resolver pairs every task with a GPU slot (range(0, gpus, gpus per
            # task)), so give it one empty slot per task and leave CUDA_VISIBLE_DEVICES alone.
            tasks = max(expand_tasks_per_node(os.environ["SLURM_STEP_TASKS_PER_NODE"]))
            options = dict(gpus_per_node=tasks, gpus_per_task=1, auto_set_gpu=False)
        resolver = SlurmClusterResolver(port_base=port_base, **options)
        cluster = resolver.cluster_spec().as_dict()
        task_type, task_id = resolver.get_task_info()
    except (RuntimeError, KeyError, ValueError) as err:
        raise ClusterError(f"cannot build the cluster from Slurm's environment ({err})") from None
    os.environ["TF_CONFIG"] = json.dumps(
        {"cluster": cluster, "task": {"type": task_type, "index": task_id}})
    return sum(len(hosts) for hosts in cluster.values())


class WorkerLost(SystemExit):
    """A peer of this multi-worker job is gone: the process ends with WORKER_LOST_EXIT_CODE.

    A SystemExit, because nothing in the process can continue: TensorFlow's collectives stay
    aborted until the program restarts. str() is the one line that says which worker was lost
    and what to do (an uncaught SystemExit prints nothing: whoever raises it prints the line).
    """

    def __init__(self, message: str) -> None:
        super().__init__(WORKER_LOST_EXIT_CODE)
        self.message = message

    def __str__(self) -> str:
        return self.message


def worker_lost(error: BaseException) -> WorkerLost | None:
    """The WorkerLost that `error`, raised by a collective of a multi-worker job, means; None when
    it is not one of PEER_ERRORS or TF_CONFIG names no cluster (not a lost peer, then).

    The lost tasks are read from TensorFlow's message: the tasks it calls unhealthy (the
    coordination service's heartbeat check), else the remote target of a failed call, else the
    task whose address refused the connection; this process's own task is never named."""
    if not isinstance(error, PEER_ERRORS):
        return None
    config = _tf_config()
    cluster = config.get("cluster") or {}
    if sum(len(hosts) for hosts in cluster.values()) < 2:
        return None
    task = config.get("task", {})
    own = (task.get("type", "worker"), int(task.get("index", 0)))
    message = str(getattr(error, "message", None) or error)
    unhealthy = message.partition("unhealthy")[2]
    remote = " ".join(re.findall(r"remote target (\S+)", message))
    named = [(kind, int(index)) for kind, index in _TASK.findall(unhealthy or remote)]
    named += [(kind, index) for kind, hosts in cluster.items()
              for index, host in enumerate(hosts)
              if re.search(rf"\b{re.escape(host)}(?!\d)", message)]
    lost = sorted({t for t in named if t != own and t[0] in cluster
                   and t[1] < len(cluster[t[0]])})
    who = ", ".join(f"{kind} {index} ({cluster[kind][index]})" for kind, index in lost) or \
        "a worker (TensorFlow did not say which)"
    return WorkerLost(
        f"lost {who} of the {sum(len(h) for h in cluster.values())}-task job: it stopped "
        f"answering; exit {WORKER_LOST_EXIT_CODE}: relaunch the job's commands, they resume "
        f"from the last checkpoint")


def cluster_workers() -> int:
    """Number of workers named by TF_CONFIG (1 when unset)."""
    return len(_tf_config().get("cluster", {}).get("worker", [])) or 1


def lock_part(kind: str) -> str | None:
    """This process's part of a run directory (pipelines.training.lock): 'worker1' for task 1 of
    a multi-worker job, None for a single process. --strategy multi-worker without TF_CONFIG is
    refused: MultiWorkerMirroredStrategy would then train alone in every process of the job, all
    into the same run directory."""
    config = _tf_config()
    if kind == "multi-worker" and not config.get("cluster"):
        raise ClusterError("--strategy multi-worker found no cluster: launch it with srun (Slurm) "
                           "or set TF_CONFIG in each process, naming the cluster and this "
                           "process's task (docs/training.md); without one every process would "
                           "train alone into the same run dir")
    if not (kind == "multi-worker" or (kind == "auto" and cluster_workers() > 1)):
        return None
    task = config.get("task", {})
    return f"{task.get('type', 'worker')}{task.get('index', 0)}"


def make_strategy(kind: str = "auto") -> tf.distribute.Strategy:
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


def is_chief(strategy: tf.distribute.Strategy | None = None) -> bool:
    """Whether this process speaks for the job: the chief task, or worker 0 of a cluster without
    one; True for a single process. Without a strategy, the task TF_CONFIG names (the one the
    multi-worker strategy takes)."""
    if strategy is None:
        task = _tf_config().get("task") or {}
        task_type, task_id = task.get("type"), int(task.get("index", 0))
    else:
        resolver = getattr(strategy, "cluster_resolver", None)
        task_type = resolver.task_type if resolver is not None else None
        task_id = resolver.task_id if resolver is not None else 0
    if not task_type:
        return True
    return task_type == "chief" or (task_type == "worker" and task_id == 0)


def split_cpu(n: int) -> None:
    """Split the CPU into n logical devices (before TensorFlow initialises its devices)."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(n)])
