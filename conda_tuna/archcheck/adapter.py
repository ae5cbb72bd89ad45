"""Pre-solve architecture check and its error hint: the conda side of ``archcheck/check.py``.

Before conda solves, every requested spec is looked up in the repodata the solver is about
to use (its channels, its subdirs, its repodata file), through conda's own SubdirData. conda
keeps SubdirData instances in a per-process cache keyed by URL and repodata file, so the
solver then finds them loaded: with the check on, a successful command makes exactly the same
HTTP requests as with it off. Only when a spec has no build for the target platform are other
subdirs read, from conda's on-disk cache where possible (fetching the same OS's other
architecture otherwise; the command is about to fail anyway).

plugin.py calls :func:`pre_solve` only when ``plugins.tuna_arch_check`` is not ``off``.
"""

from __future__ import annotations

import logging
import sys
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from conda.base.constants import REPODATA_FN
from conda.base.context import context
from conda.exceptions import CondaError
from conda.models.match_spec import MatchSpec

from . import check as arch_check
from .check import Finding, NameIndex, Request, Source
from .platforms import native_subdir, siblings

if TYPE_CHECKING:
    from collections.abc import Iterable

log = logging.getLogger(__name__)

#: Lines already printed in this process: the pre-solve hook can run twice per command
#: (conda retries with another repodata file, or without --freeze-installed).
_WARNED: set[str] = set()
#: Findings of the latest complete check, for the error hint.
_LAST: list[Finding] = []

_CURRENT_FN = "current_repodata.json"


@lru_cache(maxsize=4096)
def _match_spec(text: str) -> MatchSpec:
    return MatchSpec(text)


def matcher(spec: str, record: Any) -> bool:
    """arch_check's matcher: conda's own MatchSpec (name, version, build, channel)."""
    try:
        return _match_spec(spec).match(record)
    except Exception:  # an unparsable dependency in someone's repodata: not our call
        return True


@lru_cache(maxsize=8192)
def _version_key(version: str) -> Any:
    from conda.models.version import VersionOrder

    try:
        return VersionOrder(version)
    except Exception:
        return VersionOrder("0")


def _newest_first(records: Iterable[Any]) -> list[Any]:
    """Newest first, so the build reported is the one the solver would prefer."""
    return sorted(records, key=lambda r: (_version_key(r.version), r.build_number),
                  reverse=True)


def display_name(channel: Any) -> str:
    from conda.models.channel import Channel

    return Channel(channel).canonical_name


def subdir_datas(channel: Any, subdirs: Iterable[str], repodata_fn: str):
    """(subdir, SubdirData) for `channel` (a multichannel expands), as conda's Index does."""
    from conda.core.subdir_data import SubdirData
    from conda.models.channel import Channel

    for url in Channel(channel).urls(True, tuple(subdirs)):
        as_channel = Channel(url)
        yield as_channel.subdir, SubdirData(as_channel, repodata_fn=repodata_fn)


def source_for(channel_name: str, subdir: str, subdir_data: Any, *,
               newest_first: bool = True) -> Source:
    """An arch_check Source over a SubdirData. The pre-solve check only asks "is there any
    build", so it skips ordering records by version (`conda tuna check` shows versions)."""
    if newest_first:
        return Source(channel_name, subdir,
                      lambda name: _newest_first(subdir_data.query(_match_spec(name))))
    return Source(channel_name, subdir,
                  lambda name: list(subdir_data.query(_match_spec(name))))


def _calling_solver() -> Any | None:
    """The Solver whose solve_for_transaction invoked the pre-solve hooks.

    conda's pre-solve hook receives specs only, but the channels, subdirs and repodata file
    live on the solver (an environment file's channels, ``-c``, ``--override-channels``,
    ``channel::spec``). Reading them from the solver is the only way to look at exactly the
    repodata the solver will load; anything reconstructed could fetch something else.
    """
    frame = sys._getframe(1)
    for _ in range(12):
        if frame is None:
            break
        if frame.f_code.co_name == "solve_for_transaction":
            solver = frame.f_locals.get("self")
            if solver is not None and hasattr(solver, "channels") and hasattr(solver, "subdirs"):
                return solver
        frame = frame.f_back
    return None


