"""conda-tuna's CondaError, so conda renders our errors its usual way (and as JSON)."""

from __future__ import annotations

from conda.exceptions import CondaError


class CondaTunaError(CondaError):
    """A user-facing conda-tuna error; conda prints it without a traceback.

    The message is redacted (base/urls.py): a password or token in a URL it quotes is never
    shown, whoever built the message.
    """

    def __init__(self, message: str, *, exit_code: int = 1, **kwargs: object) -> None:
        from .urls import redact

        super().__init__(redact(message), **kwargs)
        self.return_code = exit_code

    def __str__(self) -> str:
        """The message as written: conda 24-25 %-format it even without arguments, which
        breaks on a literal % (a percent-encoded URL, a user's input)."""
        if not getattr(self, "_kwargs", None):
            return str(self.message)
        return super().__str__()
