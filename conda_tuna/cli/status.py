"""`conda tuna status`: is the mirror on, where does each channel really go, and why."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from conda.base.context import context

from ..base.context import (
    config_sources,
    configured_channels,
    custom_multichannels_win,
    windows,
)
from ..config.adapter import existing_drop_ins, finish_interrupted
from ..mirrors.adapter import configured_mirror
from ..mirrors.catalog import Mirror
from ..routing.routes import MIRROR, UPSTREAM, Route, has_credentials, redact, route
from .output import emit_json

if TYPE_CHECKING:
    from argparse import Namespace

# settings whose later definition takes a channel away from the mirror
_MAP_KEYS = ("custom_channels", "custom_multichannels", "migrated_custom_channels")


def shadows(own_file: str | None, own_settings: dict[str, object]) -> list[dict[str, str]]:
    """Settings in sources read after conda-tuna's file that override what it set."""
    found: list[dict[str, str]] = []
    sources = list(config_sources().items())
    names = [s for s, _ in sources]
    start = names.index(own_file) + 1 if own_file in names else 0
    for source, values in sources[start:]:
        for key in _MAP_KEYS:
            ours = own_settings.get(key) or {}
            for name, value in dict(values.get(key) or {}).items():
                if name in ours and ours[name] != value:
                    found.append({"source": source, "key": f"{key}.{name}",
                                  "value": redact(str(value))})
        if values.get("default_channels") and not custom_multichannels_win():
            found.append({"source": source, "key": "default_channels",
                          "value": ", ".join(redact(str(v)) for v in values["default_channels"])})
        if values.get("channel_alias"):
            found.append({"source": source, "key": "channel_alias",
                          "value": redact(str(values["channel_alias"]))})
        plugin_values = dict(values.get("plugins") or {})
        if "tuna_mirror_url" in plugin_values:
            found.append({"source": source, "key": "plugins.tuna_mirror_url",
                          "value": redact(str(plugin_values["tuna_mirror_url"]))})
    return found


def _resolved_urls(channel: str) -> list[str]:
    """The base URL(s) conda really uses for `channel`, with the credential guard active."""
    from conda.models.channel import Channel

    # urls() exists on Channel and MultiChannel in every conda 24-26; .channels does not
    subdir = context.subdir
    urls = Channel(channel).urls(True, (subdir,))
    return list(dict.fromkeys(u[: -len(subdir) - 1] for u in urls if u.endswith("/" + subdir)))


def channel_rows(mirror: Mirror | None, shadowed: list[dict[str, str]]) -> list[Route]:
    """One row per channel: conda's real URL, mirror or upstream, and the reason."""
    names = list(dict.fromkeys([*configured_channels(), "defaults", "conda-forge"]))
    rows: list[Route] = []
    for name in names:
        expected = route(name, mirror, windows=windows()) if mirror else []
        for i, url in enumerate(_resolved_urls(name)):
            host = urlsplit(url).netloc.rpartition("@")[2].lower()
            via = MIRROR if mirror and host == mirror.host else UPSTREAM
            shown = redact(name)
            if not mirror:
                reason = "conda-tuna is not enabled"
            elif has_credentials(name):
                reason = "carries credentials: kept upstream, never sent to a mirror"
            elif i < len(expected) and expected[i].via == via:
                reason = expected[i].reason
            else:
                culprit = next((s for s in shadowed if name.split("/")[0] in s["key"]
                                or (name == "defaults" and "defaults" in s["key"])), None)
                reason = (f"shadowed by {culprit['key']} in {culprit['source']}" if culprit
                          else "conda's configuration sends it elsewhere")
            rows.append(Route(shown, redact(url), via, reason))
    return rows


def collect(args: Namespace) -> dict[str, object]:
    """The whole status as one JSON-ready dict."""
    from ..routing.credentials import install

    recovered = finish_interrupted()  # base/journal.py: a killed enable/disable is finished
    if recovered:
        from conda.base.context import reset_context

        reset_context(argparse_args=context._argparse_args)  # files changed: read them again
        context.__dict__.pop("plugins", None)  # conda 24-25 keep the settings read before
    drop_ins = existing_drop_ins()
    mirror = configured_mirror()
    if mirror is not None:
        install()
    own = next((d for _, d in reversed(drop_ins) if d.meta.get("url") == (mirror and mirror.root)),
               drop_ins[-1][1] if drop_ins else None)
    scope = next((s for s, d in drop_ins if d is own), None)
    own_settings = _own_settings(own.path) if own else {}
    shadowed = shadows(str(own.path) if own else None, own_settings)
    status: dict[str, object] = {
        "enabled": bool(mirror and own),
        "scope": scope,
        "file": str(own.path) if own else None,
        "files": [{"scope": s, "file": str(d.path), "mirror": d.meta.get("mirror")}
                  for s, d in drop_ins],
        "mirror": {"name": mirror.name, "url": mirror.root} if mirror else None,
        "channels": [r.to_json() for r in channel_rows(mirror, shadowed)],
        "shadowed_by": shadowed,
        "subdir": context.subdir,
        "recovered": recovered,
    }
    from ..mirrors.adapter import sync_section  # issue 5: the mirror's freshness

    status["sync"] = sync_section(mirror, offline=getattr(args, "offline", False))
    return status


def _own_settings(path) -> dict[str, object]:
    return dict(config_sources().get(str(path), {}))


def _print(status: dict[str, object]) -> None:
    for note in status.get("recovered") or ():  # type: ignore[union-attr]
        print(note)
    if status["enabled"]:
        mirror = status["mirror"]
        print(f"conda-tuna: enabled at {status['scope']} scope")
        print(f"  file:   {status['file']}")
        print(f"  mirror: {mirror['name']}  {mirror['url']}")
    elif status["files"]:
        print("conda-tuna: a config file exists but conda does not read it as enabled:")
        for item in status["files"]:
            print(f"  {item['file']} ({item['scope']} scope)")
    else:
        print("conda-tuna: not enabled (run `conda tuna enable`)")
    print(f"  platform: {status['subdir']}")
    rows = status["channels"]
    if rows:
        print("Channels (the URL conda will really use):")
        width = max(len(r["channel"]) for r in rows)
        for r in rows:
            print(f"  {r['channel']:<{width}}  {r['via']:<8}  {r['url']}  ({r['reason']})")
    if status["shadowed_by"]:
        print("Settings read after conda-tuna's file that change where channels go:")
        for s in status["shadowed_by"]:
            print(f"  {s['key']} = {s['value']}  (set in {s['source']})")
    from ..mirrors.sync import print_section  # issue 5: the mirror's freshness

    print_section(status.get("sync"))


def execute(args: Namespace) -> int:
    status = collect(args)
    if context.json:
        emit_json(status)
    else:
        _print(status)
    return 0
