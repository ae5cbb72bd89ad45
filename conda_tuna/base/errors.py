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


def from_exception(exc: BaseException, command: str) -> TunaError:
    """A user-facing error for an OSError, UnicodeError or ValueError that escaped a command.

    The last line of defence of every `conda tuna` subcommand (``cli/__init__.py``): the
    user gets what failed and what to do, never a traceback. The message is redacted by the
    caller (it may quote a URL or a configuration value).
    """
    from ..i18n import _

    if isinstance(exc, OSError):
        where = exc.filename if exc.filename is not None else ""
        reason = exc.strerror or str(exc) or type(exc).__name__
        message = (_("conda tuna {command}: cannot use {path}: {reason}.").format(
            command=command, path=where, reason=reason) if where else
            _("conda tuna {command} failed: {reason}.").format(command=command, reason=reason))
        return TunaError(message, hint=_(
            "Check that the file or directory exists and that you may read and write it (or "
            "choose another --scope), then run the command again; `conda tuna status` shows "
            "what is in effect."))
    if isinstance(exc, UnicodeError):
        return TunaError(_("conda tuna {command}: a file or value is not valid text "
                           "({detail}).").format(command=command, detail=exc), hint=_(
            "Save conda's and pip's configuration files as UTF-8 and run the command again."))
    return TunaError(_("conda tuna {command}: unexpected value ({detail}).").format(
        command=command, detail=exc), hint=_(
        "Check the value named above in your configuration; if it looks right, report this "
        "as a conda-tuna bug with the command you ran."))
