"""The one error every config check raises (ConfigError) and the checks the config dataclasses
share (pipelines.training.recipes.Recipe, pipelines.training.config.RunConfig): each dataclass
checks its own fields when made, so that every maker of a config (the training CLI, research's
arms, the benchmarks) gets the same one-line error, said with the flag that sets the field."""

import re
from collections.abc import Callable

from pipelines.errors import UserError


class ConfigError(UserError):
    """A field of a config out of its range: `field` names it and `reason` says why; other
    fields the reason names are written `{field}`, so that `said` can name each the way its
    reader knows it (the training CLI by the flag that sets the field)."""

    def __init__(self, field: str, reason: str) -> None:
        self.field, self.reason = field, reason
        super().__init__(self.said(str))

    def said(self, name: Callable[[str], str]) -> str:
        """The error with every field named by `name` (a field's name by default)."""
        reason = re.sub(r"\{([a-z_]+)\}", lambda m: name(m.group(1)), self.reason)
        return f"{name(self.field)} {reason}"


def at_least(config: object, minimum: int, *fields: str, optional: bool = False) -> None:
    for field in fields:
        value = getattr(config, field)
        if (value is not None or not optional) and not value >= minimum:
            raise ConfigError(field, f"must be >= {minimum}")


def one_of(config: object, field: str, choices: object) -> None:
    value = getattr(config, field)
    if value not in choices:
        raise ConfigError(field, f"must be one of {', '.join(map(str, choices))}; got {value!r}")
