"""Where the solver is about to look, and whether conda will read its cache unchanged.

The conda glue the pre-solve hook needs on every solve, kept apart from ``adapter.py`` so that
a solve that needs nothing more imports nothing more (plain classes, conda's own modules that
are loaded already): the calling solver's channels, subdirs and repodata file, and conda's
freshness rule for its cached repodata.

Non-public conda behaviour relied on (tests in tests/integration/test_arch_check.py):
the pre-solve hooks run inside ``Solver.solve_for_transaction`` with the solver as ``self``;
``SubdirData._cache_`` keyed ``(URL with credentials, repodata file)``;
``RepodataCache.load_state()``/``stale()``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from conda.base.constants import REPODATA_FN
from conda.base.context import context


class SolveInputs:
    """Where the solver looks: its channels (in its order), subdirs and repodata file."""

    __slots__ = ("channels", "repodata_fn", "subdirs")

    def __init__(self, channels: Sequence[Any], subdirs: Sequence[str], repodata_fn: str):
        self.channels = tuple(channels)
        self.subdirs = tuple(subdirs)
        self.repodata_fn = repodata_fn

    @property
    def target(self) -> str:
        return next((s for s in self.subdirs if s != "noarch"), context.subdir)


def calling_solver() -> Any | None:
    """The Solver whose solve_for_transaction invoked the pre-solve hooks.

    conda's pre-solve hook receives specs only, but the channels (an environment file's,
    ``-c``, ``--override-channels``), subdirs and repodata file live on the solver. Not public
    API: conda calls the hooks from ``Solver.solve_for_transaction`` with the solver as
    ``self`` (libmamba and rattler inherit that method).
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


def solver_inputs(specs: Iterable[Any]) -> SolveInputs | None:
    """The calling solver's inputs (with channels named by ``channel::spec``, which the
    solver adds itself later); None when no solver is on the call stack."""
    solver = calling_solver()
    if solver is None:
        return None
    channels = list(solver.channels)
    for spec in specs:
        channel = spec.get_exact_value("channel")
        if channel and channel not in channels:
            channels.append(channel)
    fn = getattr(solver, "_repodata_fn", None) or REPODATA_FN
    return SolveInputs(channels, solver.subdirs, fn)


def display_name(channel: Any) -> str:
    from conda.models.channel import Channel

    return Channel(channel).canonical_name


def urls(channels: Iterable[Any], subdirs: Sequence[str]) -> Iterator[tuple[str, str, Any]]:
    """(display name, subdir, subdir-level Channel) for each channel (multichannels
    expand), in the solver's order."""
    from conda.models.channel import Channel

    for channel in channels:
        name = display_name(channel)
        for url in _without_platform(Channel(channel)).urls(True, tuple(subdirs)):
            as_channel = Channel(url)
            yield name, as_channel.subdir, as_channel


def _without_platform(channel: Any) -> Any:
    """A channel that names a platform (as `conda env create` passes them on conda 24-25)
    answers urls() with that platform only, whatever subdirs are asked for; conda-libmamba-
    solver strips it the same way."""
    from conda.models.channel import Channel

    if not getattr(channel, "platform", None) or not hasattr(channel, "dump"):
        return channel
    return Channel(**{k: v for k, v in channel.dump().items() if k != "platform"})


def peek(channel: Any, repodata_fn: str) -> Any:
    """conda's SubdirData for `channel`, for its cache paths, without leaving a new entry in
    SubdirData._cache_ (the solver creates its own; one made here must not stand in for it)."""
    from conda.core.subdir_data import SubdirData

    key = (channel.url(with_credentials=True), repodata_fn)
    existed = key in SubdirData._cache_
    subdir_data = SubdirData(channel, repodata_fn=repodata_fn)
    if not existed:
        SubdirData._cache_.pop(key, None)
    return subdir_data


def used_unchanged(subdir_data: Any) -> bool:
    """conda will read this cached repodata.json without asking the server (its rule in
    RepodataFetch.fetch_latest: not stale by local_repodata_ttl / Cache-Control max-age, or
    offline / use_index_cache; never for file:// channels)."""
    if subdir_data.url_w_subdir.startswith("file://"):
        return False
    if not subdir_data.cache_path_json.exists():
        return False
    cache = subdir_data.repo_cache
    shards = getattr(cache, "cache_path_shards", None)
    if shards is not None and shards.exists():  # the solver may read shards instead
        return False
    if context.offline or context.use_index_cache:
        return True
    cache.load_state()
    return not cache.stale()


def fresh_files(inputs: SolveInputs) -> list[tuple[str, str, Any, Any]] | None:
    """(display name, subdir, Channel, cached file) for the target subdir and noarch of
    every channel, when conda will read all of them unchanged; None as soon as one it will
    revalidate (the usual case: stops at the first file)."""
    if inputs.repodata_fn != REPODATA_FN:
        return None
    found = []
    for name, subdir, channel in urls(inputs.channels, (inputs.target, "noarch")):
        data = peek(channel, REPODATA_FN)
        if not used_unchanged(data):
            return None
        found.append((name, subdir, channel, data.cache_path_json))
    return found
