"""A config field and its command-line flag, declared once.

`option(default, help=...)` is a dataclasses field whose metadata says how the training CLI
sets it (pipelines.cli.add_options makes the flag from it): the flag's name when it is not the
field's, the flag's default when it is not the field's, argparse's choices, metavar or action.
A field without this metadata has no flag (research arms and tests set it).
"""

from __future__ import annotations

import dataclasses
from typing import Any

UNSET = object()  # no cli_default given: the flag's default is the field's


def option(default: Any = dataclasses.MISSING, *, help: str = "",  # noqa: A002 (argparse's word)
           flag: str | None = None, key: str | None = None, cli_default: Any = UNSET,
           **argparse_kwargs: Any) -> Any:
    """A dataclasses field with a flag. `flag`: the flag when it is not --field-name; `key`: the
    field's name in config.json and the CLI's namespace when it is not the field's own (the
    model's name is "model"); `cli_default`: the flag's default when it differs from the
    field's (the run directory, made from the model's name and the time)."""
    meta = {"option": dict(help=help, flag=flag, key=key, cli_default=cli_default,
                           argparse=argparse_kwargs)}
    if isinstance(default, dict):
        return dataclasses.field(default_factory=lambda: dict(default), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def key_of(field: dataclasses.Field) -> str:
    """The field's name in config.json and on the command line's namespace."""
    spec = field.metadata.get("option") or {}
    return spec.get("key") or field.name


def flag_of(field: dataclasses.Field) -> str:
    """The flag that sets the field."""
    spec = field.metadata.get("option") or {}
    return spec.get("flag") or "--" + key_of(field).replace("_", "-")
