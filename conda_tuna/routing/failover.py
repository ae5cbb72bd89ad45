"""Failover: when the active mirror is down, this conda command goes on through a healthy one.

How it works (pre-command hook of create/install/update/env/search/remove):

1. **Cached health check.** One small request (``HEAD`` of the first mirrored channel's
   repodata for this subdir) to the active mirror, bounded by about a second
   (``mirrors/adapter.py``: ``RUNTIME_CHECK_SECONDS``) and cached for
   ``plugins.tuna_health_cache_seconds`` in the user's cache directory: a healthy mirror
   costs at most one request per period, a hanging one about a second once per period.
2. **Pick the fallback.** ``plugins.tuna_fallback_mirrors`` (names, root URLs or
   ``upstream``; default: the sister site TUNA <-> BFSU, then upstream) is walked in order;
   candidate mirrors are probed together (cached too) and the first healthy one wins.
   ``upstream`` is taken without a probe: it is conda's own default.
3. **Re-point conda for this process only.** conda-tuna's drop-in is re-rendered for the
   fallback (``routing/routes.py``: ``conda_settings``; for upstream: no mirror settings at all) and
   put in place of the file's data inside conda's in-memory configuration
   (``context.raw_data[<drop-in path>]``), then conda's caches are reset the way
   ``conda.base.context.reset_context`` does. No file is written. One line on stderr
   announces the switch and the command that makes it permanent.

Step 3 relies on conda internals (``Configuration.raw_data``, ``_reset_cache``,
``YamlRawParameter.make_raw_parameters``, ``PluginConfig.remove_all_plugin_settings``,
``Channel._reset_state``); ``tests/integration/test_mirror_health.py`` checks each of them
and fails loudly when conda changes them.

A failure that happens later in the command (the check passed, then the mirror broke) is
covered by :func:`error_hints`: it names the failed mirror and the one command that switches;
and :func:`record_failure` (a conda exception observer) writes the failure into the health
cache, so the next command fails over at once instead of trusting the cached "healthy".

Why failover is on by default: the failure it handles is the most common one users of the
mirrors report ("HTTP 000 CONNECTION FAILED"), the fallback carries the same packages (the
sister runs the same sync script; upstream is the origin), the switch is announced and
lasts one command, and the cost when the mirror is healthy is one cached HEAD request.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from conda.base.context import context

from ..base.yaml import yaml_loads
from ..config.dropin import FILE_NAME, parse_meta, render
from ..mirrors import adapter as mirror_adapter
from ..mirrors import health as mirror_health
from ..mirrors.catalog import Mirror
from ..mirrors.health import HealthCache, ProbeResult, label, switch_command
from .routes import MIRROR, ROUTING_KEYS, conda_settings, route

#: What this process switched from and to (read by the error hint); empty when no switch.
SWITCHED: dict[str, object] = {}


def health_cache() -> HealthCache:
    return HealthCache(mirror_health.cache_dir() / "health.json")


def check_path(mirror: Mirror) -> str:
    """The path below the mirror root that the health check asks for.

    The repodata of the first configured channel that goes to the mirror, for this
    machine's subdir: the request conda itself is about to make. None of them: pkgs/main.
    """
    windows = context.subdir.startswith("win-")
    for channel in context.channels:
        for r in route(channel, mirror, windows=windows):
            if r.via == MIRROR and r.url.startswith(mirror.root):
                return f"{r.url[len(mirror.root):]}/{context.subdir}/repodata.json"
    return f"/anaconda/pkgs/main/{context.subdir}/repodata.json"


def uses_mirror(mirror: Mirror) -> bool:
    """True when at least one channel of this command goes to the mirror."""
    windows = context.subdir.startswith("win-")
    return any(r.via == MIRROR for c in context.channels
               for r in route(c, mirror, windows=windows))


def pre_command(command: str) -> None:
    """Check the active mirror (cached) and fail over for this process when it is down.

    A bug here must never stop the user's command: anything but a user error (a CondaError,
    e.g. a broken $CONDA_TUNA_MIRRORS_OVERRIDE) becomes a one-line warning.
    """
    from conda.exceptions import CondaError

    try:
        _pre_command(command)
    except CondaError:
        raise
    except Exception as exc:  # the health check is best effort
        print(f"conda-tuna: mirror health check skipped ({type(exc).__name__}: {exc})",
              file=sys.stderr)


def _pre_command(command: str) -> None:
    if context.offline or not mirror_adapter.failover_enabled():
        return
    mirrors = mirror_adapter.known_mirrors()
    active = mirror_adapter.active_mirror(mirrors)
    if active is None or not uses_mirror(active):
        return
    path = check_path(active)
    cache = health_cache()
    config = mirror_adapter.probe_config()
    timeout = mirror_adapter.runtime_timeout()
    max_age = mirror_adapter.cache_seconds()
    result, _ = mirror_health.cached_probe(cache, active.name, active.root + path,
                                           max_age=max_age, timeout=timeout, config=config)
    if result.healthy:
        return
    chain, notes = mirror_health.fallback_chain(active, mirror_adapter.fallback_setting(), mirrors)
    target, found = choose_fallback(chain, path, cache, max_age=max_age, timeout=timeout,
                                    config=config)
    if not found:
        print(f"conda-tuna: mirror {label(active)} failed its health check "
              f"({result.describe()}) and no fallback is healthy; trying it anyway.",
              file=sys.stderr)
        return
    if not repoint(active, target):
        return
    SWITCHED.update({"from": active, "to": target, "why": result.describe()})
    extra = f" ({'; '.join(notes)})" if notes else ""
    print(f"conda-tuna: mirror {label(active)} is failing ({result.describe()}); this command "
          f"uses {label(target)} instead. Make it permanent: {switch_command(target)}{extra}",
          file=sys.stderr)


def choose_fallback(chain: list[Mirror | None], path: str, cache: HealthCache, *,
                    max_age: float, timeout: float,
                    config) -> tuple[Mirror | None, bool]:
    """The first healthy entry of `chain` (None = upstream) and whether one was found.

    Candidate mirrors without a fresh cached result are probed together in one bounded round.
    """
    known: dict[str, ProbeResult] = {}
    to_probe: dict[str, str] = {}
    for mirror in chain:
        if mirror is None:
            continue
        url = mirror.root + path
        hit = cache.get(url, max_age)
        if hit is not None:
            known[mirror.root] = hit
        else:
            to_probe[mirror.root] = url
    if to_probe:
        for root, res in mirror_health.probe_all(to_probe, timeout, config).items():
            known[root] = res
            cache.put(res)
    for mirror in chain:
        if mirror is None or known[mirror.root].healthy:
            return mirror, True
    return None, False


def _drop_in_sources() -> list[object]:
    """The keys of conda's raw configuration that are conda-tuna drop-ins."""
    found = []
    for source in list(context.raw_data):
        text = str(source)
        if not text.endswith(FILE_NAME):
            continue
        try:
            if parse_meta(Path(text).read_text(encoding="utf-8")) is not None:
                found.append(source)
        except OSError:
            continue
    return found


