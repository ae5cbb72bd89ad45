"""How fresh is a mirror? Parse its tunasync status file and judge the jobs conda uses.

TUNA, BFSU and the other tunasync-run mirrors publish a JSON list with one entry per sync
job (``<root>/static/tunasync.json``; NJU under ``/.mirrorz/``). conda-tuna cares about two
jobs: ``anaconda`` (conda packages) and ``pypi`` (pip). Facts used here (tunasync's format):

* ``status`` is one of none, failed, success, syncing, pre-syncing, paused, disabled;
* ``last_update_ts`` is the end of the last *successful* sync, so the mirror's data is
  ``now - last_update_ts`` old, whatever the status says;
* the last run failed when ``last_ended_ts != last_update_ts`` (a failed run ends without
  moving ``last_update``). A failure does not make the mirror unusable, only possibly stale.

Pure Python, no conda and no network: the caller fetches the JSON (see ``mirrors/health.py``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from ..base.neterrors import NetError, from_json
from ..i18n import _

# architecture: pure

#: The sync jobs conda-tuna reports on, in display order.
JOBS = ("anaconda", "pypi")
STATUSES = frozenset({"none", "failed", "success", "syncing", "pre-syncing", "paused",
                      "disabled"})
UNKNOWN = "unknown"
#: 9999-12-31T23:59:59Z: later timestamps are not dates (time.gmtime would fail)
MAX_TIMESTAMP = 253402300799
#: a sync up to a day "in the future" is clock skew, not a broken file
FUTURE_SLACK = 86400


class JobReport(NamedTuple):
    """One sync job as the user sees it: when it last succeeded, how old that is, warnings."""

    name: str
    status: str = UNKNOWN
    last_success: str | None = None
    last_success_ts: int | None = None
    age_hours: float | None = None
    last_run_failed: bool | None = None
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        data = self._asdict()
        data["warnings"] = list(self.warnings)
        return data


def _as_int(value: object) -> int | None:
    """A Unix timestamp from tunasync (integers; strings and floats tolerated), or None.

    None for anything else, and for values no clock can show (non-finite, negative, after
    the year 9999): a mirror's broken status file must never crash `conda tuna status`.
    """
    if isinstance(value, bool):
        return None
    number: int | None = None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and math.isfinite(value):
        number = int(value)
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not 0 <= number <= MAX_TIMESTAMP:
        return None
    return number


def _display(value: object, limit: int = 40) -> str | None:
    """A mirror-provided string safe to print: printable characters only, bounded length."""
    if not isinstance(value, str):
        return None
    text = "".join(c for c in value if c.isprintable())[:limit].strip()
    return text or None


def is_tunasync(data: object) -> bool:
    """True when `data` has tunasync's shape (a list of jobs, or a wrapper around one)."""
    return bool(parse_jobs(data)) or data == [] or (
        isinstance(data, Mapping) and isinstance(data.get("jobs"), list))


def parse_jobs(data: object) -> dict[str, Mapping[str, object]]:
    """The jobs in a tunasync.json document, by name (malformed entries are skipped).

    Besides the plain list, a ``{"jobs": [...]}`` or ``{name: job}`` wrapper is accepted so a
    mirror that nests the list is still read.
    """
    if isinstance(data, Mapping):
        inner = data.get("jobs")
        if isinstance(inner, list):
            data = inner
        else:
            data = [dict(v, name=k) for k, v in data.items() if isinstance(v, Mapping)]
    if not isinstance(data, list):
        return {}
    jobs: dict[str, Mapping[str, object]] = {}
    for entry in data:
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
            jobs.setdefault(entry["name"], entry)
    return jobs


def last_sync(data: object, name: str = "anaconda") -> float | None:
    """When job `name` last synced successfully (epoch seconds), None when unknown.

    The request router judges a mirror's staleness by this (``last_update_ts`` of the
    ``anaconda`` job); a mirror that publishes no such job counts as fresh.
    """
    job = parse_jobs(data).get(name)
    if job is None:
        return None
    updated = _as_int(job.get("last_update_ts"))
    return float(updated) if updated and updated > 0 else None


