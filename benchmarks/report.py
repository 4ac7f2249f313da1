"""python -m benchmarks.report: one markdown table of the current results in benchmarks/results/.

Reads the rows that every results file holds (benchmarks.results_schema: each benchmark and
study makes its rows when it writes its figures) and prints them, one row per measured figure,
with the machine the file records ("not recorded" where it records none). Files not of the
schema are skipped and named on stderr; no figure is computed here. `--write README.md` replaces
the table between the README's two marker lines; `--check README.md` exits 1 when that table is
not the one the files give.

Pure Python (json, argparse): no TensorFlow import.
"""

import argparse
import glob
import os
import sys

from benchmarks import results_schema
from benchmarks.cells import cell
from benchmarks.results_schema import Row

BEGIN = "<!-- results:begin -->"
END = "<!-- results:end -->"
DEFAULT_RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
HEADER = ("| model / run | figure | setting | machine | file |\n"
          "|---|---|---|---|---|")


def collect(results_dir: str) -> tuple[list[tuple[str, Row]], list[str]]:
    """([(file name, row)] in the table's order, [names of the files skipped]) for every *.json
    in results_dir: a file's rows keep their order, files sort by their rows' order, then name."""
    found, skipped = [], []
    for path in sorted(glob.glob(os.path.join(results_dir, "*.json"))):
        name = os.path.basename(path)
        try:
            found.extend((name, row) for row in results_schema.read(path))
        except (OSError, results_schema.NotResults):
            skipped.append(name)
    found.sort(key=lambda item: (item[1].order, item[0]))
    return found, skipped


def table(results_dir: str) -> tuple[str, list[str]]:
    """(the markdown table, skipped files)."""
    found, skipped = collect(results_dir)
    lines = [HEADER]
    for name, row in found:
        lines.append("| " + " | ".join(cell(c) for c in (row.run, row.figure, row.setting,
                                                             row.machine, f"`{name}`")) + " |")
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
        print(f"skipped (not of {results_schema.SCHEMA}): {', '.join(skipped)}",
              file=sys.stderr)
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
