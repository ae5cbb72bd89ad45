"""Error hints conda shows under "Next steps" (and in --json) for errors conda-tuna explains.

conda calls :func:`error_hints` for every CondaError; each producer checks the error's type
first and returns quickly when the error is not one it knows.
"""

from __future__ import annotations

from collections.abc import Iterator


def error_hints(error: Exception) -> Iterator[object]:
    """Yield CondaErrorHint objects for `error` from each conda-tuna feature."""
    yield from _mirror_failed(error)
    yield from _arch_missing(error)


def _mirror_failed(error: Exception) -> Iterator[object]:
    """HTTP/connection errors: conda shows the channel's own URL; name the mirror the request
    really went to."""
    from conda.exceptions import CondaHTTPError

    if isinstance(error, CondaHTTPError):
        from .routing.handler import error_hints as routing_hints

        yield from routing_hints(error)


def _arch_missing(error: Exception) -> Iterator[object]:
    """Packages not found / unsatisfiable: which spec has no build for the target platform
    and where it exists, diagnosed from what the failed solve read (conda 26.7+; also in
    --json)."""
    import sys

    # loaded only if the check's pre-solve hook ran; looked up, not imported
    hooks = sys.modules.get("conda_tuna.archcheck.hooks")
    if hooks is not None:
        yield from hooks.error_hints(error)
