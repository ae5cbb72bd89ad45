"""Errors raised by conda-tuna's pure modules.

The pure modules must not import conda, so they raise :class:`TunaError`; the command layer
turns it into a :class:`conda.exceptions.CondaError` (see ``base/exceptions.py``) so that conda
renders it the usual way, including as JSON under ``--json``.
"""

from __future__ import annotations

# architecture: pure


class TunaError(Exception):
    """A user-facing problem: bad input, an unwritable scope, a malformed file.

    `exit_code` follows conda's convention (1 for errors); `hint` is an optional next step.
    """

    def __init__(self, message: str, *, hint: str | None = None, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"
