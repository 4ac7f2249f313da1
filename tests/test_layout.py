"""The architecture the tree promises: models apart from pipelines, data apart from training."""

import ast
import os

import pytest

import keras_nets

LAZY = keras_nets._PUBLIC  # name -> (module, attribute) that `from keras_nets import` loads

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


def _module(path):
    """'keras_nets/convert/__init__.py' -> 'keras_nets.convert'."""
    parts = os.path.relpath(path, ROOT)[:-len(".py")].split(os.sep)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


class _Imports(ast.NodeVisitor):
    """The modules one file imports: everywhere, function-local imports included (they would
    hide a cycle, not remove it), or at module level only; never under `if TYPE_CHECKING:`,
    which does not run."""

    def __init__(self, module_level_only):
        self.module_level_only, self.names = module_level_only, set()

    def visit_If(self, node):
        if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
            self.generic_visit(node)

    def visit_FunctionDef(self, node):
        if not self.module_level_only:
            self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Import(self, node):
        self.names.update(a.name for a in node.names)

    def visit_ImportFrom(self, node):
        assert node.level == 0, "relative import"  # the project imports by absolute name
        self.names.add(node.module)
        for alias in node.names:
            if node.module == "keras_nets" and alias.name in LAZY:  # keras_nets.__getattr__
                self.names.add(LAZY[alias.name][0])
            else:
                self.names.add(f"{node.module}.{alias.name}")  # a submodule, if it is one


def import_graph(package, module_level_only=False):
    """{module of `package`: the modules of `package` it imports}. A module's import of its own
    parent packages (which Python has run before it) is no edge: a cycle through them is
    harmless."""
    files = {}
    for folder, _, names in os.walk(os.path.join(ROOT, package)):
        files.update({_module(os.path.join(folder, n)): os.path.join(folder, n)
                      for n in names if n.endswith(".py")})
    graph = {}
    for module, path in files.items():
        visitor = _Imports(module_level_only)
        visitor.visit(ast.parse(open(path).read(), path))
        graph[module] = {n for n in visitor.names
                         if n in files and n != module and not module.startswith(n + ".")}
    return graph


def find_cycle(graph):
    """A list of modules that import each other in a circle, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


@pytest.mark.parametrize("package", ["keras_nets", "pipelines", "benchmarks"])
def test_no_import_cycle_even_through_function_local_imports(package):
    assert find_cycle(import_graph(package)) is None


def test_the_cycle_check_can_fail():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None
    graph = import_graph("keras_nets")
    # Function-local and from-package imports are seen: the factory's weights go through convert.
    assert "keras_nets.convert" in graph["keras_nets.registry"]
    assert "keras_nets.convert.keras_applications" in graph["keras_nets.registry"]
    assert "keras_nets.registry" not in graph["keras_nets"]  # only under TYPE_CHECKING


def test_weights_sources_live_in_convert_which_never_climbs_back_to_the_registry():
    graph = import_graph("keras_nets")
    convert = [m for m in graph if m.startswith("keras_nets.convert") and
               not m.endswith("__main__")]  # the CLI builds models: it reads the registry
    for module in convert:
        assert not graph[module] & {"keras_nets.registry", "keras_nets.vgg"}, module


def test_keras_nets_package_imports_no_keras_and_registers_from_leaf_modules():
    """`import keras_nets` loads no Keras (the oneDNN default must come before TensorFlow);
    the classes it registers right after Keras loads come from modules whose keras_nets
    imports load no Keras: Keras may be loading because one of those is half imported."""
    graph = import_graph("keras_nets", module_level_only=True)
    keras_users = set()
    for folder, _, names in os.walk(os.path.join(ROOT, "keras_nets")):
        for path in (os.path.join(folder, n) for n in names if n.endswith(".py")):
            top = _Imports(module_level_only=True)
            top.visit(ast.parse(open(path).read(), path))
            if {n.split(".")[0] for n in top.names} & {"keras", "tensorflow"}:
                keras_users.add(_module(path))
    assert "keras_nets.vgg" in keras_users and "keras_nets" not in keras_users
    for module in keras_nets.SERIALIZABLE:
        reached, todo = set(), [module]
        while todo:
            for nxt in graph[todo.pop()] - reached:
                reached.add(nxt)
                todo.append(nxt)
        assert not reached & keras_users, (module, reached & keras_users)
