"""python -m benchmarks.report: one markdown table of the current results in benchmarks/results/.

Reads the JSON files the benchmarks and studies write (benchmarks.train_throughput's,
benchmarks.gpu's, benchmarks.trainer_speed's and benchmarks.regressions' --json files,
paper_recipe.json, the experiments' NAME.json with their claims, vgg_d_init_from_a.json) and
prints one row per measured figure, with the machine the file records ("not recorded" where it records none).
Files of another layout are skipped and named on stderr; no figure is computed that the files
do not hold. `--write README.md` replaces the table between the README's two marker lines;
`--check README.md` exits 1 when that table is not the one the files give.

Pure Python (json, argparse): no TensorFlow import.
"""

import argparse
import glob
import json
import os
import sys

from benchmarks import report_peers, report_rows, report_runs
from benchmarks.report_rows import cell

READERS = report_rows.READERS + report_runs.READERS + report_peers.READERS
ORDER = {**report_rows.ORDER, **report_runs.ORDER, **report_peers.ORDER}
BEGIN = "<!-- results:begin -->"
END = "<!-- results:end -->"
DEFAULT_RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
HEADER = ("| model / run | figure | setting | machine | file |\n"
          "|---|---|---|---|---|")


def collect(results_dir: str
            ) -> tuple[list[tuple[float, str, tuple[str, str, str, str]]], list[str]]:
    """([(order, file, row)], [skipped file names]) for every *.json in results_dir."""
    found, skipped = [], []
    for path in sorted(glob.glob(os.path.join(results_dir, "*.json"))):
        name = os.path.basename(path)
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError):
            skipped.append(name)
            continue
        for reader in READERS:
            try:
                rows = reader(data)
            except (KeyError, TypeError, ValueError, AttributeError):
                rows = None
            if rows:
                found.extend((ORDER[reader], name, row) for row in rows)
                break
        else:
            skipped.append(name)
    found.sort(key=lambda item: (item[0], item[1]))
    return found, skipped


def table(results_dir: str) -> tuple[str, list[str]]:
    """(the markdown table, skipped files)."""
    found, skipped = collect(results_dir)
    lines = [HEADER]
    for _, name, (run, figure, setting, where) in found:
        lines.append("| " + " | ".join(cell(c) for c in (run, figure, setting, where,
                                                             f"`{name}`")) + " |")
    return "\n".join(lines), skipped


def replace_block(text: str, block: str) -> str:
    """text with the lines between BEGIN and END replaced by block; ValueError without them."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < 0 or end < start:
        raise ValueError(f"no '{BEGIN}' ... '{END}' block")
    return text[:start + len(BEGIN)] + "\n" + block + "\n" + text[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.report",
        description="Print one markdown table of the current results (benchmarks/results/*.json),"
                    " with the machine each file records.")
    parser.add_argument("--results", default=DEFAULT_RESULTS,
                        help="folder of result JSON files (default: benchmarks/results)")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--write", metavar="FILE",
                        help=f"replace the table between '{BEGIN}' and '{END}' in FILE")
    target.add_argument("--check", metavar="FILE",
                        help="exit 1 when FILE's table differs from the one the results give")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.results):
        parser.exit(2, f"{parser.prog}: error: {args.results}: no such folder\n")
    block, skipped = table(args.results)
    if skipped:
        print(f"skipped (layout not known): {', '.join(skipped)}", file=sys.stderr)
    path = args.write or args.check
    if not path:
        print(block)
        return 0
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        new = replace_block(text, block)
    except (OSError, ValueError) as err:
        parser.exit(2, f"{parser.prog}: error: {path}: {err}\n")
    if args.check:
        if new != text:
            print(f"{path}: the results table is not current; run "
                  f"python -m benchmarks.report --write {path}", file=sys.stderr)
            return 1
        return 0
    if new != text:
        with open(path, "w", encoding="utf-8") as f:
            f.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
