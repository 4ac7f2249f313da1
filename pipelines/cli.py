"""What every entry point shares: argument errors as one line with exit code 2."""

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
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
def user_errors(prog: str) -> Iterator[None]:
    """A UserError (keras_nets.errors: the one base of what a user can fix) or an OSError on a
    path the user named (missing, unreadable, unwritable) raised inside ends the command with
    one line and exit code 2; any other exception is a bug and keeps its traceback."""
    try:
        yield
    except UserError as err:
        fail(prog, err)
    except OSError as err:
        fail(prog, f"{err.filename}: {err.strerror}" if err.filename and err.strerror else err)


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", default="shapes",
                        help="'shapes' (embedded, generated offline), a TFDS name "
                             "(e.g. imagenet2012), or an image folder path (root/train/<class>/...)")
    parser.add_argument("--data-dir", default=None, help="TFDS data directory")
    parser.add_argument("--manual-dir", default=None,
                        help="TFDS manual directory (imagenet2012: the ILSVRC2012 tar files)")
