"""The architecture the tree promises: models apart from pipelines, data apart from training."""

import ast
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def imports(package):
    """{module path: set of imported module names} for every .py file under `package`."""
    found = {}
    for folder, _, files in os.walk(os.path.join(ROOT, package)):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                tree = ast.parse(open(path).read(), path)
                names = set()
                for node in ast.walk(tree):
                    if isinstance(node, ast.Import):
                        names.update(a.name for a in node.names)
                    elif isinstance(node, ast.ImportFrom) and node.module:
                        names.add(node.module)
                found[os.path.relpath(path, ROOT)] = names
    return found


@pytest.mark.parametrize("forbidden", ["pipelines", "benchmarks", "tensorflow"])
def test_keras_nets_imports_no_pipelines_and_no_tensorflow(forbidden):
    bad = {path: sorted(n for n in names if n == forbidden or n.startswith(forbidden + "."))
           for path, names in imports("keras_nets").items()}
    assert not {p: n for p, n in bad.items() if n}


def test_data_imports_nothing_from_training_or_serving():
    for path, names in imports("pipelines/data").items():
        assert not [n for n in names if n.startswith(("pipelines.training", "pipelines.serving",
                                                       "pipelines.evaluation"))], path


def test_the_scan_sees_imports():  # the check above must be able to fail
    found = imports("pipelines/training")
    assert any("pipelines.data.sources" in names for names in found.values())
