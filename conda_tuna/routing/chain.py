"""Failover through the chain of mirrors (and upstream), one request at a time.

The pieces, all pure (no conda import) so they are unit-tested without a network:

* :func:`decide`: what an HTTP answer from the site now serving a request means (the
  handling table in the README): give it to conda, or try the next candidate.
* :class:`FailureMemory`: sites that failed in the last 30 s at most, in this process and on
  disk, so the next conda command skips a site that just failed but uses a recovered one
  right away. Nothing on disk outlives 30 s; a success clears the entry.
* :class:`SyncFacts`: when each mirror last synced (its tunasync.json), kept on disk for
  10 minutes. Only the fact is cached, never a verdict about the mirror.
* :class:`LivenessGate`: the first request a process sends to a site waits for one bounded
  check of that site (once, under a per-site lock; other threads wait for its verdict).
  Connection errors and timeouts never reach requests' response hooks, so this is the only
  place a dead or hanging mirror is caught before conda's own long timeouts.
* :func:`choose`: the first usable candidate of a plan: not remembered down, live, and fresh
  unless every mirror is stale (a stale mirror beats slow upstream).
* :class:`Announcer`: at most one failover line and one "everything failed" line per command.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from ..base.files import atomic_write, make_dir, missing_dirs, owner_for_new
from ..i18n import _
from ..mirrors.sync import format_age
from .urls import MUST_EXIST, Candidate, Plan

# architecture: pure

#: The longest a failure is remembered (seconds): a recovered mirror is used again soon.
MAX_FAILURE_SECONDS = 30.0
#: How long a mirror's last-sync time is reused before the liveness check fetches it again.
SYNC_FACT_SECONDS = 600.0

# what to do with an answer
ACCEPT = "accept"  # give this response to conda
NEXT = "next"  # try the next candidate; the site is not marked down
NEXT_DOWN = "next-down"  # try the next candidate and remember the site as down

# how a site failed
DEFINITE = "definite"  # refused, DNS, TLS, 5xx, 429: the site said no
TIMEOUT = "timeout"  # no answer within the budget: maybe only a slow link
STALE = "stale"  # answers, but its last sync is older than tuna_sync_max_age_hours


def decide(status: int, kind: str) -> str:
    """What to do with a site's HTTP answer for a file of `kind`.

    * 5xx, 429 (after conda's own urllib3 retries): the site is broken now -> NEXT_DOWN;
    * 404 for a MUST_EXIST file (a package, repodata.json): the mirror lags or lost the file
      -> NEXT, the site stays up (one missing file says nothing about the others);
    * everything else (2xx, 206, 304, 3xx, 401, 403, 416, a 404 for an OPTIONAL file) is an
      answer -> ACCEPT.
    """
    if status >= 500 or status == 429:
        return NEXT_DOWN
    if status == 404 and kind == MUST_EXIST:
        return NEXT
    return ACCEPT


class Failure(NamedTuple):
    """Why a site is (or was just found) unusable: `reason` in words (for a network failure,
    ``base/neterrors``' summary), `kind` DEFINITE/TIMEOUT/STALE, and the HTTP status when the
    site answered one (not kept on disk)."""

    reason: str
    kind: str = DEFINITE
    status: int | None = None


class Verdict(NamedTuple):
    """The outcome of one liveness check: does the site answer, and when did it last sync."""

    ok: bool
    detail: str
    kind: str = DEFINITE  # for a failed check: DEFINITE or TIMEOUT
    synced: float | None = None  # the mirror's last successful sync (epoch), when known


def is_stale(synced: float | None, max_age_hours: float, now: float) -> bool:
    """True when a mirror's last successful sync is older than `max_age_hours`.

    Unknown (no status file, no anaconda job) counts as fresh."""
    return synced is not None and now - synced > max_age_hours * 3600.0


# --------------------------------------------------------------------------- memory on disk
def _read_json(path: Path | None) -> dict[str, object]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_json(path: Path | None, data: dict[str, object]) -> None:
    """Write a memory file atomically; directories and file get the owner of where they are
    created (run as root with a user's HOME, the cache stays the user's: base/files.py)."""
    if path is None:
        return
    with contextlib.suppress(OSError):  # memory is an optimisation; never fail a request
        for directory in missing_dirs(path.parent):
            make_dir(directory)
        atomic_write(path, json.dumps(data, sort_keys=True), owner=owner_for_new(path))


class FailureMemory:
    """Sites that failed recently, ``{key: {"until", "reason", "kind"}}``; thread-safe.

    Shared between commands through a small JSON file. Entries expire after `ttl` seconds
    (never more than :data:`MAX_FAILURE_SECONDS`); an entry claiming a later expiry (a clock
    change, a hand edit) is ignored, so nothing sticky on disk can keep a working mirror out.
    """

    def __init__(self, path: Path | None, ttl: float = MAX_FAILURE_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.ttl = max(0.0, min(ttl, MAX_FAILURE_SECONDS))
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, Failure]] = self._load()

    def _load(self) -> dict[str, tuple[float, Failure]]:
        now = self.clock()
        entries: dict[str, tuple[float, Failure]] = {}
        for key, value in _read_json(self.path).items():
            try:
                until = float(value["until"])  # type: ignore[index]
                failure = Failure(str(value.get("reason", "")),  # type: ignore[union-attr]
                                  str(value.get("kind", DEFINITE)))  # type: ignore[union-attr]
            except (KeyError, TypeError, ValueError, AttributeError):
                continue
            if now < until <= now + MAX_FAILURE_SECONDS:
                entries[key] = (until, failure)
        return entries

    def _save(self) -> None:
        _write_json(self.path, {k: {"until": u, "reason": f.reason, "kind": f.kind}
                                for k, (u, f) in self._entries.items()})

    def down(self, key: str) -> Failure | None:
        """Why `key` is remembered as down, or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if self.clock() >= entry[0]:
                del self._entries[key]
                return None
            return entry[1]

    def mark_down(self, key: str, failure: Failure) -> None:
        with self._lock:
            if self.ttl <= 0:
                return
            self._entries[key] = (self.clock() + self.ttl, failure)
            self._save()

    def mark_up(self, key: str) -> None:
        with self._lock:
            if self._entries.pop(key, None) is not None:
                self._save()


class SyncFacts:
    """Each mirror's last successful sync (``last_update_ts`` of its anaconda job), as found
    by a liveness check, reused for :data:`SYNC_FACT_SECONDS`. Thread-safe, on disk."""

    def __init__(self, path: Path | None, ttl: float = SYNC_FACT_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._data = _read_json(path)

    def get(self, key: str) -> tuple[bool, float | None]:
        """(known, last sync): known is False when the fact is missing or too old."""
        with self._lock:
            entry = self._data.get(key)
            if not isinstance(entry, dict):
                return False, None
            checked, synced = entry.get("checked"), entry.get("synced")
            if not isinstance(checked, (int, float)) or not (
                    0 <= self.clock() - checked < self.ttl):
                return False, None
            return True, float(synced) if isinstance(synced, (int, float)) else None

    def put(self, key: str, synced: float | None) -> None:
        with self._lock:
            now = self.clock()
            self._data = {k: v for k, v in self._data.items() if isinstance(v, dict)
                          and isinstance(v.get("checked"), (int, float))
                          and now - v["checked"] < self.ttl}
            self._data[key] = {"checked": now, "synced": synced}
            _write_json(self.path, self._data)


class LivenessGate:
    """One bounded check per site per process; concurrent callers wait for its verdict."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._verdicts: dict[str, Verdict] = {}

    def verdict(self, key: str, check: Callable[[], Verdict]) -> Verdict:
        with self._lock:
            known = self._verdicts.get(key)
            if known is not None:
                return known
            site_lock = self._locks.setdefault(key, threading.Lock())
        with site_lock:
            known = self._verdicts.get(key)
            if known is None:
                try:
                    known = check()
                except Exception as exc:  # a broken check is a failed check, never a crash
                    known = Verdict(False, f"{type(exc).__name__}: {exc}")
                self._verdicts[key] = known
            return known

    def known(self, key: str) -> Verdict | None:
        with self._lock:
            return self._verdicts.get(key)


# --------------------------------------------------------------------------- choosing
class Skipped(NamedTuple):
    """A candidate passed over, and why."""

    candidate: Candidate
    failure: Failure


class Choice(NamedTuple):
    """The candidate to use (index into the plan, -1 for none) and what was passed over."""

    index: int
    skipped: tuple[Skipped, ...] = ()
    all_stale: bool = False

    @property
    def definite(self) -> bool:
        """Nothing usable, and every site said no (nothing merely timed out)."""
        return self.index < 0 and bool(self.skipped) and all(
            s.failure.kind == DEFINITE for s in self.skipped)


def choose(plan: Plan, start: int, memory: FailureMemory,
           verdict_of: Callable[[Candidate], Verdict], *, max_age_hours: float,
           now: float) -> Choice:
    """The first usable candidate from `start` on.

    A candidate is skipped when it is remembered down, or its liveness check fails (the site
    is then remembered down), or it is a stale mirror while a fresh one comes later. When
    every mirror answering is stale, the first of them is used (stale beats slow upstream).
    """
    skipped: list[Skipped] = []
    first_stale: int | None = None
    for index in range(start, len(plan.candidates)):
        cand = plan.candidates[index]
        if cand.mirror is None and first_stale is not None:
            return Choice(first_stale, tuple(skipped), all_stale=True)
        failure = memory.down(cand.key)
        if failure is not None:
            skipped.append(Skipped(cand, failure))
            continue
        verdict = verdict_of(cand)
        if not verdict.ok:
            failure = Failure(verdict.detail, verdict.kind)
            memory.mark_down(cand.key, failure)
            skipped.append(Skipped(cand, failure))
            continue
        if cand.mirror is not None and is_stale(verdict.synced, max_age_hours, now):
            if first_stale is None:
                first_stale = index
            age = format_age((now - (verdict.synced or now)) / 3600.0)
            skipped.append(Skipped(cand, Failure(_("last sync {age} ago").format(age=age),
                                                 STALE)))
            continue
        return Choice(index, tuple(skipped))
    if first_stale is not None:
        return Choice(first_stale, tuple(skipped), all_stale=True)
    return Choice(-1, tuple(skipped))


# --------------------------------------------------------------------------- messages
def failover_line(failed: Skipped, used: Candidate) -> str:
    """The one line saying which site failed and which one is used instead."""
    if failed.failure.kind == STALE:
        return _("conda-tuna: mirror {failed} is stale ({why}); using {used} instead.").format(
            failed=failed.candidate.label, why=failed.failure.reason, used=used.label)
    return _("conda-tuna: {failed} failed ({why}); using {used} instead.").format(
        failed=_site_words(failed.candidate), why=failed.failure.reason, used=used.label)


def lacks_line(failed: Candidate, filename: str, used: Candidate) -> str:
    """The one line for a mirror answering 404 for a file its index lists."""
    return _("conda-tuna: mirror {failed} lacks {file}; using {used} instead.").format(
        failed=failed.label, file=filename, used=used.label)


def all_stale_line(used: Candidate, skipped: Sequence[Skipped]) -> str:
    why = "; ".join(f"{s.candidate.label}: {s.failure.reason}" for s in skipped
                    if s.failure.kind == STALE)
    return _("conda-tuna: every mirror is stale ({why}); using {used} anyway, which is "
             "still faster than upstream.").format(why=why, used=used.label)


def all_failed_line(skipped: Sequence[Skipped], upstream_tried: bool) -> str:
    """The honest line when nothing answered: most likely the network or a proxy."""
    why = "; ".join(f"{s.candidate.label}: {s.failure.reason}" for s in skipped)
    if upstream_tried:
        text = _("every mirror and upstream failed ({why}); most likely the network or a "
                 "proxy is down. See which with `conda tuna mirrors --probe`.")
    else:
        text = _("every mirror failed ({why}); most likely the network or a proxy is down. "
                 "See which with `conda tuna mirrors --probe`.")
    return text.format(why=why)


def _site_words(cand: Candidate) -> str:
    if cand.mirror is None:
        return _("upstream")
    return _("mirror {name}").format(name=cand.mirror.name)


class Announcer:
    """At most one failover line and one "everything failed" line per command.

    Later failovers of the same command are passed to `verbose` (shown with conda's -v)."""

    def __init__(self, write: Callable[[str], None],
                 verbose: Callable[[str], None] = lambda line: None) -> None:
        self.write = write
        self.verbose = verbose
        self._said: set[str] = set()
        self._lock = threading.Lock()

    def once(self, slot: str, line: str) -> bool:
        """Write `line` if nothing was written in `slot` yet; True when written."""
        with self._lock:
            first = slot not in self._said
            self._said.add(slot)
        (self.write if first else self.verbose)(line)
        return first
