"""benchmarks.regressions: the rule that says a decision holds, the exit code that guards it,
the LRN check's two sides computing the same thing, and its argument errors."""

import json
import time

import pytest

from benchmarks import regressions, results_schema
from cli import exit_2_error


def test_a_decision_holds_only_while_the_alternative_is_slower():
    quartiles, holds = regressions.verdict([1.0, 1.0, 1.0], [1.5, 1.2, 3.0], 1.0)
    assert holds and quartiles[1] == pytest.approx(1.5)
    assert not regressions.verdict([1.0, 1.0, 1.0], [0.9, 1.2, 0.8], 1.0)[1]
    assert not regressions.verdict([1.0, 1.0, 1.0], [1.5, 1.2, 3.0], 2.0)[1]


def sleeper(seconds):
    return lambda: time.sleep(seconds)


@pytest.mark.parametrize("product, alternative, code", [(0.001, 0.02, 0), (0.02, 0.001, 1)])
def test_the_command_fails_when_the_product_is_the_slower(monkeypatch, tmp_path, capsys,
                                                          product, alternative, code):
    monkeypatch.setattr(regressions, "lrn_cases",
                        lambda batch, size, gradient=False: (sleeper(product),
                                                             sleeper(alternative)))
    out = tmp_path / "r.json"
    assert regressions.main(["--checks", "lrn", "--rounds", "3", "--json", str(out)]) == code
    result = json.loads(out.read_text())["results"][0]
    assert result["holds"] is (code == 0)
    assert len(result["seconds"][0]) == 3
    assert ("no longer hold" in capsys.readouterr().err) is (code == 1)
    [row] = results_schema.read(str(out))  # the report's row, as the figures were written
    assert row.run == "decision: lrn: rsqrt form vs pow" and row.setting == "3 rounds, medians"
    assert row.figure.endswith(": holds" if code == 0 else ": does NOT hold")


@pytest.mark.parametrize("gradient", [False, True])
def test_the_lrn_checks_compare_the_same_computation(gradient):
    product, alternative = regressions.lrn_cases(2, 7, gradient=gradient)
    assert product() == pytest.approx(alternative(), rel=1e-5)


@pytest.mark.parametrize("argv", [["--checks", "speed"], ["--checks", ""], ["--rounds", "0"],
                                  ["--resume-epochs", "-1"]])
def test_bad_arguments_exit_2(argv, capsys):
    exit_2_error(regressions.main, argv, capsys)
