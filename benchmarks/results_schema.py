"""The one layout of a results file (benchmarks/results/*.json, research/results/*.json).

A results file is one JSON object: the envelope

    "schema":     SCHEMA, the version of this layout
    "benchmark":  the module whose figures the file holds, e.g. "benchmarks.default_runs"
    "machine":    the machine the figures were measured on, or null where none was recorded
    "date":       when, or null where not recorded
    "table_rows": the rows the file gives benchmarks.report's table, each {"run", "figure",
                  "setting", "machine", "order"} (order: the table's sort key, files of a
                  smaller order first, then by file name)

beside the benchmark's own figures under their own keys. The rows are made by the writer when
it writes, from the figures it has just measured; the report reads nothing else.

Pure Python (json, os, tempfile): no TensorFlow import.
"""

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

SCHEMA = "keras-nets.results/1"
# "table_rows", not "rows": several benchmarks' own figures have been under "rows" since before
# this layout (train_throughput, gpu, serving, input_pipeline), and their keys stay.
ENVELOPE = ("schema", "benchmark", "machine", "date", "table_rows")
CELLS = ("run", "figure", "setting", "machine")


class NotResults(ValueError):
    """A file that is not a results file of SCHEMA (another layout, or a damaged one)."""


class Row(NamedTuple):
    """One row of benchmarks.report's table, as a results file holds it."""
    run: str
    figure: str
    setting: str
    machine: str
    order: float


def write(path: str, *, benchmark: str, machine: str | None, date: str | None,
          rows: Iterable[tuple[str, str, str, str]], order: float,
          data: Mapping[str, Any]) -> None:
    """Write the envelope (rows as (run, figure, setting, machine), each given `order`) and the
    benchmark's own figures `data` to path, all at once: a reader sees the old file or the new
    one, never half of one. data may hold an earlier envelope (a file read back and written
    again), which this one replaces; its own "machine" or "date", where it has one, must be
    the envelope's (ValueError otherwise), since one key cannot hold two values."""
    for key, value in (("machine", machine), ("date", date)):
        if key in data and data[key] != value:
            raise ValueError(f"{path}: the figures' {key} {data[key]!r} is not the "
                             f"envelope's {value!r}")
    table = []
    for row in rows:
        cells = _cells(row)
        if cells is None:
            raise ValueError(f"{path}: a row is {'/'.join(CELLS)}, four strings; got {row!r}")
        table.append(dict(zip(CELLS, cells), order=order))
    envelope = dict(schema=SCHEMA, benchmark=benchmark, machine=machine, date=date)
    result = {**envelope, **{k: v for k, v in data.items() if k not in ENVELOPE},
              "table_rows": table}
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1, ensure_ascii=False)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def read(path: str) -> list[Row]:
    """The table rows of the results file at path, in the file's order. NotResults for a file
    that is not JSON, or not of SCHEMA, or whose envelope is incomplete; OSError where it
    cannot be opened."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except ValueError as err:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise NotResults(f"{path}: not JSON ({err})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise NotResults(f"{path}: not a results file of schema {SCHEMA} (schema: {found!r})")
    missing = [key for key in ENVELOPE if key not in data]
    if missing or not isinstance(data["table_rows"], list):
        raise NotResults(f"{path}: schema {SCHEMA} without {', '.join(missing) or 'a list'}"
                         f"{' of table_rows' if not missing else ''}")
    rows = []
    for index, row in enumerate(data["table_rows"]):
        order = row.get("order") if isinstance(row, dict) else None
        if not isinstance(order, (int, float)) or isinstance(order, bool):
            raise NotResults(f"{path}: table_rows[{index}] has no numeric order")
        cells = _cells(row.get(c) for c in CELLS)
        if cells is None:
            raise NotResults(f"{path}: table_rows[{index}]: {'/'.join(CELLS)} are not strings")
        rows.append(Row(*cells, order))
    return rows


def _cells(row: Iterable[object]) -> list[str] | None:
    """The four cells of a row, or None unless it is four strings."""
    cells = list(row)
    if len(cells) != len(CELLS) or not all(isinstance(c, str) for c in cells):
        return None
    return cells
