"""python -m benchmarks.own_folder: the default run on a folder of real images the project did not
make, as a user's own data arrives.

The images are scikit-learn's bundled handwritten digits (1,797 8x8 grey scans of 43 people's
digits, 10 classes; offline, no download), written as PNG files into FOLDER/train/<digit>/ and
FOLDER/validation/<digit>/ (360 validation images, a seeded split) at run time. Then
`python -m pipelines.train --dataset FOLDER` with no other flag (or the flags after `--`), once per
--seeds seed, and each run's validation accuracy, epochs and wall time with the machine in --json
(the first seed's figures at the top level, every seed's under "runs").
"""

import argparse
import json
import os
import statistics
import sys
import time
from typing import Any

from benchmarks import results_schema
from benchmarks.cells import machine, over_seeds
from benchmarks.timing import cpu_description
from pipelines.training.rundir import read_run

VALIDATION = 360  # a fifth of the 1,797 images


def write_digits(folder: str, seed: int = 0) -> tuple[int, int]:
    """The digits as PNG files in the image-folder layout; returns (train, validation) counts."""
    import numpy as np
    from PIL import Image
    from sklearn.datasets import load_digits
    digits = load_digits()
    order = np.random.default_rng(seed).permutation(len(digits.images))
    counts = {"train": 0, "validation": 0}
    for rank, index in enumerate(order):
        split = "validation" if rank < VALIDATION else "train"
        class_dir = os.path.join(folder, split, str(digits.target[index]))
        os.makedirs(class_dir, exist_ok=True)
        pixels = np.round(digits.images[index] * 255 / 16).astype(np.uint8)  # 17 grey levels
        Image.fromarray(pixels, "L").save(os.path.join(class_dir, f"{index}.png"))
        counts[split] += 1
    return counts["train"], counts["validation"]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    p = argparse.ArgumentParser(prog="python -m benchmarks.own_folder", description=__doc__)
    p.add_argument("--folder", default="runs/digits_folder", help="where to write the images")
    p.add_argument("--run-dir", default="runs/digits_default",
                   help="the training run (RUN_DIR_seedS for each seed after the first)")
    p.add_argument("--seeds", default="0", help="comma-separated training seeds (default: 0)")
    p.add_argument("--json", default=None, help="write the figures here")
    args = p.parse_args(argv)
    try:
        seeds = [int(seed) for seed in args.seeds.split(",")]
    except ValueError:
        p.error(f"--seeds: comma-separated integers, got {args.seeds!r}")
    train, validation = write_digits(args.folder)
    print(f"{args.folder}: {train} training and {validation} validation images")
    from pipelines.train import main as train_main
    runs = []
    for seed in seeds:
        run_dir = args.run_dir if seed == seeds[0] else f"{args.run_dir}_seed{seed}"
        start = time.time()
        code = train_main(["--dataset", args.folder, "--run-dir", run_dir, "--no-export",
                           "--seed", str(seed), *extra])
        seconds = time.time() - start
        if code:
            return code
        _, rows = read_run(run_dir)
        runs.append(dict(seed=seed, epochs=len(rows),
                         val_top1_accuracy=1 - rows[-1]["val_top1_error"],
                         best_val_top1_accuracy=1 - min(r["val_top1_error"] for r in rows),
                         wall_seconds=round(seconds, 1)))
    first = {k: v for k, v in runs[0].items() if k != "seed"}
    result = dict(dataset="scikit-learn digits (8x8 grey scans), image folder",
                  train_images=train, validation_images=validation, flags=extra, **first,
                  runs=runs, machine=cpu_description(), date=time.strftime("%Y-%m-%d"))
    print(json.dumps(result, indent=1))
    if args.json:
        results_schema.write(args.json, benchmark="benchmarks.own_folder",
                             machine=result["machine"], date=result["date"],
                             rows=table_rows(result), order=ORDER, data=result)
    return 0


ORDER = 2.7  # the report's rows after the default run per precision


def table_rows(data: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The report's row (run, figure, setting, machine) of a result of main: the validation
    accuracy (several seeds: their mean and spread), the epochs and the wall time."""
    runs = data.get("runs") if isinstance(data.get("runs"), list) else []
    if len(runs) > 1:
        figure = f"val top-1 accuracy {over_seeds([r['val_top1_accuracy'] for r in runs])}"
        seconds = statistics.median(r["wall_seconds"] for r in runs)
    else:
        figure = f"val top-1 accuracy {100 * data['val_top1_accuracy']:.1f}%"
        if data.get("best_val_top1_accuracy") is not None:
            figure += f" (best epoch {100 * data['best_val_top1_accuracy']:.1f}%)"
        seconds = data.get("wall_seconds")
    figure += f" after {data['epochs']} epochs"
    if seconds:
        figure += f", {seconds / 60:.1f} min in all" + (" (median)" if len(runs) > 1 else "")
    flags = " ".join(data.get("flags") or []) or "none"
    setting = (f"`pipelines.train --dataset FOLDER`, other flags: {flags}; "
               f"{data['train_images']:,} training, {data['validation_images']:,} validation "
               f"images")
    return [(f"default run on {data['dataset']}", figure, setting, machine(data))]


if __name__ == "__main__":
    sys.exit(main())
