"""What every entry point shares: argument errors as one line with exit code 2."""

import argparse
import os
import sys


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def program() -> str:
    """The command this process runs as, as the CLIs' error lines name it: `python -m NAME` when
    started with -m, else the script's file name."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return f"python -m {spec.name}" if spec is not None and spec.name else \
        os.path.basename(sys.argv[0] or "python")


def fail(prog, message):
    """One-line error, exit code 2."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    sys.exit(2)


def add_data_arguments(parser):
    parser.add_argument("--dataset", default="shapes",
                        help="'shapes' (embedded, generated offline), a TFDS name "
                             "(e.g. imagenet2012), or an image folder path (root/train/<class>/...)")
    parser.add_argument("--data-dir", default=None, help="TFDS data directory")
    parser.add_argument("--manual-dir", default=None,
                        help="TFDS manual directory (imagenet2012: the ILSVRC2012 tar files)")