def fallback_data(original: dict[str, object], target: Mirror | None) -> dict[str, object]:
    """The drop-in's settings re-pointed at `target` (None: upstream, no mirror settings)."""
    data = {k: v for k, v in original.items() if k not in ROUTING_KEYS}
    plugins = dict(data.get("plugins") or {})
    if target is None:
        plugins.update({"tuna_mirror": "", "tuna_mirror_url": ""})
    else:
        windows = context.subdir.startswith("win-")
        data.update(conda_settings(target, windows=windows))
        plugins.update({"tuna_mirror": target.name, "tuna_mirror_url": target.root})
    data["plugins"] = plugins
    return data


def remove_all_plugin_settings() -> None:
    """Drop conda's plugin-setting loaders so `context.plugins` is rebuilt from raw_data.

    conda 25.x+ keeps this on ``conda.plugins.config.PluginConfig``; 24.x has a function
    in ``conda.base.context``. reset_context() calls it first in both.
    """
    try:
        from conda.plugins.config import PluginConfig
    except ImportError:  # conda 24.x
        from conda.base.context import remove_all_plugin_settings as remove

        remove()
    else:
        PluginConfig.remove_all_plugin_settings()


def repoint(active: Mirror, target: Mirror | None) -> bool:
    """Replace conda-tuna's drop-in data in conda's in-memory config; no file is written."""
    from conda.common.configuration import YamlRawParameter
    from conda.models.channel import Channel

    sources = _drop_in_sources()
    if not sources:
        return False
    for source in sources:
        loaded = yaml_loads(Path(str(source)).read_text(encoding="utf-8")) or {}
        plain = json.loads(json.dumps(loaded))  # CommentedMap -> plain dicts and lists
        text = render(fallback_data(plain, target), {"failover_from": active.root})
        context.raw_data[source] = YamlRawParameter.make_raw_parameters(
            source, yaml_loads(text))
    # what reset_context() does, without re-reading files from disk
    context._reset_cache()
    remove_all_plugin_settings()
    context.__dict__.pop("plugins", None)
    Channel._reset_state()
    return True


