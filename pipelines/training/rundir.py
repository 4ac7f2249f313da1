"""A run directory as a cluster job sees it: the same command, relaunched, continues the run.

A directory that holds a checkpoint is resumed, so a preempted job restarted by its scheduler
continues where it stopped; its config.json says what the run is, and a command that would
train something else there (another model, width, FC size, dataset, steps per epoch or recipe, the
global batch included) is refused with one line that names the field.
"""

import json
import os

# What must not change within a run; the recipe is compared field by field.
FIXED = ("model", "width", "fc_units", "dataset", "steps_per_epoch")
# Fields added after runs were written: what an older config.json without them meant.
LEGACY = {"fc_units": 4096}


class ConfigMismatch(ValueError):
    pass


def check_same_run(run_dir, resolved):
    """Raise ConfigMismatch when run_dir/config.json describes another run than `resolved`."""
    path = os.path.join(run_dir, "config.json")
    if not os.path.exists(path):
        return
    with open(path) as f:
        saved = json.load(f)
    pairs = [(key, saved.get(key, LEGACY.get(key)), resolved[key]) for key in FIXED]
    pairs += [(f"recipe.{key}", saved.get("recipe", {}).get(key), value)
              for key, value in resolved["recipe"].items()]
    for field, before, now in pairs:
        if before != now:
            raise ConfigMismatch(
                f"{run_dir} holds a run with {field}={before!r} (config.json), this command asks "
                f"for {now!r}: relaunch it with the same flags or choose another --run-dir")


def write_config(run_dir, resolved):
    """config.json, replaced atomically (other workers may be reading it)."""
    os.makedirs(run_dir, exist_ok=True)
    path = os.path.join(run_dir, "config.json")
    with open(path + ".tmp", "w") as f:
        json.dump(resolved, f, indent=1)
    os.replace(path + ".tmp", path)
