"""The one error of the conversions: a weights file that is missing, of another format, or of
another net (one line, for the CLIs' exit 2)."""

from keras_nets.errors import UserError


class WeightsError(UserError):
    pass
