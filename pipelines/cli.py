"""What every entry point shares: argument errors as one line with exit code 2."""

import argparse
import contextlib
import dataclasses
import os
import sys
import typing
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn

from keras_nets.errors import UserError


# The console commands pyproject.toml's [project.scripts] installs, and the module each runs
# (tests/test_layout.py holds the two lists equal).
SCRIPTS = {
    "keras-nets-train": "pipelines.train",
    "keras-nets-evaluate": "pipelines.evaluate",
    "keras-nets-predict": "pipelines.predict",
    "keras-nets-export": "pipelines.export",
    "keras-nets-plot": "pipelines.plots",
    "keras-nets-research": "research.run",
}


def prog_of(module: str) -> str:
    """How the user started `module`'s command: its console command (SCRIPTS) when run as one,
    else `python -m module`."""
    name = os.path.basename(sys.argv[0] or "")
    return name if SCRIPTS.get(name) == module else f"python -m {module}"


class ArgumentParser(argparse.ArgumentParser):
    """argparse's, with an error as one line and exit code 2; `module=` names the command the
    way the user started it (prog_of)."""

    def __init__(self, *args: Any, module: str | None = None, **kwargs: Any) -> None:
        if module is not None:
            kwargs["prog"] = prog_of(module)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def program() -> str:
    """The command this process runs as, as the CLIs' error lines name it: `python -m NAME` when
    started with -m, else the script's file name."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return f"python -m {spec.name}" if spec is not None and spec.name else \
        os.path.basename(sys.argv[0] or "python")


def fail(prog: str, message: str | BaseException) -> NoReturn:
    """One-line error, exit code 2."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    sys.exit(2)


@contextlib.contextmanager
def user_errors(prog: str, about: str | None = None) -> Iterator[None]:
    """A UserError (keras_nets.errors: the one base of what a user can fix) or an OSError on a
    path the user named (missing, unreadable, unwritable) raised inside ends the command with
    one line and exit code 2, after `about: ` where given (research: the experiment's name); any
    other exception is a bug and keeps its traceback."""
    head = f"{about}: " if about else ""
    try:
        yield
    except UserError as err:
        fail(prog, f"{head}{err}")
    except OSError as err:
        fail(prog, head + (f"{err.filename}: {err.strerror}" if err.filename and err.strerror
                           else str(err)))


def add_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup, config_class: type,
                *, overrides: bool = False, only: Sequence[str] | None = None) -> None:
    """A flag, added to `parser` (or an argument group of one), for every field of the dataclass `config_class` that
    declares one (pipelines.training.options.option), its value on the namespace under the
    field's config.json key. `overrides`: the flags override a preset (a recipe), so each
    defaults to None ("the preset's") and a boolean gets --x/--no-x; otherwise a flag defaults
    to the field's default and a boolean is a switch that turns it on. `only`: these fields."""
    from pipelines.training.options import UNSET, flag_of, key_of
    hints = typing.get_type_hints(config_class)
    for field in dataclasses.fields(config_class):
        spec = field.metadata.get("option")
        if spec is None or (only is not None and field.name not in only):
            continue
        kwargs = dict(spec["argparse"])
        kind = _scalar(hints[field.name])
        if kind is bool:
            kwargs.setdefault("action", argparse.BooleanOptionalAction if overrides
                              else "store_true")
        else:
            if kind is not str:
                kwargs["type"] = kind
            if "choices" not in kwargs:
                kwargs.setdefault("metavar", flag_of(field).lstrip("-").upper().replace("-", "_"))
        if overrides:
            default = None
        else:
            default = field.default if spec["cli_default"] is UNSET else spec["cli_default"]
        parser.add_argument(flag_of(field), dest=key_of(field), default=default,
                           help=spec["help"] or None, **kwargs)


def _scalar(hint: object) -> type:
    """int, float, str or bool, from a field's type (`int | None` is int)."""
    kinds = [kind for kind in typing.get_args(hint) or (hint,) if kind is not type(None)]
    if len(kinds) != 1 or kinds[0] not in (int, float, str, bool):
        raise TypeError(f"a flag needs an int, float, str or bool field, not {hint}")
    return kinds[0]


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    """--dataset, --data-dir and --manual-dir, as the training CLI has them."""
    from pipelines.training.config import DataConfig
    add_options(parser, DataConfig, only=("dataset", "data_dir", "manual_dir"))
