"""conda-tuna's CondaError, so conda renders our errors its usual way (and as JSON)."""

from __future__ import annotations

from conda.exceptions import CondaError


class CondaTunaError(CondaError):
    """A user-facing conda-tuna error; conda prints it without a traceback."""

    def __init__(self, message: str, *, exit_code: int = 1, **kwargs: object) -> None:
        super().__init__(message, **kwargs)
        self.return_code = exit_code
