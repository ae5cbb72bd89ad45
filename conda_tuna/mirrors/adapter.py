"""conda's side of mirror health: settings, proxies and TLS from conda's context.

Thin adapter over the pure ``mirrors/health.py`` and ``mirrors/sync.py``, shared by
``conda tuna mirrors``, ``conda tuna status``, ``enable --mirror auto`` and the failover
pre-command hook, so all of them probe the same way and honour the same settings.
"""

from __future__ import annotations

import re
import sys

from conda.base.context import context

from ..base.errors import TunaError
from ..base.settings import (
    HEALTH_CACHE_SECONDS,
    PROBE_TIMEOUT,
    SYNC_MAX_AGE_HOURS,
    NumberSetting,
    invalid,
    parse_number,
)
from . import health as mirror_health
from . import sync as sync_status
from .catalog import Mirror, mirror_for_root
from .health import AutoChoice, ProbeConfig

#: The runtime health check (inside create/install/...) may hold conda this long at most.
RUNTIME_CHECK_SECONDS = 1.0


def probe_config() -> ProbeConfig:
    """conda's User-Agent, proxy_servers and ssl_verify, for urllib probes."""
    proxies = dict(context.proxy_servers or {})
    verify = context.ssl_verify
    return ProbeConfig(
        user_agent=f"{context.user_agent} conda-tuna-probe",
        proxies={k: v for k, v in proxies.items() if "://" not in k} or None,
        verify=verify if isinstance(verify, (bool, str)) else True,
    )


_WARNED: set[str] = set()


def _number(setting: NumberSetting) -> float:
    """A numeric plugins.* setting through base/settings.py: clamped with a one-time
    warning when out of range; a CondaTunaError naming the setting when not a number
    (also when conda itself refuses the value as it reads it)."""
    from conda.exceptions import CondaError

    from ..base.exceptions import CondaTunaError

    try:
        raw = getattr(context.plugins, setting.name, None)
        value, warning = parse_number(setting, raw)
    except TunaError as exc:
        raise CondaTunaError(str(exc)) from exc
    except CondaError as exc:  # conda's own validation (e.g. "abc" for a float setting)
        found = re.search(r"= (.*?) declared in", str(exc))
        value = found.group(1).strip("'\"") if found else "?"
        raise CondaTunaError(str(invalid(setting, value))) from exc
    if warning and setting.name not in _WARNED:
        _WARNED.add(setting.name)
        print(warning, file=sys.stderr)
    return value


def probe_timeout() -> float:
    return _number(PROBE_TIMEOUT)


def runtime_timeout() -> float:
    """The runtime check is bounded by about a second, or the probe timeout if smaller."""
    return min(RUNTIME_CHECK_SECONDS, probe_timeout())


def cache_seconds() -> float:
    return _number(HEALTH_CACHE_SECONDS)


def max_age_hours() -> float:
    return _number(SYNC_MAX_AGE_HOURS)


def failover_enabled() -> bool:
    value = context.plugins.tuna_failover
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "no", "0", "off", "")
    return bool(value)


def fallback_setting() -> list[str]:
    return [str(v) for v in (context.plugins.tuna_fallback_mirrors or ())]


def known_mirrors() -> dict[str, Mirror]:
    """The catalog, or the set from $CONDA_TUNA_MIRRORS_OVERRIDE; errors become CondaErrors."""
    try:
        return mirror_health.known_mirrors()
    except TunaError as exc:
        from ..base.exceptions import CondaTunaError

        raise CondaTunaError(str(exc)) from exc


def active_mirror(mirrors: dict[str, Mirror] | None = None) -> Mirror | None:
    """The mirror conda uses now (``plugins.tuna_mirror_url``), named from the known set."""
    url = getattr(context.plugins, "tuna_mirror_url", "") or ""
    if not url:
        return None
    try:
        return mirror_health.find_mirror(url, mirrors if mirrors is not None
                                         else known_mirrors())
    except TunaError:
        return None


def auto_choice() -> AutoChoice:
    """Probe every known mirror carrying this machine's subdir; the fastest healthy wins."""
    return mirror_health.pick_fastest(known_mirrors(), context.subdir, probe_timeout(),
                                      probe_config())


def sync_section(mirror: Mirror | None, *, offline: bool) -> dict[str, object]:
    """The `sync` key of `conda tuna status`: the mirror's tunasync jobs, or why unknown."""
    if mirror is None:
        return sync_status.unknown("conda-tuna is not enabled")
    url = mirror.status_url
    if not url:
        return sync_status.unknown(f"{mirror.name} publishes no sync status")
    if offline or context.offline:
        return sync_status.unknown("not checked (--offline)", url)
    try:
        data = mirror_health.fetch_json(url, probe_timeout(), probe_config())
    except TunaError as exc:
        return sync_status.unknown(exc.message, url)
    section = sync_status.report(data, max_age_hours=max_age_hours())
    section["url"] = url
    section["max_age_hours"] = max_age_hours()
    return section


def choose_auto_mirror() -> tuple[Mirror, str]:
    """`conda tuna enable --mirror auto`: the fastest healthy mirror for this machine, and why.

    Reads conda's settings (subdir, probe timeout, proxies) through this adapter, so the
    probing in ``mirrors/health.py`` stays free of conda.
    """
    choice = auto_choice()
    return choice.mirror, choice.reason


def configured_mirror() -> Mirror | None:
    """The mirror conda is configured to use through conda-tuna, if any.

    Unlike :func:`active_mirror` this does not consult the known set (catalog or
    $CONDA_TUNA_MIRRORS_OVERRIDE): the catalog entry for the configured root, else a custom
    mirror for it.
    """
    url = getattr(context.plugins, "tuna_mirror_url", "") or ""
    return mirror_for_root(url) if url else None
