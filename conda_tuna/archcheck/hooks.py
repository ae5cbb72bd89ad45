"""The architecture check's conda hooks: record before the solve, explain after a failure.

``plugin.py`` calls :func:`pre_solve` (unless ``plugins.tuna_arch_check`` is ``off``),
:func:`post_solve`, :func:`error_hints` and :func:`exception_observed`. The check costs
nothing on a solve that succeeds:

* pre-solve records the requested specs and the calling solver's channels (no fetch, no
  parse); it warns at once only when conda's cache is fresh enough that the solver will not
  even ask the server (``adapter.fresh_cache_findings``);
* when the solve fails, the diagnosis is read from what the solver read, and delivered by
  the newest hook this conda has (``session.failure_route``): an error hint on conda >= 26.7
  (under "Next steps", and in ``--json``), an exception observer on 26.5-26.6 (printed before
  conda's error), or, on 24.11-26.4, an ``atexit`` handler that runs if no post-solve hook
  saw the solve succeed (printed after conda's error);
* ``plugins.tuna_arch_check: error`` checks before the solve instead and stops it.
"""

from __future__ import annotations

import atexit
import logging
import sys
from typing import TYPE_CHECKING, Any

from conda.base.context import context

from .session import AT_EXIT, HINT, OBSERVER, WATCHED_ERRORS, Session, Solve, failure_route

if TYPE_CHECKING:
    from .check import Finding

# This module is imported by the pre-solve hook on every solve: it imports only conda's
# modules that are loaded already and the two small ones above; the diagnosis (check.py,
# adapter.py, the repodata reader, i18n) is imported when there is something to say.

log = logging.getLogger(__name__)

SESSION = Session()
_ARMED: list[bool] = []  # the atexit handler is registered (once per process)

#: Finding kind (archcheck/check.py's MISSING, MISSING_DEPENDENCY) -> hint code.
_HINT_CODES = (("missing", "tuna_arch_no_build"),
               ("missing_dependency", "tuna_arch_missing_dependency"))


def route() -> str:
    """Which failure hook this conda has (see session.failure_route)."""
    from conda.plugins.hookspec import CondaSpecs

    return failure_route(hasattr(CondaSpecs, "conda_error_hints"),
                         hasattr(CondaSpecs, "conda_exception_observers"))


# ---------------------------------------------------------------------------- pre/post solve
def pre_solve(specs_to_add, specs_to_remove) -> None:
    """Record the solve; warn from a fresh cache; in error mode, check and stop."""
    mode = str(context.plugins.tuna_arch_check).strip().lower()
    if mode == "off":
        return
    specs = list(specs_to_add or ())
    requests = requests_of(specs)
    if not requests:
        SESSION.clear()
        return
    from . import inputs as solver

    found = solver.solver_inputs(specs)
    target = found.target if found is not None else context.subdir
    solve = SESSION.start(requests, target, found)
    log.debug("conda-tuna arch check: %d spec(s) on %s, channels from %s", len(requests),
              target, "the solver" if found is not None else "conda's cache (solver not seen)")
    if route() == AT_EXIT and not _ARMED:
        atexit.register(_at_exit)
        _ARMED.append(True)
    if found is None:
        return  # nothing exact to look at before the solve: the failure path will
    if mode == "error":
        _stop_if_missing(solve)
    else:
        _warn_from_fresh_cache(solve)


def post_solve(repodata_fn: str, unlink_precs: Any, link_precs: Any) -> None:
    """A solve succeeded (conda calls post-solve hooks only then): nothing to explain."""
    SESSION.mark_solved()


def requests_of(specs: list[Any]) -> list[tuple[str, str]]:
    """(spec text, package name) of each requested spec, virtual packages left out."""
    requests = []
    for spec in specs:
        name = spec.get_exact_value("name")
        if name and not name.startswith("__"):
            requests.append((_spec_text(spec), name))
    return requests


def _spec_text(spec: Any) -> str:
    """The spec as the user wrote it, unless conda rewrote it into brackets
    ("numpy[version='>=1.2']", as environment files come through): then conda's short form
    ("numpy >=1.2") when it means the same, else the canonical string."""
    original = getattr(spec, "original_spec_str", None)
    if original and "[" not in original:
        return original
    try:
        from conda.models.match_spec import MatchSpec

        short = spec.conda_build_form()
        if MatchSpec(short) == spec:
            return short
    except Exception:
        pass
    return str(spec)


