"""benchmarks.results_schema: what write writes, read reads back; another layout, a damaged
file or a broken envelope is refused by name; a write is all or nothing."""

import json
import os

import pytest

from benchmarks import results_schema
from benchmarks.results_schema import NotResults, Row, read, write

ROWS = [("`alexnet` (keras-nets)", "train 61.2 img/s", "float32, batch 64", "2-core box"),
        ("`vgg_d` (keras-nets)", "train 3.92 img/s | 4", "", "2-core box")]
FIGURES = {"machine": "2-core box", "rows": [{"model": "alexnet", "images_per_s": 61.16}],
           "date": "2026-12-01"}


def written(path, **changes):
    arguments = dict(benchmark="benchmarks.example", machine="2-core box", date="2026-12-01",
                     rows=ROWS, order=1.5, data=FIGURES)
    write(str(path), **{**arguments, **changes})
    return path


def test_what_write_writes_read_gives_back_with_the_figures_beside(tmp_path):
    path = written(tmp_path / "r.json")
    assert read(str(path)) == [Row(*row, 1.5) for row in ROWS]
    data = json.loads(path.read_text())
    assert data["schema"] == results_schema.SCHEMA and data["benchmark"] == "benchmarks.example"
    # the benchmark's own keys stay as they were, "rows" among them
    assert {k: data[k] for k in FIGURES} == FIGURES
    assert os.listdir(tmp_path) == ["r.json"]  # no temporary file left


def test_a_file_written_again_replaces_its_envelope(tmp_path):
    path = written(tmp_path / "r.json")
    again = json.loads(path.read_text())  # read back whole, as benchmarks.default_runs does
    written(path, rows=ROWS[:1], order=2, data=again)
    assert read(str(path)) == [Row(*ROWS[0], 2)]


def test_a_machine_or_date_the_figures_contradict_is_refused(tmp_path):
    with pytest.raises(ValueError, match="machine"):
        written(tmp_path / "r.json", machine="another box")
    with pytest.raises(ValueError, match="four strings"):
        written(tmp_path / "r.json", rows=[("run", "figure", "setting")])
    assert not os.listdir(tmp_path)


def test_a_write_that_fails_leaves_the_file_it_would_replace(tmp_path):
    path = written(tmp_path / "r.json")
    before = path.read_text()
    with pytest.raises(TypeError):  # a figure JSON cannot hold
        written(path, data=dict(FIGURES, seconds={1, 2}))
    assert path.read_text() == before and os.listdir(tmp_path) == ["r.json"]


@pytest.mark.parametrize("text, says", [
    ('{"rows": [', "not JSON"),
    ('[1, 2]', "not a results file"),
    ('{"label": "x", "layers": []}', "not a results file"),
    ('{"schema": "keras-nets.results/0", "table_rows": []}', "not a results file"),
])
def test_another_layout_is_refused_by_name(tmp_path, text, says):
    path = tmp_path / "other.json"
    path.write_text(text)
    with pytest.raises(NotResults, match=says) as error:
        read(str(path))
    assert str(path) in str(error.value)


@pytest.mark.parametrize("change, says", [
    (lambda d: d.pop("benchmark"), "without benchmark"),
    (lambda d: d.update(table_rows={}), "a list of table_rows"),
    (lambda d: d["table_rows"][1].pop("order"), r"table_rows\[1\] has no numeric order"),
    (lambda d: d["table_rows"][0].update(figure=61.2), r"table_rows\[0\]"),
])
def test_a_broken_envelope_is_refused(tmp_path, change, says):
    path = written(tmp_path / "r.json")
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    with pytest.raises(NotResults, match=says):
        read(str(path))