# --------------------------------------------------------------------------- error hint
def failed_url(error: Exception) -> str | None:
    """The URL a network-ish CondaError is about, or None for other errors."""
    from conda.exceptions import CondaHTTPError, CondaSSLError, UnavailableInvalidChannel

    if not isinstance(error, (CondaHTTPError, UnavailableInvalidChannel, CondaSSLError)):
        return None
    kwargs = getattr(error, "_kwargs", None) or {}
    url = kwargs.get("url") or kwargs.get("channel_url")
    if url:
        return str(url)
    return "" if isinstance(error, CondaSSLError) else None


def error_hints(error: Exception):
    """A hint for HTTP/connection errors on the mirror: which mirror, and the one command."""
    url = failed_url(error)
    if url is None:
        return
    mirrors = mirror_adapter.known_mirrors()
    current = mirror_adapter.active_mirror(mirrors)
    if current is None or (url and current.host not in url.lower()):
        return
    from conda.plugins.types import CondaErrorHint

    kwargs = getattr(error, "_kwargs", None) or {}
    status = kwargs.get("status_code") or "000"
    chain, _ = mirror_health.fallback_chain(current, mirror_adapter.fallback_setting(), mirrors)
    cache = health_cache()
    max_age = mirror_adapter.cache_seconds()
    path = check_path(current)
    target = next((m for m in chain if m is None or (
        (hit := cache.get(m.root + path, max_age)) is None or hit.healthy)), None)
    where = "the mirror conda-tuna failed over to" if SWITCHED else "the mirror"
    text = (f"{where} {label(current)} failed (HTTP {status}). Switch to a healthy mirror with: "
            f"{switch_command(target)}  (compare them with `conda tuna mirrors --probe`)")
    if not mirror_adapter.failover_enabled():
        text += "; plugins.tuna_failover is off, so conda-tuna did not switch by itself"
    yield CondaErrorHint(text=text[0].upper() + text[1:], hint_code="tuna_mirror_failed")


def record_failure(error: BaseException) -> None:
    """Remember in the health cache that the mirror failed during this command.

    The cached health check may have said "healthy" minutes ago; without this, every
    command would hit the broken mirror until the cache expires. With it, the next command
    fails over (or, with failover off, at least the hint stays accurate). No network here.
    """
    if not isinstance(error, Exception):
        return
    url = failed_url(error)
    if not url:
        return
    mirrors = mirror_adapter.known_mirrors()
    current = mirror_adapter.active_mirror(mirrors)
    if current is None or current.host not in url.lower():
        return
    kwargs = getattr(error, "_kwargs", None) or {}
    status = kwargs.get("status_code")
    code = int(status) if str(status or "").isdigit() and int(status) else None
    if code is not None and code < 500 and code != 404:
        return  # 401/403: the user's credentials or a policy, not a broken mirror
    probe_url = current.root + check_path(current)
    health_cache().put(ProbeResult(current.name, probe_url, mirror_health.ERROR if code
                                   else mirror_health.DOWN, code, None,
                                   "failed during an earlier conda command"))
