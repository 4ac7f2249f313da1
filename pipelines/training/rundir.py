"""A run directory as a cluster job sees it: the same command, relaunched, continues the run.

A directory that holds a checkpoint is resumed, so a preempted job restarted by its scheduler
continues where it stopped; its config.json says what the run is, and a command that would
train something else there (another model, width, FC size, dataset, steps per epoch or recipe, the
global batch included) is refused with one line that names the field. A damaged config.json or
checkpoint index (garbled, truncated) is reported in one line too, with what to do, before
anything is trained or overwritten: TensorFlow itself would skip an unparsable index and start
the run afresh over the old checkpoints.
"""

import json
import os
import re
from typing import Any

from pipelines.errors import DamagedFile, UserError


METRICS = "metrics.jsonl"  # one JSON line per finished epoch (metrics.MetricsWriter writes it)


def read_metrics(run_dir: str) -> list[dict]:
    """The finished epochs' metrics of a run directory, oldest first ([] before the first);
    DamagedFile for a line that is not JSON."""
    path = os.path.join(run_dir, METRICS)
    if not os.path.exists(path):
        return []
    rows = []
    with open(path) as f:
        for number, text in enumerate(f, 1):
            if not text.strip():
                continue
            try:
                rows.append(json.loads(text))
            except json.JSONDecodeError:
                raise DamagedFile(f"{path}: damaged at line {number} (not JSON); restore it, "
                                  "or cut it at the last whole line") from None
    return rows


def stage_dir(run_dir: str, model: str) -> str:
    """Where a grown run (pipelines.training.grow) trains its first stage, the shallower
    `model`: a run directory of its own inside the run's, continued like any other."""
    return os.path.join(run_dir, f"grown_from_{model}")

# What must not change within a run; the recipe is compared field by field.
FIXED = ("model", "width", "fc_units", "model_options", "weights", "dataset", "steps_per_epoch")
# Fields added after runs were written: what an older config.json without them meant.
LEGACY = {"fc_units": 4096}


class RunDirError(UserError):
    """The run directory cannot be continued by this command (one line for the CLI)."""


class ConfigMismatch(RunDirError):
    pass


def check_resumable(run_dir: str, resolved: dict[str, Any]) -> bool:
    """Raise RunDirError when this command cannot continue run_dir: a damaged checkpoint index
    or config.json, or a config.json of another run. Returns whether it holds a checkpoint."""
    if not readable_checkpoints(run_dir):
        return False
    check_same_run(run_dir, resolved)
    return True


def check_same_run(run_dir: str, resolved: dict[str, Any]) -> None:
    """Raise ConfigMismatch when run_dir/config.json describes another run than `resolved`."""
    saved = read_config(run_dir)
    if saved is None:
        return
    pairs = [(key, saved.get(key, LEGACY.get(key)), resolved[key]) for key in FIXED]
    pairs += [(f"recipe.{key}", saved.get("recipe", {}).get(key), value)
              for key, value in resolved["recipe"].items()]
    for field, before, now in pairs:
        if before != json.loads(json.dumps(now)):  # tuples read back as lists
            raise ConfigMismatch(
                f"{run_dir} holds a run with {field}={before!r} (config.json), this command asks "
                f"for {now!r}: relaunch it with the same flags or choose another --run-dir")


def read_config(run_dir: str) -> dict[str, Any] | None:
    """run_dir/config.json (write_config), None when there is none; DamagedFile when it does not
    read as a JSON object."""
    path = os.path.join(run_dir, "config.json")
    if not os.path.exists(path):
        return None
    try:
        with open(path, "rb") as f:
            saved = json.loads(f.read().decode())
        if not isinstance(saved, dict):
            raise ValueError(f"a JSON {type(saved).__name__}, not an object")
    except ValueError as err:  # JSONDecodeError and UnicodeDecodeError included
        raise DamagedFile(
            f"{path} is damaged ({err}); it records what the run in {run_dir} is: restore it, "
            "or delete it to continue the run with this command's flags unchecked") from None
    return saved


def read_run(run_dir: str) -> tuple[dict[str, Any], list[dict]]:
    """(config.json, [epoch metrics]) of a run directory with at least one finished epoch
    (RunDirError otherwise: no config.json, or no epoch in metrics.jsonl)."""
    config = read_config(run_dir)
    if config is None:
        raise RunDirError(f"{run_dir}: no config.json (not a run directory)")
    rows = read_metrics(run_dir)
    if not rows:
        raise RunDirError(f"{run_dir}: no finished epoch in {METRICS}")
    return config, rows


