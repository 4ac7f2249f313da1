"""pipelines.training.lock: one owner per run directory, in subprocesses that hold the lock (no
TensorFlow: the lock is plain flock), and distribute.lock_part (which part a process holds)."""

import json
import os
import signal
import socket
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Holds run_dir (part '-': a single process) until killed.
HOLD = """
import sys, time
from pipelines.training.lock import owning
with owning(sys.argv[1], None if sys.argv[2] == "-" else sys.argv[2]):
    print("held", flush=True)
    time.sleep(600)
"""

# Tries to take run_dir once: 'ok' or the refusal.
TRY = """
import sys
from pipelines.training.lock import RunDirBusy, owning
try:
    with owning(sys.argv[1], None if sys.argv[2] == "-" else sys.argv[2]):
        print("ok")
except RunDirBusy as err:
    print("busy", err)
"""


def hold(run_dir, part="-"):
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(run_dir), part], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def attempt(run_dir, part="-"):
    result = subprocess.run([sys.executable, "-c", TRY, str(run_dir), part], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def kill_9(*procs):
    for proc in procs:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def test_a_live_owner_is_named_and_a_killed_one_never_blocks(tmp_path):
    owner = hold(tmp_path)
    try:
        refused = attempt(tmp_path)
        assert refused.startswith("busy") and f"pid {owner.pid} on {socket.gethostname()}" \
            in refused and "\n" not in refused, refused
        assert attempt(tmp_path, "worker0").startswith("busy")  # a job's worker: refused too
    finally:
        kill_9(owner)
    assert attempt(tmp_path) == "ok"  # the lock of a kill -9'd owner went with it
    assert attempt(tmp_path) == "ok"  # and a clean exit releases it


def test_each_worker_holds_its_part_and_a_whole_job_relaunch_takes_them_again(tmp_path):
    workers = [hold(tmp_path, "worker0"), hold(tmp_path, "worker1")]  # both parts at once
    try:
        twin = attempt(tmp_path, "worker1")
        assert twin.startswith("busy") and f"worker1 pid {workers[1].pid}" in twin, twin
        single = attempt(tmp_path)
        assert single.startswith("busy") and "multi-worker job" in single, single
        assert f"pid {workers[0].pid}" in single and f"pid {workers[1].pid}" in single, single
    finally:
        kill_9(*workers)  # the job is preempted, every worker killed
    relaunched = [hold(tmp_path, "worker0"), hold(tmp_path, "worker1")]
    kill_9(*relaunched)
    assert attempt(tmp_path) == "ok"


def test_lock_part_names_this_task_and_refuses_multi_worker_without_tf_config(monkeypatch):
    from pipelines.training import distribute
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert distribute.lock_part("auto") is None and distribute.lock_part("mirrored") is None
    with pytest.raises(distribute.ClusterError, match="found no cluster"):
        distribute.lock_part("multi-worker")
    cluster = {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}
    monkeypatch.setenv("TF_CONFIG", json.dumps(
        {"cluster": cluster, "task": {"type": "worker", "index": 1}}))
    assert distribute.lock_part("auto") == distribute.lock_part("multi-worker") == "worker1"
    assert distribute.lock_part("one-device") is None  # one process, whatever TF_CONFIG says
    monkeypatch.setenv("TF_CONFIG", '{"cluster": ')
    with pytest.raises(distribute.ClusterError, match="not valid JSON"):
        distribute.lock_part("auto")
