"""The conda side of the architecture check: reading what the solver reads, cheaply.

``archcheck/check.py`` decides from records; this module finds the records conda has,
without a request or a parse the solver does not make anyway (``inputs.py`` says where the
solver looks):

* **after a failed solve** (:func:`failure_findings`): the repodata the solver just read,
  found in ``SubdirData._cache_`` (every solver creates its SubdirData there) - classic's
  loaded index in memory, libmamba's and rattler's cached ``repodata.json`` files through the
  byte-level reader (``archcheck/repodata.py``); other subdirs from conda's cache, the same
  OS's other architectures fetched when not cached (the command has failed already);
* **before the solve, only when conda will not even revalidate**
  (:func:`fresh_cache_findings`): conda's cached files, names only;
* **before the solve, on request** (``plugins.tuna_arch_check: error``,
  :func:`check_before_solve`): what the solver is about to read, fetched (or, for the classic
  solver, loaded: it reuses the same SubdirData) ahead of it.

Non-public conda behaviour relied on, each with a test in
``tests/integration/test_arch_check.py`` that fails when conda changes it:
``SubdirData._cache_`` keyed ``(url with credentials, repodata file)`` and filled by every
solver; ``SubdirData.cache_path_json`` holding the downloaded JSON as is; classic's index
loaded through ``SubdirData.load()`` (``Solver.solve_final_state`` not overridden).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from conda.base.constants import REPODATA_FN
from conda.base.context import context
from conda.models.match_spec import MatchSpec

from . import check as arch_check
from .check import MISSING, Finding, NameIndex, Request, Source
from .inputs import SolveInputs, display_name, peek, urls
from .platforms import native_subdir, siblings

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from pathlib import Path

log = logging.getLogger(__name__)

_CURRENT_FN = "current_repodata.json"


# ---------------------------------------------------------------------------- matching
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
    return sorted(records, key=lambda r: (_version_key(r.version), r.build_number or 0),
                  reverse=True)


class FileRecord:
    """A repodata record read from a file, with the attributes the check and conda's
    MatchSpec.match use (making full PackageRecords costs ~50 us each, for nothing)."""

    __slots__ = ("_data", "channel", "fn", "subdir")

    def __init__(self, data: dict, fn: str, channel: Any, subdir: str) -> None:
        self._data = data
        self.fn = fn
        self.channel = channel
        self.subdir = data.get("subdir") or subdir

    name = property(lambda self: self._data.get("name"))
    version = property(lambda self: str(self._data.get("version", "")))
    build = property(lambda self: self._data.get("build", ""))
    build_number = property(lambda self: self._data.get("build_number", 0))
    depends = property(lambda self: tuple(self._data.get("depends") or ()))

    def __getattr__(self, field: str) -> Any:  # md5, features, ... if a spec asks for them
        if field.startswith("__"):
            raise AttributeError(field)
        return self._data.get(field)


# ---------------------------------------------------------------------------- sources
def source_for(channel_name: str, subdir: str, subdir_data: Any, *,
               newest_first: bool = True) -> Source:
    """A Source over a loaded (or loadable) SubdirData: conda's in-memory index."""
    if newest_first:
        return Source(channel_name, subdir,
                      lambda name: _newest_first(subdir_data.query(_match_spec(name))))
    return Source(channel_name, subdir,
                  lambda name: list(subdir_data.query(_match_spec(name))))


def file_source(channel_name: str, subdir: str, path: Path, channel: Any) -> Source | None:
    """A Source over a cached repodata.json read by byte-level search (no parse, no
    request); None when the file is missing or is not repodata."""
    from .repodata import RepodataFile

    try:
        repodata = RepodataFile.open(path)
    except OSError:
        return None
    if not repodata.valid:
        repodata.close()
        return None

    def convert(found: Sequence[tuple[str, dict]]) -> list[Any]:
        return _newest_first(FileRecord(data, fn, channel, subdir) for fn, data in found)

    return Source(channel_name, subdir, lambda name: convert(repodata.lookup(name)),
                  confirm=lambda name: convert(repodata.scan(name)))


def _source_from(channel_name: str, subdir: str, subdir_data: Any) -> Source | None:
    """What the solver read for this subdir: classic's loaded index, else the file it
    fetched into conda's cache."""
    if getattr(subdir_data, "_loaded", False):
        return source_for(channel_name, subdir, subdir_data, newest_first=False)
    return file_source(channel_name, subdir, subdir_data.cache_path_json,
                       subdir_data.channel)


# ---------------------------------------------------------------------------- the solver
def solver_backend() -> type:
    """The solver class conda will use (the `conda_solvers` plugin selected by `solver`)."""
    return context.plugin_manager.get_cached_solver_backend()


