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
    """Packages not found / unsatisfiable: repeat the pre-solve architecture diagnosis (which
    spec has no build for this platform and where it exists), so --json users get it too."""
    from conda.exceptions import PackagesNotFoundError, ResolvePackageNotFound, UnsatisfiableError

    if isinstance(error, (PackagesNotFoundError, ResolvePackageNotFound, UnsatisfiableError)):
        import sys

        # loaded only if the check ran; looked up, not imported, so nothing loads here
        adapter = sys.modules.get("conda_tuna.archcheck.adapter")
        if adapter is not None:
            yield from adapter.error_hints(error)
