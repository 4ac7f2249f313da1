"""A shared check for the entry points' argument errors."""

import pytest


def exit_2_error(main, argv, capsys):
    """main(argv) stops with exit code 2 and an error line on stderr; returns that line."""
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "error:" in line
    return line
