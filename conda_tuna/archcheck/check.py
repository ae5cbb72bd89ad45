"""Does every requested spec have a build for the target platform, and if not, where?

conda's own answer to a spec without a build for this machine is a generic
PackagesNotFoundError; it never says the package exists for another architecture. This module
decides, from the records the configured channels offer for the target subdir (plus noarch),
which specs cannot be installed, whether the spec itself or one of its dependencies is what is
missing, where the missing thing does exist (other subdirs and channels), and which mirrored
channel carries the target subdir as a place to look. It formats the one-line warnings the
pre-solve hook prints and the error hint repeats.

Pure Python, no conda import: records are any objects with ``name``, ``version``, ``build``
and ``depends`` (conda's PackageRecord fits), and version constraints are decided by a
``matcher(spec_text, record)`` callable the adapter builds from conda's MatchSpec. Record
lookups go through :class:`NameIndex`, which asks each source once per package name and
remembers the answer, so many specs never mean re-reading repodata.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..i18n import _
from .platforms import machine_name

if TYPE_CHECKING:
    from ..mirrors.catalog import Mirror

# architecture: pure

#: Kinds of problem.
MISSING = "missing"  # no record of the spec for the target subdir (or noarch)
MISSING_DEPENDENCY = "missing_dependency"  # the spec exists, every build needs something absent
AVAILABLE = "available"

#: How deep dependencies are followed. The solver does the full job; this only has to catch
#: the common "the package exists but its (grand)dependency was never built for ARM" case,
#: and must stay cheap next to the solve.
MAX_DEPTH = 3

#: Mirrored channels worth suggesting when a spec has no build for a subdir, best first.
SUGGESTED_CHANNELS = ("conda-forge",)

Matcher = Callable[[str, Any], bool]

_NAME_RE = re.compile(r"^\s*([A-Za-z0-9_][A-Za-z0-9_.\-+]*)")


def spec_name(spec: str) -> str:
    """The package name of a spec string ("conda-forge::numpy >=1.2" -> "numpy")."""
    text = spec.rpartition("::")[2]
    match = _NAME_RE.match(text)
    return match.group(1).lower() if match else text.strip().lower()


def name_matcher(spec: str, record: Any) -> bool:
    """The simplest matcher (name only), for callers without conda's MatchSpec."""
    return spec_name(spec) == record.name


@dataclass(frozen=True)
class Source:
    """One channel's records for one subdir.

    `lookup(name)` returns that channel/subdir's records called `name`, newest first (the
    order in which they are tried, so the reported build is the one the solver would prefer).
    A source whose lookup is fast but may miss records (a sorted-key search in a repodata
    file) also has `confirm(name)`, a slow lookup that trusts nothing; :class:`NameIndex`
    calls it only for a name no source found, so that absence is never a guess.
    """

    channel: str
    subdir: str
    lookup: Callable[[str], Sequence[Any]]
    confirm: Callable[[str], Sequence[Any]] | None = None


class NameIndex:
    """Records by package name across many sources, each name looked up once.

    Built once per solve (or per platform for `conda tuna check`), shared by every spec.
    """

    def __init__(self, sources: Iterable[Source]) -> None:
        self.sources = tuple(sources)
        self._by_name: dict[str, list[tuple[Source, Any]]] = {}

    def records(self, name: str) -> list[tuple[Source, Any]]:
        found = self._by_name.get(name)
        if found is None:
            found = [(src, rec) for src in self.sources for rec in src.lookup(name)]
            if not found:  # before saying "missing", ask the sources that may have missed it
                found = [(src, rec) for src in self.sources if src.confirm is not None
                         for rec in src.confirm(name)]
            self._by_name[name] = found
        return found

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(src.channel for src in self.sources))

    @property
    def subdirs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(src.subdir for src in self.sources))


@dataclass(frozen=True)
class Request:
    """A requested spec: its text (MatchSpec syntax) and package name."""

    text: str
    name: str

    @classmethod
    def of(cls, text: str) -> Request:
        return cls(text.strip(), spec_name(text))


@dataclass
class Finding:
    """A spec that cannot be installed on `subdir`, and what is known about why."""

    spec: str
    name: str
    kind: str
    subdir: str
    channels: tuple[str, ...]
    other_versions: tuple[str, ...] = ()  # versions of `name` the target does have
    dependency: str | None = None  # the missing dependency (MISSING_DEPENDENCY)
    via: tuple[str, ...] = ()  # dependencies leading from the spec to `dependency`
    elsewhere: dict[str, tuple[str, ...]] = field(default_factory=dict)  # subdir -> channels
    unchecked: tuple[str, ...] = ()  # subdirs whose repodata was not looked at
    notes: tuple[str, ...] = ()  # mirror coverage remarks and places to look

    @property
    def missing(self) -> str:
        """The spec that has no build: the dependency, or the spec itself."""
        return self.dependency or self.spec

    @property
    def missing_name(self) -> str:
        return spec_name(self.missing)

    def to_json(self) -> dict[str, object]:
        return {
            "spec": self.spec,
            "name": self.name,
            "problem": self.kind,
            "subdir": self.subdir,
            "channels": list(self.channels),
            "available_versions": list(self.other_versions),
            "missing_dependency": self.dependency,
            "via": list(self.via),
            "builds_exist_for": {k: list(v) for k, v in sorted(self.elsewhere.items())},
            "not_checked": list(self.unchecked),
            "notes": list(self.notes),
        }