def _solver_inputs(specs: Iterable[Any]) -> tuple[list[Any], tuple[str, ...], str]:
    """Channels (with those named by ``channel::spec``), subdirs and repodata file."""
    solver = _calling_solver()
    log.debug("conda-tuna arch check: channels from %s",
              "the solver" if solver is not None else "context (solver not found)")
    if solver is None:
        channels = list(context.channels)
        subdirs = tuple(context.subdirs)
        repodata_fn = context.repodata_fns[-1] if context.repodata_fns else REPODATA_FN
    else:
        channels = list(solver.channels)
        subdirs = tuple(solver.subdirs)
        repodata_fn = getattr(solver, "_repodata_fn", None) or REPODATA_FN
    for spec in specs:  # the solver adds these itself in _prepare()
        channel = spec.get_exact_value("channel")
        if channel and channel not in channels:
            channels.append(channel)
    return channels, subdirs, repodata_fn


def _requests(specs: Iterable[Any]) -> list[Request]:
    requests = []
    for spec in specs:
        name = spec.get_exact_value("name")
        if name and not name.startswith("__"):
            requests.append(Request(_spec_text(spec), name))
    return requests


def _spec_text(spec: Any) -> str:
    """The spec as the user wrote it, unless conda rewrote it into brackets
    ("numpy[version='>=1.2']", as environment files come through): then conda's short form
    ("numpy >=1.2") when it means the same, else the canonical string."""
    original = getattr(spec, "original_spec_str", None)
    if original and "[" not in original:
        return original
    try:
        short = spec.conda_build_form()
        if _match_spec(short) == spec:
            return short
    except Exception:
        pass
    return str(spec)


def pre_solve(specs_to_add, specs_to_remove) -> None:
    """Warn (or stop, with tuna_arch_check=error) when a spec has no build for this platform."""
    mode = str(context.plugins.tuna_arch_check).strip().lower()
    if mode == "off" or not specs_to_add:
        return
    try:
        lines = _check(list(specs_to_add))
    except CondaError:
        raise  # a repodata error the solver would raise just the same
    except Exception:  # a bug here must never break conda
        log.debug("conda-tuna arch check failed", exc_info=True)
        return
    if not lines:
        return
    if mode == "error":
        from ..base.exceptions import CondaTunaError

        raise CondaTunaError(
            "These specs cannot be installed on this platform:\n"
            + "".join(f"  - {line}\n" for line in lines)
            + "(plugins.tuna_arch_check is 'error'; `conda config --set "
            "plugins.tuna_arch_check warn` lets the solver try anyway.)"
        )
    for line in lines:
        if line not in _WARNED:
            _WARNED.add(line)
            print(f"conda-tuna warning: {line}", file=sys.stderr, flush=True)


def _check(specs: list[Any]) -> list[str]:
    """The warning lines for `specs`; also remembers the findings for the error hint."""
    requests = _requests(specs)
    if not requests:
        return []
    channels, subdirs, repodata_fn = _solver_inputs(specs)
    target = context.subdir
    datas: list[Any] = []
    sources: list[Source] = []
    for channel in channels:
        name = display_name(channel)
        for subdir, subdir_data in subdir_datas(channel, subdirs, repodata_fn):
            datas.append(subdir_data)
            sources.append(source_for(name, subdir, subdir_data, newest_first=False))
    for subdir_data in datas:  # what the solver loads first thing anyway (same cache)
        if not subdir_data._loaded:
            subdir_data.load()
    index = NameIndex(sources)  # once per solve, shared by every spec
    findings = arch_check.diagnose(requests, index, matcher, target)
    log.debug("conda-tuna arch check: %d spec(s) on %s with %s: %d problem(s)",
              len(requests), target, repodata_fn, len(findings))
    if not findings:
        _LAST.clear()
        return []
    if any(getattr(d, "repodata_fn", REPODATA_FN) != REPODATA_FN for d in datas):
        # current_repodata.json holds only the newest builds; conda retries with the full
        # repodata.json and calls this hook again, so judge then.
        return []
    others, unchecked = _other_sources(channels, target)
    arch_check.locate(findings, NameIndex(others), matcher, unchecked)
    findings = [f for f in findings if arch_check.relevant(f)]
    mirror, enabled = mirror_for_notes()
    for finding in findings:
        arch_check.mirror_notes(finding, mirror, enabled=enabled)
    _LAST[:] = findings
    note = arch_check.machine_note(target, _native())
    return [arch_check.format_warning(f, note) for f in findings]