def parses_in_python(backend: type) -> bool:
    """True for conda's classic Solver and subclasses that keep its solve path: they build
    their index with SubdirData.load(), so loading it before the solve is shared, not
    repeated. Solvers that override solve_final_state (libmamba, rattler, ...) read
    repodata natively. Decided by class, never by name."""
    from conda.core.solve import Solver

    return isinstance(backend, type) and issubclass(backend, Solver) \
        and backend.solve_final_state is Solver.solve_final_state


# ---------------------------------------------------------------------------- failure path
def requests_of(pairs: Iterable[tuple[str, str]]) -> list[Request]:
    """The (spec text, name) pairs the pre-solve hook recorded, as the pure check's type."""
    return [Request(text, name) for text, name in pairs]


def failure_findings(pairs: Sequence[tuple[str, str]],
                     inputs: SolveInputs | None) -> list[Finding]:
    """After a failed solve: which requests have no build for the target platform, and where
    they exist. Reads what the solver read (SubdirData._cache_); says nothing when any of it
    cannot be read (a sharded channel leaves no repodata.json), rather than guess."""
    requests = requests_of(pairs)
    target = inputs.target if inputs is not None else context.subdir
    read = _solved(inputs, target)
    if not read:
        return []
    sources = []
    for name, subdir, subdir_data in read:
        source = _source_from(name, subdir, subdir_data)
        if source is None:
            log.debug("conda-tuna arch check: cannot read %s", subdir_data.url_w_subdir)
            return []
        sources.append(source)
    findings = arch_check.diagnose(requests, NameIndex(sources), matcher, target)
    if not findings:
        return []
    channels = inputs.channels if inputs is not None else \
        tuple(dict.fromkeys(sd.channel.base_url for _, _, sd in read))
    return _explained(findings, channels, target, fetch=True)


def _solved(inputs: SolveInputs | None, target: str) -> list[tuple[str, str, Any]]:
    """(display name, subdir, SubdirData) the solver created for repodata.json, for the
    target subdir and noarch (conda's last attempt always reads repodata.json)."""
    from conda.core.subdir_data import SubdirData

    wanted = (target, "noarch")
    if inputs is None:  # the solver was not seen: everything read in this process
        found = []
        for (_, fn), data in list(SubdirData._cache_.items()):
            if fn == REPODATA_FN and isinstance(data, SubdirData) \
                    and data.channel.subdir in wanted:
                found.append((display_name(data.channel.base_url), data.channel.subdir, data))
        return found
    read = []
    for name, subdir, channel in urls(inputs.channels, wanted):
        data = SubdirData._cache_.get((channel.url(with_credentials=True), REPODATA_FN))
        if data is None:
            log.debug("conda-tuna arch check: the solver did not read %s", channel)
            return []
        read.append((name, subdir, data))
    return read


def _explained(findings: list[Finding], channels: Sequence[Any], target: str, *,
               fetch: bool) -> list[Finding]:
    """Where the missing things exist, mirror notes; only findings worth a word."""
    others, unchecked = _other_sources(channels, target, fetch=fetch)
    arch_check.locate(findings, NameIndex(others), matcher, unchecked)
    findings = [f for f in findings if arch_check.relevant(f)]
    mirror, enabled = mirror_for_notes()
    for finding in findings:
        arch_check.mirror_notes(finding, mirror, enabled=enabled)
    return findings


def _other_sources(channels: Sequence[Any], target: str, *,
                   fetch: bool) -> tuple[list[Source], set[str]]:
    """Sources for the other subdirs: what conda has in memory or in its cache; with
    `fetch`, the same OS's other architectures are fetched when not cached (the command
    has failed already); the rest is reported as not checked."""
    from ..mirrors.catalog import SUBDIRS_ALL

    nearby = set(siblings(target, SUBDIRS_ALL))
    others = sorted(SUBDIRS_ALL - {target, "noarch"})
    sources: list[Source] = []
    unchecked: set[str] = set()
    for name, subdir, channel in urls(channels, others):
        source = _cached_source(name, subdir, channel)
        if source is None and fetch and subdir in nearby:
            source = _fetched_source(name, subdir, channel)
        if source is None:
            unchecked.add(subdir)
        else:
            sources.append(source)
    return sources, unchecked


def _cached_source(name: str, subdir: str, channel: Any) -> Source | None:
    for fn in (REPODATA_FN, _CURRENT_FN):
        data = peek(channel, fn)
        if getattr(data, "_loaded", False):
            return source_for(name, subdir, data, newest_first=False)
        if data.cache_path_json.exists():
            source = file_source(name, subdir, data.cache_path_json, channel)
            if source is not None:
                return source
    return None