@dataclass
class Result:
    """Availability of one request on one subdir (what `conda tuna check` reports)."""

    request: Request
    subdir: str
    status: str
    channel: str | None = None
    version: str | None = None
    build: str | None = None
    finding: Finding | None = None

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"status": self.status}
        if self.status == AVAILABLE:
            data.update(channel=self.channel, version=self.version, build=self.build)
        elif self.finding is not None:
            finding = self.finding.to_json()
            for key in ("spec", "name", "subdir", "problem"):
                finding.pop(key)
            data.update(finding)
        return data


class _Walker:
    """Follows dependencies (to MAX_DEPTH) to find one that no record satisfies.

    Memoised per (dependency spec, depth): specs share most dependencies, so the walk for
    many specs costs little more than for one.
    """

    def __init__(self, index: NameIndex, matcher: Matcher, max_depth: int) -> None:
        self.index = index
        self.matcher = matcher
        self.max_depth = max_depth
        self._memo: dict[tuple[str, int], tuple[str, ...] | None] = {}

    def candidates(self, spec: str, name: str) -> Iterator[tuple[Source, Any]]:
        return ((s, r) for s, r in self.index.records(name) if self.matcher(spec, r))

    def blocked(self, spec: str, depth: int, stack: frozenset[str]) -> tuple[str, ...] | None:
        """None when `spec` can be met; else the chain of specs down to the missing one."""
        name = spec_name(spec)
        if name.startswith("__") or spec in stack:  # virtual packages; dependency cycles
            return None
        key = (spec, depth)
        if key in self._memo:
            return self._memo[key]
        result: tuple[str, ...] | None = (spec,)
        first: tuple[str, ...] | None = None
        for _source, record in self.candidates(spec, name):
            if depth >= self.max_depth:
                result = None
                break
            chain = self.record_blocked(record, depth + 1, stack | {spec})
            if chain is None:
                result = None
                break
            first = first or chain
        else:
            if first is not None:
                result = (spec, *first)
        self._memo[key] = result
        return result

    def record_blocked(self, record: Any, depth: int,
                       stack: frozenset[str]) -> tuple[str, ...] | None:
        for dep in record.depends or ():
            chain = self.blocked(dep, depth, stack)
            if chain is not None:
                return chain
        return None


def check(requests: Iterable[Request], index: NameIndex, matcher: Matcher, subdir: str,
          *, max_depth: int = MAX_DEPTH) -> list[Result]:
    """Availability of every request on `subdir`, given that subdir's (and noarch's) index."""
    walker = _Walker(index, matcher, max_depth)
    channels = index.channels
    results: list[Result] = []
    for request in requests:
        results.append(_check_one(request, walker, channels, subdir))
    return results


def _check_one(request: Request, walker: _Walker, channels: tuple[str, ...],
               subdir: str) -> Result:
    if request.name.startswith("__"):
        return Result(request, subdir, AVAILABLE, channel="virtual")
    first: tuple[str, ...] | None = None
    for source, record in walker.candidates(request.text, request.name):
        chain = walker.record_blocked(record, 1, frozenset({request.text}))
        if chain is None:
            return Result(request, subdir, AVAILABLE, channel=source.channel,
                          version=record.version, build=record.build)
        first = first or chain
    if first is None:
        versions = tuple(dict.fromkeys(r.version for _, r in walker.index.records(request.name)))
        finding = Finding(request.text, request.name, MISSING, subdir, channels,
                          other_versions=versions[:5])
        return Result(request, subdir, MISSING, finding=finding)
    finding = Finding(request.text, request.name, MISSING_DEPENDENCY, subdir, channels,
                      dependency=first[-1], via=tuple(spec_name(s) for s in first[:-1]))
    return Result(request, subdir, MISSING_DEPENDENCY, finding=finding)


def diagnose(requests: Iterable[Request], index: NameIndex, matcher: Matcher, subdir: str,
             *, max_depth: int = MAX_DEPTH) -> list[Finding]:
    """The requests that cannot be installed on `subdir` (no locations filled in yet)."""
    return [r.finding for r in check(requests, index, matcher, subdir, max_depth=max_depth)
            if r.finding is not None]


