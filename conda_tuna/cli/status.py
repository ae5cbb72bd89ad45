"""`conda tuna status`: is routing on, where do each channel's requests go now, and why.

conda names every channel by its own (upstream) URL, in its output and its records; the
mirror is chosen per request. So this is where the mirror becomes visible: per channel, the
URL its requests go to now (`url`), through which site (`via`, `mirror`), and why -- including
a site remembered as failed a moment ago, a stale mirror, and a user's own
``channel_settings`` entry that takes the URLs away from conda-tuna.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from conda.base.context import context

from ..base.context import canonical_name, channel_base_urls, config_sources, configured_channels
from ..base.urls import redact
from ..config.adapter import channel_settings_conflicts, existing_drop_ins, finish_interrupted
from ..i18n import _
from ..mirrors import adapter as mirror_adapter
from ..mirrors.catalog import Mirror
from ..mirrors.health import cache_dir
from ..routing.chain import STALE, SYNC_FACT_SECONDS, Failure, FailureMemory, SyncFacts, is_stale
from ..routing.routes import UPSTREAM, Route, explain
from ..routing.urls import (
    AUTH_NAME,
    Candidate,
    Skip,
    effective_entry,
    handler_of,
    understand,
)
from .output import channel_lines, emit_json, scope_name, scope_words

if TYPE_CHECKING:
    from argparse import Namespace

#: settings in the user's files that send a channel name somewhere else than upstream
_MAP_KEYS = ("custom_channels", "custom_multichannels", "migrated_custom_channels")


def _off_upstream(value: object, upstreams) -> bool:
    """True when a channel setting's value (a URL or a list of them) points somewhere that is
    not an upstream root conda-tuna routes."""
    values = value if isinstance(value, (list, tuple)) else [value]
    found = [understand(f"{str(v).rstrip('/')}/x/noarch/repodata.json", upstreams)
             for v in values]
    return any(isinstance(u, Skip) and not u.upstream_url for u in found)


def _shown(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(redact(str(v)) for v in value)
    return redact(str(value))


def shadows(own_file: str | None, upstreams) -> list[dict[str, str]]:
    """Settings in other config sources that change where conda-tuna's requests go: channel
    maps and aliases that move names off the upstream hosts, another plugins.tuna_mirror_url."""
    found: list[dict[str, str]] = []
    for source, values in config_sources().items():
        if source == own_file:
            continue
        for key in _MAP_KEYS:
            for name, value in dict(values.get(key) or {}).items():
                if _off_upstream(value, upstreams):
                    found.append({"source": source, "key": f"{key}.{name}",
                                  "value": _shown(value)})
        for key in ("default_channels", "channel_alias"):
            value = values.get(key)
            if value and _off_upstream(value, upstreams):
                found.append({"source": source, "key": key, "value": _shown(value)})
        plugin_values = dict(values.get("plugins") or {})
        if "tuna_mirror_url" in plugin_values:
            found.append({"source": source, "key": "plugins.tuna_mirror_url",
                          "value": redact(str(plugin_values["tuna_mirror_url"]))})
    return found


def _owner(url: str) -> tuple[str | None, str | None]:
    """The auth handler conda selects for `url` and the config file of that entry."""
    entry = effective_entry([dict(e) for e in context.channel_settings], url,
                            canonical_name(url))
    name = handler_of(entry)
    if entry is None or name == AUTH_NAME:
        return name, None
    for source, values in config_sources().items():
        if any(dict(e) == dict(entry) for e in values.get("channel_settings") or ()):
            return name, source
    return name, None


def _culprit(channel: str, shadowed: list[dict[str, str]]) -> dict[str, str] | None:
    """The setting that moved `channel` off the upstream hosts, if the user made one."""
    head = channel.split("/")[0]
    for s in shadowed:
        key = s["key"]
        if key.endswith(f".{channel}") or key.endswith(f".{head}"):
            return s
    for s in shadowed:
        if (channel == "defaults" and s["key"] == "default_channels") or (
                channel != "defaults" and "://" not in channel and s["key"] == "channel_alias"):
            return s
    return None


def _unusable(memory: FailureMemory, facts: SyncFacts, max_age: float, now: float,
              fresh_later: set[str]):
    """What the handler would pass over now (no network): sites remembered as failed in the
    last 30 s, stale mirrors while a fresh one follows."""
    def check(cand: Candidate) -> Failure | None:
        failure = memory.down(cand.key)
        if failure is not None:
            return failure
        if cand.mirror is not None:
            known, synced = facts.get(cand.mirror.root)
            if known and is_stale(synced, max_age, now) and fresh_later:
                return Failure(_("stale (last sync older than {hours:g} h)").format(
                    hours=max_age), STALE)
        return None
    return check


def channel_rows(mirror: Mirror | None, chain: list[Mirror | None], upstreams,
                 shadowed: list[dict[str, str]]) -> list[Route]:
    """One row per channel URL: where its requests go now, and why."""
    import time

    names = list(dict.fromkeys([*configured_channels(), "defaults", "conda-forge"]))
    cache = cache_dir()
    memory = FailureMemory(cache / "failures.json")
    facts = SyncFacts(cache / "sync.json", SYNC_FACT_SECONDS)
    max_age = mirror_adapter.max_age_hours()
    now = time.time()
    fresh = {m.root for m in chain if m is not None and not is_stale(
        facts.get(m.root)[1], max_age, now)}
    unusable = _unusable(memory, facts, max_age, now, fresh)
    rows: list[Route] = []
    subdir = context.subdir
    for name in names:
        for base in channel_base_urls(name, subdir):
            url = f"{base}/{subdir}/repodata.json"
            handler, source = _owner(url)
            row = explain(name, base, subdir, chain if mirror else [], upstreams,
                          handler=handler, handler_source=source, unusable=unusable)
            understood = understand(url, upstreams)
            if mirror and row.via == UPSTREAM and isinstance(understood, Skip) \
                    and not understood.upstream_url:
                culprit = _culprit(name, shadowed)
                if culprit is not None:
                    row = Route(row.channel, row.url, row.via, _(
                        "shadowed by {key} in {source}: conda resolves it to a URL "
                        "conda-tuna does not route").format(key=culprit["key"],
                                                           source=culprit["source"]),
                        row.channel_url)
            rows.append(row)
    return rows


def collect(args: Namespace) -> dict[str, object]:
    """The whole status as one JSON-ready dict."""
    recovered = finish_interrupted()  # base/journal.py: a killed enable/disable is finished
    if recovered:
        from conda.base.context import reset_context

        reset_context(argparse_args=context._argparse_args)  # files changed: read them again
        context.__dict__.pop("plugins", None)  # conda 24-25 keep the settings read before
    drop_ins = existing_drop_ins()
    upstreams = mirror_adapter.known_upstreams()
    mirror, off_reason = mirror_adapter.mirror_setting()
    chain, notes = mirror_adapter.routing_chain(mirror) if mirror else ([], [])
    own = next((d for _s, d in reversed(drop_ins)
                if d.meta.get("url") == (mirror and mirror.root)),
               drop_ins[-1][1] if drop_ins else None)
    scope = next((s for s, d in drop_ins if d is own), None)
    own_file = str(own.path) if own else None
    shadowed = shadows(own_file, upstreams)
    conflicts = channel_settings_conflicts(upstreams, configured_channels(), own.path) \
        if own else []
    enabled = bool(mirror and own)
    set_by_hand = bool(str(getattr(context.plugins, "tuna_mirror_url", "") or "").strip())
    if not drop_ins and not (mirror is None and set_by_hand):
        routing_note = _("conda-tuna is not enabled (run `conda tuna enable`)")
    elif mirror is None:  # a broken plugins.tuna_mirror_url: shown, never a traceback
        routing_note = _("routing is off: {why}").format(why=off_reason)
    else:
        routing_note = None
    status: dict[str, object] = {
        "enabled": enabled,
        "routing": {"on": enabled, "why_off": routing_note,
                    "chain": [m.name if m else "upstream" for m in chain],
                    "notes": notes},
        "scope": scope,
        "file": own_file,
        "files": [{"scope": s, "file": str(d.path), "mirror": d.meta.get("mirror")}
                  for s, d in drop_ins],
        "mirror": {"name": mirror.name, "url": mirror.root} if mirror else None,
        "channels": [r.to_json() for r in channel_rows(mirror if own else None, chain,
                                                        upstreams, shadowed)],
        "channel_settings_conflicts": conflicts,
        "shadowed_by": shadowed,
        "subdir": context.subdir,
        "recovered": recovered,
    }
    status["sync"] = mirror_adapter.sync_section(mirror if own else None,
                                                 offline=getattr(args, "offline", False))
    from ..pypi.adapter import pypi_status  # issue 12: uv and conda-pypi

    status.update(pypi_status(mirror if enabled else None))
    return status


def _print(status: dict[str, object]) -> None:
    """Summary first (is it on, which mirror, for whom, which file), then where each
    channel's requests go now, then what shadows conda-tuna, then the mirror's freshness."""
    for note in status.get("recovered") or ():  # type: ignore[union-attr]
        print(note)
    if status["enabled"]:
        mirror = status["mirror"]
        print(_("conda-tuna is enabled: conda's requests go through mirror {name}.").format(
            name=mirror["name"]))
        print(_("  Mirror:   {name}, {url}").format(name=mirror["name"], url=mirror["url"]))
        print(_("  Scope:    {scope}").format(scope=scope_words(
            str(status["scope"]), Path(str(status["file"])))))
        print(_("  File:     {path}").format(path=status["file"]))
        print(_("  Failover: {chain}").format(chain=" -> ".join(status["routing"]["chain"])))
    elif status["files"] or status["routing"]["why_off"] != _(
            "conda-tuna is not enabled (run `conda tuna enable`)"):  # e.g. a broken URL set by hand
        print(_("conda-tuna: {why}").format(why=status["routing"]["why_off"]))
        for item in status["files"]:
            print(_("  {file} ({scope} scope)").format(file=item["file"],
                                                       scope=scope_name(str(item["scope"]))))
    else:
        print(_("conda-tuna is not enabled: conda's requests go where conda sends them (run "
                "`conda tuna enable`)."))
    print(_("  Platform: {subdir}").format(subdir=status["subdir"]))
    rows = status["channels"]
    if rows:
        print(_("Where each channel's requests go now (conda keeps recording the channel's "
                "own URL):"))
        for line in channel_lines([Route(**r) for r in rows]):
            print(line)
    for c in status["channel_settings_conflicts"]:
        who = _("yours wins: conda-tuna does not route these URLs") if c["wins"] == "user" \
            else _("conda-tuna's wins for the URLs it routes")
        print(_("channel_settings: {channel} -> auth {auth} in {source} ({who})").format(
            channel=c["channel"], auth=c["auth"], source=c["source"], who=who))
    if status["shadowed_by"]:
        print(_("Settings in your configuration that change where channels go:"))
        for s in status["shadowed_by"]:
            print(_("  {key} = {value}  (set in {source})").format(
                key=s["key"], value=s["value"], source=s["source"]))
    from ..mirrors.sync import print_section  # issue 5: the mirror's freshness

    print_section(status.get("sync"))
    _print_uv(status.get("uv"))
    _print_conda_pypi(status.get("conda_pypi"))


def _print_uv(uv: object) -> None:
    """Where uv gets packages (outside a project) and, if conda-tuna set it, why not there."""
    if not isinstance(uv, dict):
        return
    source = str(uv["source"])
    if source == "default":
        print(_("uv uses {url}, its built-in default index.").format(url=uv["default_index"]))
    elif source.startswith("$"):
        print(_("uv uses {url} as its default index (set by {var}).").format(
            url=uv["default_index"], var=source))
    else:
        print(_("uv uses {url} as its default index (set in {file}).").format(
            url=uv["default_index"], file=source))
    if uv["set_by_conda_tuna"] and uv["notes"]:
        print(_("  conda-tuna's index-url in {file} is not what uv uses:").format(
            file=uv["file"]))
        for note in uv["notes"]:
            print(f"    - {note}")
    if not uv.get("installed"):
        print(_("  uv is not on PATH; this is what it will use once installed."))


def _print_conda_pypi(found: object) -> None:
    """What `conda pypi install` does about the index (it has no setting), and the command
    that makes it use the mirror."""
    if not isinstance(found, dict) or not found["installed"]:
        return
    print(_("conda-pypi {version}: `conda pypi install` always asks {index} unless you pass "
            "-i/--index-url; it reads no pip, uv or conda setting for its index, so conda-tuna "
            "cannot point it at the mirror.").format(version=found["version"],
                                                     index=found["default_index"]))
    if found["command"]:
        print(_("  To install through the mirror: {command}").format(command=found["command"]))


def execute(args: Namespace) -> int:
    status = collect(args)
    if context.json:
        emit_json(status)
    else:
        _print(status)
    return 0
