"""pipelines.train on a run directory that is taken or damaged, and its first screen (issue 21):
tiny runs in subprocesses (1/16 width, FC 32, 16 images, 1 step an epoch)."""

import json
import os
import re
import signal
import subprocess
import sys

from pipelines.training.precision import gpu_capability, resolve
from test_train import ROOT, data_dir, shared_tfds  # noqa: F401

# float32 on every host: auto would pick bfloat16 on CPUs that have it
TINY = ["--precision", "float32",
        "--width", "0.0625", "--fc-units", "32", "--shapes-train", "16",
        "--shapes-validation", "8", "--batch-size", "4", "--input-size", "67", "--steps", "1",
        "--no-export", "--seed", "3"]


def command(tmp_path, run, *flags):
    return [sys.executable, "-m", "pipelines.train", "--data-dir", data_dir(tmp_path), *TINY,
            *flags, "--run-dir", str(run)]


def environment(**extra):
    """The user's environment: no TF_CPP_MIN_LOG_LEVEL (the tests' conftest sets it)."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return dict(env, PYTHONUNBUFFERED="1", **extra)


def start(cmd):
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=environment())


def read_until(proc, prefix):
    """The process's output up to the first line that starts with prefix."""
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if line.startswith(prefix):
            return seen
    raise AssertionError(f"no line {prefix!r}:\n" + "".join(seen)[-3000:])


def test_second_launch_is_refused_while_the_owner_lives_and_resumes_after_kill_9(tmp_path):
    run = tmp_path / "run"
    cmd = command(tmp_path, run, "--epochs", "1000")
    owner = start(cmd)
    relaunch = None
    try:
        read_until(owner, "epoch 1/1000 step")  # training: the run dir is held
        second = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=180,
                                env=environment())
        assert second.returncode == 2, second.stdout[-2000:] + second.stderr[-2000:]
        errors = [l for l in second.stderr.splitlines() if "error:" in l]
        assert len(errors) == 1 and f"pid {owner.pid} on" in errors[0], second.stderr[-2000:]
        assert "Traceback" not in second.stderr and "epoch" not in second.stdout
        owner.send_signal(signal.SIGKILL)
        owner.wait()
        relaunch = start(cmd)  # the same command after kill -9: not blocked, resumes
        assert any("resumed from" in l for l in read_until(relaunch, "epoch "))
    finally:
        for proc in (owner, relaunch):
            if proc and proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
    epochs = [json.loads(l)["epoch"] for l in (run / "metrics.jsonl").read_text().splitlines()]
    assert epochs == sorted(set(epochs)), epochs  # one writer at a time: no epoch twice


# Each case through the CLI's own main in one process (one TensorFlow start-up): a file of the
# run dir replaced by damage(its bytes) for the call and restored after it; the exit code and
# what the call printed.
EACH_CASE = """
import contextlib, io, json, os, sys
from pipelines.train import main
results = []
for path, damage, argv, env in json.loads(sys.argv[1]):
    original = open(path, "rb").read() if path else None
    if path:
        open(path, "wb").write(eval(damage)(original))
    os.environ.update(env)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit:
            code = exit.code
    if path:
        open(path, "wb").write(original)
    results.append([code, out.getvalue(), err.getvalue()])
print("RESULTS " + json.dumps(results))
"""

# The index as the refusal says to write it again (printf's \\n: newlines).
REWRITTEN = ('model_checkpoint_path: "ckpt-1"\\nall_model_checkpoint_paths: "ckpt-1"\\n'
             'all_model_checkpoint_timestamps: 1\\n')