def locate(findings: Iterable[Finding], elsewhere: NameIndex, matcher: Matcher,
           unchecked: Iterable[str] = ()) -> None:
    """Fill in, for each finding, the other subdirs (and channels) that have the missing spec.

    `elsewhere` indexes the other subdirs' repodata that could be read; `unchecked` names the
    subdirs that were not looked at, so the warning can say so instead of implying absence.
    """
    skipped = tuple(sorted(unchecked))
    for finding in findings:
        found: dict[str, dict[str, None]] = {}
        for source, record in elsewhere.records(finding.missing_name):
            if source.subdir != finding.subdir and matcher(finding.missing, record):
                found.setdefault(source.subdir, {})[source.channel] = None
        finding.elsewhere = {subdir: tuple(chans) for subdir, chans in sorted(found.items())}
        finding.unchecked = tuple(s for s in skipped if s not in finding.elsewhere)


def mirror_notes(finding: Finding, mirror: Mirror | None, *, enabled: bool) -> None:
    """Add the mirror catalog's view: channels the mirror does not carry for this subdir, and
    a mirrored channel that does carry it as a place to look.

    `mirror` is the active mirror (or the catalog's default when `enabled` is False, which
    only changes the wording: the catalog's coverage still says where builds for the subdir
    are published).
    """
    if mirror is None:
        return
    subdir = finding.subdir
    notes: list[str] = []
    if enabled:
        for channel in finding.channels:
            name = "pkgs/main" if channel == "defaults" else channel
            known = name.startswith("pkgs/") or mirror.carries_channel(name)
            if known and not mirror.carries(name, subdir):
                notes.append(_("{mirror} does not mirror {channel} for {subdir}").format(
                    mirror=mirror.name, channel=channel, subdir=subdir))
    for candidate in SUGGESTED_CHANNELS:
        if candidate in finding.channels or not mirror.carries(candidate, subdir):
            continue
        if enabled:
            note = _("look in {channel} ({mirror} mirrors it for {subdir}): add -c {channel}")
        else:
            note = _("look in {channel} (it has {subdir} builds): add -c {channel}")
        notes.append(note.format(channel=candidate, mirror=mirror.name, subdir=subdir))
        break
    finding.notes = tuple(notes)


def relevant(finding: Finding) -> bool:
    """Worth a warning: the missing thing exists for another platform (an architecture
    problem), or the target has other versions of it. A name that exists nowhere is a typo or
    a missing channel, which conda's own error already explains."""
    return bool(finding.elsewhere) or bool(finding.other_versions and finding.kind == MISSING)


def machine_note(target: str, native: str | None) -> str:
    """"machine aarch64", plus this machine's own when the target was set by --platform or
    CONDA_SUBDIR (so a forgotten CONDA_SUBDIR is visible)."""
    if native and native != target:
        return _("machine {machine}, set by --platform/CONDA_SUBDIR; this machine is "
                 "{native_machine} ({native})").format(machine=machine_name(target),
                                                      native_machine=machine_name(native),
                                                      native=native)
    return _("machine {machine}").format(machine=machine_name(target))


def _where(finding: Finding) -> str:
    groups = set(finding.elsewhere.values())
    if len(groups) == 1:
        (chans,) = groups
        text = ", ".join(finding.elsewhere)
        return text if set(chans) <= set(finding.channels) and len(finding.channels) == 1 \
            else _("{subdirs} (in {channels})").format(subdirs=text, channels=", ".join(chans))
    return ", ".join(_("{subdirs} (in {channels})").format(subdirs=subdir,
                                                           channels=", ".join(chans))
                     for subdir, chans in finding.elsewhere.items())


def format_warning(finding: Finding, note: str) -> str:
    """The one-line warning, e.g.
    "mkl: no build for linux-aarch64 (machine aarch64) in defaults; builds exist for linux-64,
    win-64"."""
    parts = {"spec": finding.spec, "subdir": finding.subdir, "note": note,
             "channels": ", ".join(finding.channels) or _("the configured channels"),
             "name": finding.name, "versions": ", ".join(finding.other_versions),
             "dependency": finding.dependency, "via": " -> ".join(finding.via),
             "missing": finding.missing_name}
    if finding.kind == MISSING:
        text = _("{spec}: no build for {subdir} ({note}) in {channels}").format(**parts)
        if finding.other_versions:
            text = _("{text} ({subdir} has {name} {versions} only)").format(text=text, **parts)
        if finding.elsewhere:
            text = _("{text}; builds exist for {where}").format(text=text,
                                                                 where=_where(finding))
    else:
        if finding.via:
            text = _("{spec}: every build for {subdir} needs {dependency} (via {via}), which "
                     "has no build for {subdir} ({note}) in {channels}").format(**parts)
        else:
            text = _("{spec}: every build for {subdir} needs {dependency}, which has no build "
                     "for {subdir} ({note}) in {channels}").format(**parts)
        if finding.elsewhere:
            text = _("{text}; {missing} builds exist for {where}").format(
                text=text, missing=finding.missing_name, where=_where(finding))
    if finding.unchecked:
        text = _("{text} (not checked: {subdirs})").format(
            text=text, subdirs=", ".join(finding.unchecked))
    for extra in finding.notes:
        text = _("{text}; {note}").format(text=text, note=extra)
    return text
