"""`conda doctor` health checks contributed by conda-tuna (listed here, implemented lazily)."""

from __future__ import annotations

from collections.abc import Iterator


def health_checks() -> Iterator[object]:
    """Yield CondaHealthCheck objects; their actions import their modules when run."""
    return iter(())
