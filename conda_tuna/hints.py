"""Error hints conda shows under "Next steps" (and in --json) for errors conda-tuna explains.

conda calls :func:`error_hints` for every CondaError; each producer checks the error's type
first and returns quickly when the error is not one it knows.
"""

from __future__ import annotations

from collections.abc import Iterator


def error_hints(error: Exception) -> Iterator[object]:
    """Yield CondaErrorHint objects for `error` from each conda-tuna feature."""
    return iter(())
