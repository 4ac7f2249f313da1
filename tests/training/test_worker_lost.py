"""pipelines.training.distribute.worker_lost: which worker TensorFlow's error names, from the
messages TensorFlow 2.21 gave when one of two local workers was SIGKILLed (tests/e2e runs it)."""

import json

import pytest
import tensorflow as tf

from pipelines.training import distribute

CLUSTER = {"worker": ["127.0.0.1:41001", "127.0.0.1:41002"]}
# Worker 1 killed, as worker 0 heard of it: the coordination service's heartbeat check.
HEARTBEATS = (
    "{{function_node __wrapped__CollectiveReduceV2_Nordering_token_1_device_/job:worker/replica:0"
    "/task:0/device:CPU:0}} Collective ops is aborted by: Error reported from /job:worker/task:1:"
    " The following tasks are unhealthy (stopped sending heartbeats):\n/job:worker/replica:0/task"
    ":1\nThe tasks have crashed. Check the task logs for an earlier error, or scheduler events "
    "(e.g. preemption, eviction) to debug further.\nThe error could be from a previous operation."
    " Restart your program to reset. [Op:CollectiveReduceV2] name: ")
# Worker 0 (the chief) killed, as worker 1 heard of it: its port refuses connections.
REFUSED = (
    "{{function_node __wrapped__CollectiveReduceV2_Nordering_token_1_device_/job:worker/replica:0"
    "/task:1/device:CPU:0}} Collective ops is aborted by: failed to connect to all addresses; last"
    " error: UNKNOWN: ipv4:127.0.0.1:41001: Failed to connect to remote host: Connection refused"
    "\nAdditional GRPC error information from remote target /job:worker/replica:0/task:0 while "
    "calling /tensorflow.WorkerService/CompleteInstance:\n:UNKNOWN:Error received from peer  "
    "{grpc_message:\"failed to connect to all addresses\", grpc_status:14}\nThe error could be "
    "from a previous operation. Restart your program to reset. [Op:CollectiveReduceV2] name: ")


def as_task(monkeypatch, index, cluster=CLUSTER):
    monkeypatch.setenv("TF_CONFIG", json.dumps(
        {"cluster": cluster, "task": {"type": "worker", "index": index}}))


@pytest.mark.parametrize("index, message, lost", [(0, HEARTBEATS, 1), (1, REFUSED, 0)])
def test_the_lost_worker_is_named_never_this_one(monkeypatch, index, message, lost):
    as_task(monkeypatch, index)
    error = distribute.worker_lost(tf.errors.UnavailableError(None, None, message))
    assert isinstance(error, SystemExit) and error.code == distribute.WORKER_LOST_EXIT_CODE == 75
    assert str(error).startswith(f"lost worker {lost} ({CLUSTER['worker'][lost]}) of the 2-task")
    assert f"worker {index} " not in str(error)


def test_only_a_peers_error_in_a_cluster_is_a_lost_worker(monkeypatch):
    as_task(monkeypatch, 0)
    assert distribute.worker_lost(tf.errors.InvalidArgumentError(None, None, HEARTBEATS)) is None
    assert distribute.worker_lost(ValueError(HEARTBEATS)) is None
    monkeypatch.setenv("TF_CONFIG", "")
    assert distribute.worker_lost(tf.errors.UnavailableError(None, None, HEARTBEATS)) is None


def test_an_unnamed_peer_is_still_a_lost_worker(monkeypatch):
    as_task(monkeypatch, 1)
    error = distribute.worker_lost(tf.errors.AbortedError(None, None, "Collective ops aborted"))
    assert "a worker (TensorFlow did not say which)" in str(error)


def test_the_chief_is_the_task_tf_config_names_first(monkeypatch):
    as_task(monkeypatch, 0)
    assert distribute.is_chief()
    as_task(monkeypatch, 1)
    assert not distribute.is_chief()
    monkeypatch.setenv("TF_CONFIG", "")
    assert distribute.is_chief()