def job_report(job: Mapping[str, object] | None, name: str, *, now: float,
               max_age_hours: float) -> JobReport:
    """Judge one job: age of the last successful sync, failed last run, too old."""
    if job is None:
        return JobReport(name, warnings=(_("the mirror publishes no {name} sync job").format(
            name=repr(name)),))
    raw_status = str(job.get("status") or UNKNOWN).lower()[:20]
    status = raw_status if raw_status in STATUSES else UNKNOWN
    updated = _as_int(job.get("last_update_ts"))
    ended = _as_int(job.get("last_ended_ts"))
    if not updated or updated <= 0:
        return JobReport(name, status,
                         warnings=(_("the mirror reports no successful sync"),))
    age = max(0.0, (now - updated) / 3600.0)
    failed = status == "failed" or (ended is not None and ended != updated)
    warnings: list[str] = []
    if updated > now + FUTURE_SLACK:
        warnings.append(_("the mirror reports a sync time in the future; its clock or its "
                          "status file is wrong"))
    if failed:
        warnings.append(_("the last sync failed; the mirror may be stale"))
    if age > max_age_hours:
        warnings.append(_("last successful sync is {age:.0f} h old (more than {limit:g} h)"
                          ).format(age=age, limit=max_age_hours))
    if status == "paused":
        warnings.append(_("syncing is paused on the mirror"))
    elif status == "disabled":
        warnings.append(_("syncing is disabled on the mirror"))
    last = _display(job.get("last_update"))
    return JobReport(name, status, last or _format_ts(updated), updated,
                     round(age, 2), failed, tuple(warnings))


def _format_ts(ts: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S +0000", time.gmtime(ts))


def report(data: object, *, now: float | None = None, max_age_hours: float = 24.0,
           jobs: Iterable[str] = JOBS) -> dict[str, object]:
    """The `sync` section of `conda tuna status`: one entry per job, plus all warnings."""
    now = time.time() if now is None else now
    if not is_tunasync(data):
        return unknown(_("the mirror's sync status is not in tunasync's format (expected a "
                         "list of jobs)"), jobs=jobs)
    parsed = parse_jobs(data)
    reports = [job_report(parsed.get(name), name, now=now, max_age_hours=max_age_hours)
               for name in jobs]
    return {
        "available": bool(parsed),
        "jobs": {r.name: r.to_json() for r in reports},
        "warnings": [_("{job}: {warning}").format(job=r.name, warning=w)
                     for r in reports for w in r.warnings],
    }


def unknown(reason: str, url: str | None = None, jobs: Iterable[str] = JOBS, *,
            error: NetError | None = None) -> dict[str, object]:
    """The `sync` section when the status could not be read (offline, network error, none).

    A network failure also goes in as `error` (``base/neterrors.py``): `--json` gets its
    machine kind under ``network_error``, the printed line its words and next step.
    """
    return {
        "available": False,
        "url": url,
        "error": reason,
        "network_error": error.to_json() if error is not None else None,
        "jobs": {name: JobReport(name).to_json() for name in jobs},
        "warnings": [],
    }


def format_age(hours: float | None) -> str:
    """'35 min', '5.2 h', '3.1 d' — short enough for one status line."""
    if hours is None:
        return UNKNOWN
    if hours < 1:
        return _("{minutes:.0f} min").format(minutes=hours * 60)
    if hours < 48:
        return _("{hours:.1f} h").format(hours=hours)
    return _("{days:.1f} d").format(days=hours / 24)


def print_section(section: Mapping[str, object] | None) -> None:
    """The human-readable freshness lines of `conda tuna status`."""
    if not section:
        return
    if not section.get("available"):
        failure = from_json(section.get("network_error"))
        if failure is not None:
            print(_("Mirror freshness: unknown, the sync status could not be fetched: "
                    "{why}.").format(why=failure.summary()))
            print(_("  Next step: {step}").format(step=failure.next_step()))
            return
        print(_("Mirror freshness: unknown ({error})").format(
            error=section.get("error") or _("no sync status")))
        return
    print(_("Mirror freshness ({url}):").format(url=section.get("url")))
    jobs = section.get("jobs") or {}
    for name, job in jobs.items():  # type: ignore[union-attr]
        if job.get("last_success_ts") is None:
            print(f"  {name:<9} {job.get('status', UNKNOWN)}")
            continue
        print(_("  {name:<9} last sync {time} ({age} ago), status {status}").format(
            name=name, time=job["last_success"], age=format_age(job["age_hours"]),
            status=job["status"]))
    for warning in section.get("warnings") or ():  # type: ignore[union-attr]
        print(_("  warning: {warning}").format(warning=warning))