def _fetched_source(name: str, subdir: str, channel: Any) -> Source | None:
    """Fetch another subdir's index into conda's cache: the small current_repodata.json
    (newest builds; enough to say "builds exist"), else repodata.json."""
    for fn in (_CURRENT_FN, REPODATA_FN):
        try:
            path, _ = peek(channel, fn).repo_fetch.fetch_latest_path()
        except Exception:
            log.debug("conda-tuna: could not fetch %s/%s", channel, fn, exc_info=True)
            continue
        source = file_source(name, subdir, path, channel)
        if source is not None:
            return source
    return None


# ---------------------------------------------------------------------------- before the solve
def fresh_cache_findings(pairs: Sequence[tuple[str, str]], inputs: SolveInputs,
                         fresh: Sequence[tuple[str, str, Any, Any]]) -> list[Finding]:
    """Specs whose name is in none of the target/noarch repodata the solver is about to read
    (`fresh`: conda's cached files, which its freshness rule says the solver will read
    unchanged, without a request). Any other case is not knowable without fetching: the
    failure path explains it."""
    sources = []
    for name, subdir, channel, path in fresh:
        source = file_source(name, subdir, path, channel)
        if source is None:
            return []
        sources.append(source)
    index = NameIndex(sources)
    target = inputs.target
    missing = [Finding(text, name, MISSING, target, index.channels) for text, name in pairs
               if not name.startswith("__") and not index.records(name)]
    if not missing:
        return []
    return _explained(missing, inputs.channels, target, fetch=False)


def check_before_solve(pairs: Sequence[tuple[str, str]],
                       inputs: SolveInputs) -> list[Finding]:
    """plugins.tuna_arch_check=error: read what the solver is about to read, now. The
    classic solver's load() is shared with it (free); other solvers get conda's cached file
    refreshed ahead of them (their own fetch then revalidates: +1 request per file, and
    conda's .zst probe)."""
    target = inputs.target
    classic = parses_in_python(solver_backend())
    sources = []
    for name, subdir, data in _subdir_datas_for(inputs, (target, "noarch")):
        if classic:
            if not data._loaded:
                data.load()
            sources.append(source_for(name, subdir, data, newest_first=False))
            continue
        path, _ = data.repo_fetch.fetch_latest_path()
        source = file_source(name, subdir, path, data.channel)
        if source is None:
            return []  # not readable here: let the solver decide, the failure path explains
        sources.append(source)
    findings = arch_check.diagnose(requests_of(pairs), NameIndex(sources), matcher, target)
    if not findings or inputs.repodata_fn != REPODATA_FN:
        # current_repodata.json holds only the newest builds; conda retries with the full
        # repodata.json and calls the pre-solve hook again, so judge then
        return []
    return _explained(findings, inputs.channels, target, fetch=True)


def _subdir_datas_for(inputs: SolveInputs, subdirs: Sequence[str]):
    from conda.core.subdir_data import SubdirData

    for name, subdir, channel in urls(inputs.channels, subdirs):
        yield name, subdir, SubdirData(channel, repodata_fn=inputs.repodata_fn)


# ---------------------------------------------------------------------------- conda tuna check
def fetched_sources(channels: Iterable[Any], subdirs: Sequence[str]) -> list[Source]:
    """`conda tuna check`: each channel's repodata.json for `subdirs`, fetched (or
    revalidated) into conda's cache as conda does, read by byte-level search; a file that
    is not readable that way is loaded by conda instead."""
    from conda.core.subdir_data import SubdirData

    sources = []
    for name, subdir, channel in urls(channels, subdirs):
        data = SubdirData(channel, repodata_fn=REPODATA_FN)
        path, _ = data.repo_fetch.fetch_latest_path()
        source = file_source(name, subdir, path, channel)
        sources.append(source if source is not None else source_for(name, subdir, data))
    return sources


# ---------------------------------------------------------------------------- wording
def native() -> str | None:
    try:
        return native_subdir()
    except Exception:
        return None


def warning_lines(findings: Sequence[Finding]) -> list[str]:
    """One line per finding (archcheck/check.py's format_warning)."""
    if not findings:
        return []
    note = arch_check.machine_note(findings[0].subdir, native())
    return [arch_check.format_warning(f, note) for f in findings]


def mirror_for_notes():
    """The active mirror (True), else the catalog's default for its coverage (False)."""
    from ..mirrors.adapter import configured_mirror
    from ..mirrors.catalog import DEFAULT_MIRROR, MIRRORS

    try:
        mirror = configured_mirror()
    except Exception:
        mirror = None
    return (mirror, True) if mirror is not None else (MIRRORS[DEFAULT_MIRROR], False)
