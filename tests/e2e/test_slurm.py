"""Under srun: a two-task Slurm step trains as one multi-worker job, its cluster built from Slurm's
environment by TensorFlow's SlurmClusterResolver (no hand-written TF_CONFIG)."""

import json
import os
import socket
import subprocess
import sys

import pytest

from test_train import ROOT, TINY, data_dir, screen_and_progress, shared_tfds  # noqa: F401


def slurm_env(procid, tasks=2, node="127.0.0.1"):
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    env.update(SLURM_PROCID=str(procid), SLURM_LOCALID=str(procid), SLURM_NTASKS=str(tasks),
               SLURM_STEP_NUM_TASKS=str(tasks), SLURM_STEP_NODELIST=node,
               SLURM_STEP_TASKS_PER_NODE=str(tasks), SLURM_JOB_ID="4242",
               TF_CPP_MIN_LOG_LEVEL="3")
    return env


def free_port_pair():
    """A port p with p + 1 free too (a node's two tasks listen on port_base + local index)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    pytest.skip("no two consecutive free ports on 127.0.0.1")


def test_the_cluster_comes_from_slurms_variables(monkeypatch):
    from pipelines.training import distribute
    # Recorded as absent before cluster_from_slurm writes it: the teardown removes it again, so
    # no later test inherits this cluster.
    monkeypatch.setenv("TF_CONFIG", "")
    for procid in (0, 1):
        for key, value in slurm_env(procid).items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("TF_CONFIG", "")
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
        assert distribute.cluster_from_slurm(port_base=23456) == 2
        config = json.loads(os.environ["TF_CONFIG"])
        assert config == {"cluster": {"worker": ["127.0.0.1:23456", "127.0.0.1:23457"]},
                          "task": {"type": "worker", "index": procid}}
    monkeypatch.setenv("TF_CONFIG", json.dumps(config))  # a TF_CONFIG given wins
    assert distribute.cluster_from_slurm() == 0
    monkeypatch.setenv("TF_CONFIG", "")
    monkeypatch.setenv("SLURM_STEP_NUM_TASKS", "1")  # one task: not a cluster
    assert distribute.cluster_from_slurm() == 0 and not os.environ["TF_CONFIG"]


def test_no_cluster_is_left_behind_for_later_tests():
    assert not os.environ.get("TF_CONFIG") and "SLURM_PROCID" not in os.environ


def test_a_two_task_slurm_step_trains_as_one_job(tmp_path):
    run, port = tmp_path / "run", free_port_pair()
    cmd = [sys.executable, "-m", "pipelines.train", "--data-dir", data_dir(tmp_path), *TINY,
           "--epochs", "1", "--steps", "2", "--width", "0.25", "--run-dir", str(run),
           "--cluster-port", str(port)]
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=slurm_env(i), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) for i in (0, 1)]
    outputs = [p.communicate(timeout=600)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs[0][-2000:] + outputs[1][-2000:]
    assert "2 replicas, 2 workers" in outputs[0]
    # Under srun both tasks write to one terminal: only the chief's screen and progress show.
    assert screen_and_progress(outputs[0]) and not screen_and_progress(outputs[1]), outputs[1]
    config = json.loads((run / "config.json").read_text())
    assert config["workers"] == 2 and config["strategy_resolved"] == "CollectiveAllReduceStrategy"
    metrics = (run / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in metrics] == [1]  # one job, not two runs
    assert (run / "worker1" / "model.keras").exists()