def write_config(run_dir: str, resolved: dict[str, Any]) -> None:
    """config.json, replaced atomically (other workers may be reading it)."""
    os.makedirs(run_dir, exist_ok=True)
    path = os.path.join(run_dir, "config.json")
    with open(path + ".tmp", "w") as f:
        json.dump(resolved, f, indent=1)
    os.replace(path + ".tmp", path)


def readable_checkpoints(run_dir: str) -> list[str]:
    """The checkpoints (paths) that RUN_DIR/checkpoints/checkpoint lists and whose index reads,
    newest last; [] when there is no checkpoint. Raises DamagedFile when that list is damaged, or
    when it names checkpoints and none of them can be read (an older readable one is enough:
    the trainer falls back to it with a warning)."""
    directory = os.path.join(run_dir, "checkpoints")
    state_path = os.path.join(directory, "checkpoint")
    if not os.path.exists(state_path):
        return []
    newest = _newest_index(directory)
    fix = (f"write it again naming the newest checkpoint (printf 'model_checkpoint_path: "
           f"\"{newest}\"\\nall_model_checkpoint_paths: \"{newest}\"\\n"
           f"all_model_checkpoint_timestamps: 1\\n' > {state_path}), or" if newest else "")
    fix += f" delete {directory} to start the run afresh"
    try:
        _listed_checkpoints(state_path)
        import tensorflow as tf
        # What the trainer's CheckpointManager will restore from: it drops the checkpoints whose
        # timestamps are missing (a file cut after the paths), and then starts afresh.
        paths = tf.train.CheckpointManager(tf.train.Checkpoint(), directory, None).checkpoints
        if not paths:
            raise ValueError("no checkpoint with a timestamp")
    except ValueError as err:
        raise DamagedFile(f"{state_path}, the index of the run's checkpoints, is damaged "
                          f"({err}): {fix.strip()}") from None
    readable, problems = [], []
    for path in paths:
        problem = _index_problem(path)
        if problem:
            problems.append(f"{os.path.basename(path)}.index: {problem}")
        else:
            readable.append(path)
    if not readable:
        raise DamagedFile(f"no checkpoint that {state_path} lists can be read "
                          f"({'; '.join(problems)}): restore them, or delete {directory} to start "
                          "the run afresh")
    return readable


# A line of the CheckpointState text proto that tf.train.CheckpointManager writes.
_STATE_LINE = re.compile(r'(model_checkpoint_path|all_model_checkpoint_paths): "((?:[^"\\]|\\.)*)"'
                         r'|(all_model_checkpoint_timestamps|last_preserved_timestamp): [-+.\deE]+')


def _listed_checkpoints(state_path: str) -> list[str]:
    """The checkpoints that the CheckpointState file lists (all_model_checkpoint_paths: those
    tf.train.CheckpointManager restores from), the latest last. Parsed here, not with
    tf.train.get_checkpoint_state, which logs a parse error and answers "no checkpoint", and
    without the list the manager starts afresh as well."""
    latest, paths = None, []
    with open(state_path, "rb") as f:
        lines = f.read().decode().splitlines()  # UnicodeDecodeError: a ValueError
    for number, line in enumerate(lines, 1):
        match = _STATE_LINE.fullmatch(line.strip())
        if line.strip() and not match:
            raise ValueError(f"line {number} is {line.strip()[:60]!r}")
        if match and match.group(1):
            path = match.group(2).encode().decode("unicode_escape")
            if match.group(1) == "model_checkpoint_path":
                latest = path
            else:
                paths.append(path)
    if not latest or not paths:
        raise ValueError("it names no checkpoint" if not latest and not paths else
                         "no model_checkpoint_path" if not latest else
                         "no all_model_checkpoint_paths")
    return [p for p in paths if p != latest] + [latest]


def _index_problem(prefix: str) -> str | None:
    """Why the checkpoint `prefix` cannot be read (its .index file: the names, shapes and offsets
    of the saved tensors), or None."""
    if not os.path.exists(prefix + ".index"):
        return "missing"
    import tensorflow as tf
    try:
        tf.train.load_checkpoint(prefix).get_variable_to_shape_map()
    except Exception as err:  # truncated or garbled: DataLossError, OutOfRangeError, ...
        message = str(err).strip().splitlines()
        return f"{err.__class__.__name__}{': ' + message[0][:120] if message else ''}"
    return None


def _newest_index(directory: str) -> str | None:
    """The newest ckpt-N with an .index file in directory (by N), or None."""
    numbers = []
    for name in os.listdir(directory):
        stem = name.removesuffix(".index")
        if stem != name and stem.startswith("ckpt-") and stem[5:].isdigit():
            numbers.append(int(stem[5:]))
    return f"ckpt-{max(numbers)}" if numbers else None