def _native() -> str | None:
    try:
        return native_subdir()
    except Exception:
        return None


def mirror_for_notes():
    """The active mirror (True), else the catalog's default for its coverage (False)."""
    from ..mirrors.adapter import configured_mirror
    from ..mirrors.catalog import DEFAULT_MIRROR, MIRRORS

    try:
        mirror = configured_mirror()
    except Exception:
        mirror = None
    return (mirror, True) if mirror is not None else (MIRRORS[DEFAULT_MIRROR], False)


def _other_sources(channels: list[Any], target: str) -> tuple[list[Source], set[str]]:
    """Sources for the other subdirs: conda's cached repodata where it exists, a fetch of the
    same OS's other architectures otherwise; the rest is reported as not checked."""
    from ..mirrors.catalog import SUBDIRS_ALL

    fetch = set(siblings(target, SUBDIRS_ALL))
    others = sorted(SUBDIRS_ALL - {target, "noarch"})
    sources: list[Source] = []
    unchecked: set[str] = set()
    for channel in channels:
        name = display_name(channel)
        for subdir in others:
            for _, full in subdir_datas(channel, (subdir,), REPODATA_FN):
                data = _readable(full, subdir in fetch)
                if data is None:
                    unchecked.add(subdir)
                else:
                    sources.append(source_for(name, subdir, data, newest_first=False))
    return sources, unchecked


def _readable(full: Any, may_fetch: bool) -> Any | None:
    """A loaded SubdirData for another subdir, or None when it was not looked at."""
    from conda.core.subdir_data import SubdirData

    try:
        if getattr(full, "_loaded", False) or full.cache_path_json.exists():
            return full.load() if not full._loaded else full
        current = SubdirData(full.channel, repodata_fn=_CURRENT_FN)
        if getattr(current, "_loaded", False) or current.cache_path_json.exists() or may_fetch:
            # the small file is enough to say "builds exist"; SubdirData falls back to
            # repodata.json on a channel that has none
            return current.load() if not current._loaded else current
    except Exception:
        log.debug("conda-tuna: could not read %s", full.url_w_subdir, exc_info=True)
    return None


def error_hints(error: Exception) -> list[Any]:
    """The same diagnosis as the warnings, as CondaErrorHints for PackagesNotFoundError and
    unsatisfiable errors (conda shows them under "Next steps" and in --json output)."""
    from conda.exceptions import (
        PackageNotInstalledError,
        PackagesNotFoundError,
        ResolvePackageNotFound,
        SpecsConfigurationConflictError,
        UnsatisfiableError,
    )

    wanted = (PackagesNotFoundError, ResolvePackageNotFound, UnsatisfiableError,
              SpecsConfigurationConflictError)
    if not _LAST or isinstance(error, PackageNotInstalledError) \
            or not isinstance(error, wanted):
        return []
    from conda.plugins.types import CondaErrorHint

    note = arch_check.machine_note(_LAST[0].subdir, _native())
    hints = []
    for kind, code in ((arch_check.MISSING, "tuna_arch_no_build"),
                       (arch_check.MISSING_DEPENDENCY, "tuna_arch_missing_dependency")):
        lines = [arch_check.format_warning(f, note) for f in _LAST if f.kind == kind]
        if lines:
            hints.append(CondaErrorHint(text="conda-tuna: " + "\n    ".join(lines),
                                        hint_code=code))
    return hints