def _warn_from_fresh_cache(solve: Solve) -> None:
    """Before the solve, only from files conda will read unchanged (no request)."""
    from . import inputs as solver

    try:
        fresh = solver.fresh_files(solve.inputs)
        if not fresh:
            return  # conda will revalidate: not knowable yet, the failure path explains
        from . import adapter

        findings = adapter.fresh_cache_findings(solve.requests, solve.inputs, fresh)
    except Exception:  # a bug here must never break conda
        log.debug("conda-tuna arch check (cached index) failed", exc_info=True)
        return
    _print(adapter.warning_lines(findings))


def _stop_if_missing(solve: Solve) -> None:
    from conda.exceptions import CondaError

    from . import adapter

    try:
        findings = adapter.check_before_solve(solve.requests, solve.inputs)
    except CondaError:
        raise  # a repodata error the solver would raise just the same
    except Exception:
        log.debug("conda-tuna arch check failed", exc_info=True)
        return
    if not findings:
        return
    from ..base.exceptions import CondaTunaError
    from ..i18n import _

    solve.stopped = True
    lines = "".join(_("  - {line}\n").format(line=line)
                    for line in adapter.warning_lines(findings))
    raise CondaTunaError(_(
        "These specs cannot be installed on this platform:\n{lines}(plugins.tuna_arch_check "
        "is 'error'; `conda config --set plugins.tuna_arch_check warn` lets the solver try "
        "anyway.)").format(lines=lines))


# ---------------------------------------------------------------------------- after a failure
def _diagnosis(solve: Solve) -> list[Finding]:
    """The failed solve's findings, computed once (several hooks may ask)."""
    if solve.findings is None:
        from . import adapter

        try:
            solve.findings = adapter.failure_findings(solve.requests, solve.inputs)
        except Exception:
            log.debug("conda-tuna arch check: diagnosis failed", exc_info=True)
            solve.findings = []
    return solve.findings


def _is_watched(error: BaseException) -> bool:
    from conda.exceptions import PackageNotInstalledError

    names = {cls.__name__ for cls in type(error).__mro__}
    return bool(names & WATCHED_ERRORS) and not isinstance(error, PackageNotInstalledError)


def error_hints(error: BaseException) -> list[Any]:
    """conda >= 26.7: the diagnosis as CondaErrorHints of conda's own error (plain text: only
    lines not printed already; --json: all of them)."""
    solve = SESSION.failed()
    if solve is None or route() != HINT or not _is_watched(error):
        return []
    from conda.plugins.types import CondaErrorHint

    from ..i18n import _
    from . import adapter

    findings = _diagnosis(solve)
    hints = []
    for kind, code in _HINT_CODES:
        lines = SESSION.unseen(adapter.warning_lines([f for f in findings if f.kind == kind]),
                               everything=bool(context.json))
        if lines:
            hints.append(CondaErrorHint(
                text=_("conda-tuna: {diagnosis}").format(diagnosis="\n    ".join(lines)),
                hint_code=code))
    return hints


def exception_observed(event: Any) -> None:
    """conda 26.5-26.6 (exception observers, no error hints): print the diagnosis just before
    conda prints its error."""
    if route() != OBSERVER or not _is_watched(event.exc_value):
        return
    _explain_failure()


def _at_exit() -> None:
    """conda 24.11-26.4: after conda printed its error and before the process ends, explain
    a solve that never succeeded."""
    if route() == AT_EXIT:
        _explain_failure()


def _explain_failure() -> None:
    solve = SESSION.failed()
    if solve is None:
        return
    from . import adapter

    _print(adapter.warning_lines(_diagnosis(solve)))


def _print(lines: list[str]) -> None:
    from ..i18n import _

    for line in SESSION.take_unseen(lines):
        print(_("conda-tuna warning: {message}").format(message=line), file=sys.stderr,
              flush=True)


__all__ = ["HINT", "SESSION", "error_hints", "exception_observed", "post_solve", "pre_solve"]