def test_damaged_run_dir_files_one_line_exit_2(tmp_path):
    run = tmp_path / "run"
    argv = command(tmp_path, run, "--epochs", "1")[3:]
    cases = [  # (file, how it is damaged, what the error line says)
        ("config.json", "lambda b: b[:len(b) // 2]", "config.json is damaged"),
        ("config.json", "lambda b: b'\\x00\\xff\\xfe garbage'", "config.json is damaged"),
        ("checkpoints/checkpoint", "lambda b: b[:20]",
         "the index of the run's checkpoints, is damaged (line 1 is"),
        ("checkpoints/checkpoint", "lambda b: b[:b.index(b'\\n') + 1]",
         "no all_model_checkpoint_paths"),
        ("checkpoints/ckpt-1.index", "lambda b: b[:len(b) // 2]", "ckpt-1.index: "),
    ]
    runs = [[None, None, argv, {}]]  # the run: 1 epoch, 1 step, its checkpoint ckpt-1
    runs += [[str(run / name), damage, argv, {}] for name, damage, _ in cases]
    runs.append([None, None, [*argv[:-1], str(tmp_path / "job"), "--strategy", "multi-worker"],
                 {"TF_CONFIG": ""}])
    fixed = REWRITTEN.replace("\\n", "\n")
    runs.append([str(run / "checkpoints" / "checkpoint"), f"lambda b: {fixed.encode()!r}", argv,
                 {}])  # the index written again as told: the run resumes
    result = subprocess.run([sys.executable, "-c", EACH_CASE, json.dumps(runs)], cwd=ROOT,
                            capture_output=True, text=True, timeout=600, env=environment())
    assert result.returncode == 0, result.stderr[-3000:]  # no traceback escaped main
    (code, out, err), *refused, (fixed_code, fixed_out, _) = json.loads(
        result.stdout.split("RESULTS ")[-1])
    assert code == 0 and "epoch 1/1 step 1/1" in out, err[-3000:]
    expected = [message for *_, message in cases] + ["--strategy multi-worker found no cluster"]
    for (code, out, err), message in zip(refused, expected, strict=True):
        errors = [l for l in err.splitlines() if "error:" in l]
        assert code == 2 and len(errors) == 1 and message in errors[0], (message, out, err)
        assert "Traceback" not in err and "epoch 1/1" not in out, err
    assert f"printf '{REWRITTEN}' > " in refused[2][2]  # what to do, in the error line
    assert fixed_code == 0 and "resumed from" in fixed_out, fixed_out


# TFDS preparing the embedded dataset the first time: progress the user wants to see, and not
# part of the first screen measured here.
PREPARING = ("Downloading and preparing", "Generating", "Shuffling", "Dataset keras_nets_shapes")
NATIVE_LOG = re.compile(r"^[IWEF]\d{4} ")


def screen(result):
    """The lines a terminal shows: progress bars' cursor moves and carriage returns resolved."""
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", result.stdout + result.stderr)
    lines = [line.split("\r")[-1].strip() for line in text.splitlines()]
    return [l for l in lines if l and not l.startswith(PREPARING)]


def test_first_screen_is_a_few_lines_and_verbose_brings_tensorflow_back(tmp_path):
    run = tmp_path / "run"
    cmd = command(tmp_path, run, "--epochs", "2", "--precision", "auto")
    quiet = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300,
                           env=environment())
    assert quiet.returncode == 0, quiet.stderr[-3000:]
    lines = screen(quiet)
    # 5 lines of what the run is, 2 per epoch, the result line
    assert len(lines) <= 10, "\n".join(lines)
    assert not [l for l in lines if NATIVE_LOG.match(l) or "WARNING" in l], "\n".join(lines)
    head = "\n".join(lines[:5])
    chosen, why = resolve("auto", gpu_capability())  # this machine's choice, and why
    config = json.loads((run / "config.json").read_text())
    assert (config["precision_resolved"], config["precision_why"]) == (chosen, why)
    for part in ("model alexnet", "recipe demo", "data shapes", "strategy ",
                 f"precision {chosen} ({why})", f"run dir {run}"):
        assert part in head, head
    again = subprocess.run([*cmd, "--verbose"], cwd=ROOT, capture_output=True, text=True,
                           timeout=300, env=environment())
    assert again.returncode == 0 and "resumed from" in again.stdout, again.stderr[-3000:]
    assert [l for l in screen(again) if NATIVE_LOG.match(l)], again.stderr[-3000:]
