"""conda's side of the mirrors: the configured mirror and chain, settings, proxies and TLS.

Thin adapter over the pure ``mirrors/health.py`` and ``mirrors/sync.py``, shared by
``conda tuna mirrors``, ``conda tuna status``, ``enable --mirror auto`` and the request
router (``routing/handler.py``), so all of them probe the same way and honour the same
settings.
"""

from __future__ import annotations

import re
import sys

from conda.base.context import context

from ..base.errors import TunaError
from ..base.settings import (
    PROBE_TIMEOUT,
    SYNC_MAX_AGE_HOURS,
    NumberSetting,
    invalid,
    parse_number,
)
from ..i18n import _
from . import health as mirror_health
from . import sync as sync_status
from .catalog import Mirror, Upstream, mirror_for_root
from .health import AutoChoice, ProbeConfig

#: The liveness check of a site (inside create/install/...) may hold conda this long at most.
LIVENESS_SECONDS = 1.5


def probe_config() -> ProbeConfig:
    """conda's User-Agent, proxy_servers, ssl_verify and client certificate, for conda-tuna's
    own requests (urllib: no ~/.netrc, no tokens; see ``mirrors/health.py``)."""
    proxies = dict(context.proxy_servers or {})
    verify = context.ssl_verify
    return ProbeConfig(
        user_agent=f"{context.user_agent} conda-tuna-probe",
        proxies={k: v for k, v in proxies.items() if "://" not in k} or None,
        verify=verify if isinstance(verify, (bool, str)) else True,
        cert=context.client_ssl_cert or None,
        cert_key=context.client_ssl_cert_key or None,
    )


def _plugin_setting(name: str, default: object = None) -> object:
    """A conda-tuna setting, or `default` when conda has not loaded plugin settings (conda
    used as a library; conda 24's reset_context keeps a stale ``context.plugins``): the
    request router runs inside whatever calls conda's session code."""
    return getattr(context.plugins, name, default)


_WARNED: set[str] = set()


def _number(setting: NumberSetting) -> float:
    """A numeric plugins.* setting through base/settings.py: clamped with a one-time
    warning when out of range; a CondaTunaError naming the setting when not a number
    (also when conda itself refuses the value as it reads it)."""
    from conda.exceptions import CondaError

    from ..base.exceptions import CondaTunaError

    try:
        raw = _plugin_setting(setting.name)
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


def liveness_budget() -> float:
    """One liveness check is bounded by 1.5 s, or the probe timeout if smaller."""
    return min(LIVENESS_SECONDS, probe_timeout())


def max_age_hours() -> float:
    return _number(SYNC_MAX_AGE_HOURS)


def failover_enabled() -> bool:
    value = _plugin_setting("tuna_failover", True)
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "no", "0", "off", "")
    return bool(value)


def fallback_setting() -> list[str]:
    return [str(v) for v in (_plugin_setting("tuna_fallback_mirrors") or ())]


def known_mirrors() -> dict[str, Mirror]:
    """The catalog, or the set from $CONDA_TUNA_MIRRORS_OVERRIDE; errors become CondaErrors."""
    try:
        return mirror_health.known_mirrors()
    except TunaError as exc:
        from ..base.exceptions import CondaTunaError

        raise CondaTunaError(str(exc)) from exc


def known_upstreams() -> tuple[Upstream, ...]:
    """The upstream roots conda-tuna routes (the catalog's, or the tests' loopback stand-ins
    from $CONDA_TUNA_UPSTREAMS_OVERRIDE); errors become CondaErrors."""
    try:
        return mirror_health.known_upstreams()
    except TunaError as exc:
        from ..base.exceptions import CondaTunaError

        raise CondaTunaError(str(exc)) from exc


def mirror_setting() -> tuple[Mirror | None, str | None]:
    """The mirror ``plugins.tuna_mirror_url`` names, or None and why routing is off.

    Routing is all or nothing: a blank or invalid URL (credentials, a token path, not a URL)
    switches it off entirely, so nothing is half routed.
    """
    url = str(getattr(context.plugins, "tuna_mirror_url", "") or "").strip()
    if not url:
        return None, _("plugins.tuna_mirror_url is empty")
    try:
        return mirror_health.find_mirror(url, known_mirrors()), None
    except TunaError as exc:
        return None, _("plugins.tuna_mirror_url is not a usable mirror root: {why}").format(
            why=exc.message)


def routing_chain(active: Mirror) -> tuple[list[Mirror | None], list[str]]:
    """The chain requests go through: the active mirror, then (with failover on)
    ``plugins.tuna_fallback_mirrors`` (default: the sister site, then upstream; None marks
    upstream), and notes on entries that were skipped."""
    if not failover_enabled():
        return [active], []
    fallbacks, notes = mirror_health.fallback_chain(active, fallback_setting(), known_mirrors())
    return [active, *fallbacks], notes


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
        return sync_status.unknown(_("conda-tuna is not enabled"))
    url = mirror.status_url
    if not url:
        return sync_status.unknown(_("{name} publishes no sync status").format(name=mirror.name))
    if offline or context.offline:
        return sync_status.unknown(_("not checked (--offline)"), url)
    try:
        data = mirror_health.fetch_json(url, probe_timeout(), probe_config())
    except mirror_health.FetchError as exc:  # the network: its kind, in words, with a next step
        return sync_status.unknown(exc.error.detail, url, error=exc.error)
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
    url = str(getattr(context.plugins, "tuna_mirror_url", "") or "").strip()
    if not url:
        return None
    try:
        return mirror_for_root(url)
    except TunaError:  # a root with credentials is refused: nothing is sent to it
        return None
