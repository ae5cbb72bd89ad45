"""What the architecture check remembers between conda's hooks in one conda process.

The check costs nothing while a solve succeeds: the pre-solve hook only records the requested
specs (and the solver's channels, when it can see them); the diagnosis is produced when the
solve fails, by whichever failure hook this conda has (:func:`failure_route`). This module
holds that record and decides what is shown where, so that in plain-text output each line of
the diagnosis appears once, however many hooks see the failure.

Pure Python, no conda import. Imported by the pre-solve hook on every solve, so it is kept
to plain classes (dataclasses cost milliseconds to create at import).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .check import Finding

# architecture: pure

#: conda >= 26.7: the diagnosis is a "Next steps" hint of conda's own error (also in --json).
HINT = "hint"
#: conda 26.5-26.6: an exception observer prints it just before conda's error.
OBSERVER = "observer"
#: conda 24.11-26.4: printed at interpreter exit, after conda's error, if no solve succeeded.
AT_EXIT = "at_exit"

#: The errors a missing build shows up as, by class name (conda matches exception observers
#: on the names in the error's MRO; libmamba's and rattler's own errors subclass these).
WATCHED_ERRORS = frozenset({"PackagesNotFoundError", "UnsatisfiableError",
                            "ResolvePackageNotFound", "SpecsConfigurationConflictError"})


def failure_route(has_error_hints: bool, has_exception_observers: bool) -> str:
    """Which hook delivers the diagnosis on this conda (the newest one it has)."""
    if has_error_hints:
        return HINT
    if has_exception_observers:
        return OBSERVER
    return AT_EXIT


class Solve:
    """One solve attempt: what was asked, what is known about where the solver looks."""

    __slots__ = ("findings", "inputs", "requests", "solved", "stopped", "target")

    def __init__(self, requests: Iterable[tuple[str, str]], target: str,
                 inputs: Any = None) -> None:
        self.requests = tuple(requests)  # (spec text, package name)
        self.target = target  # the subdir being solved for
        self.inputs = inputs  # the solver's channels etc. (adapter's object); None: unknown
        self.solved = False  # a post-solve hook saw it succeed
        self.stopped = False  # plugins.tuna_arch_check=error refused it already
        self.findings: list[Finding] | None = None  # the failure diagnosis, once computed


class Session:
    """The conda process's view: the latest solve, and the lines already printed."""

    def __init__(self) -> None:
        self.current: Solve | None = None
        self.printed: set[str] = set()

    def start(self, requests: Iterable[tuple[str, str]], target: str,
              inputs: Any = None) -> Solve:
        """A new solve attempt (conda may solve more than once per command: classic retries
        with the full repodata, `install` retries unfrozen)."""
        self.current = Solve(requests, target, inputs)
        return self.current

    def clear(self) -> None:
        self.current = None

    def mark_solved(self) -> None:
        if self.current is not None:
            self.current.solved = True

    def failed(self) -> Solve | None:
        """The solve to explain: one that was attempted, not refused, and never succeeded."""
        solve = self.current
        if solve is None or solve.solved or solve.stopped or not solve.requests:
            return None
        return solve

    def unseen(self, lines: Iterable[str], *, everything: bool = False) -> list[str]:
        """`lines` minus those already printed (all of them when `everything`, e.g. for
        --json output, which must be complete on its own). Does not mark anything."""
        return [line for line in lines if everything or line not in self.printed]

    def take_unseen(self, lines: Iterable[str]) -> list[str]:
        """`lines` not printed yet, now counted as printed (the caller prints them)."""
        fresh = self.unseen(lines)
        self.printed.update(fresh)
        return fresh
