"""conda's side of conda-tuna's own config: where the files are, what `enable` writes, and the
migration of hand-written mirror settings.

The drop-in's format is in ``config/dropin.py`` and the legacy patterns in
``config/legacy.py`` (both pure); this module reads conda's context for them: the scope
directories, the configured channels, the user's config files. ``enable`` and the
``tuna-legacy-config`` doctor fixer both build their drop-in with :func:`build`.
"""

from __future__ import annotations

import datetime as _dt
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from conda.base.context import context

from .. import __version__
from ..base.context import (
    canonical_name,
    channel_base_urls,
    config_sources,
    configured_channels,
    env_prefix,
    home,
    read_order,
    stdin_is_interactive,
)
from ..base.errors import TunaError
from ..i18n import _
from ..mirrors.catalog import Mirror, resolve_mirror
from ..routing.routes import Route, explain
from ..routing.urls import (
    AUTH_NAME,
    channel_settings_entries,
    entry_matches,
    handler_of,
    redact,
)
from . import dropin
from .dropin import FILE_NAME, DropIn
from .legacy import Change, analyse, apply, backup_path

if TYPE_CHECKING:
    from argparse import Namespace


# --------------------------------------------------------------------------- drop-in files
def drop_in_path(scope: str) -> Path:
    """conda-tuna's file at `scope` (user, system or env)."""
    prefix = env_prefix() if scope == "env" else None
    directory = dropin.drop_in_dir(
        scope, home=home(), root_prefix=Path(context.root_prefix), env_prefix=prefix
    )
    return directory / FILE_NAME


def existing_drop_ins() -> list[tuple[str, DropIn]]:
    """Every conda-tuna file on this machine's search path, in conda's reading order."""
    found: list[tuple[str, DropIn]] = []
    seen: set[Path] = set()
    for scope in ("system", "user", "env"):
        try:
            path = drop_in_path(scope)
        except Exception:  # no environment for the env scope
            continue
        if path in seen:
            continue
        seen.add(path)
        drop_in = dropin.read(path)
        if drop_in is not None:
            found.append((scope, drop_in))
    return found


# --------------------------------------------------------------------------- enable plan
def _licence_note() -> str:
    return _(
        "Note: Anaconda's terms require a paid licence to use its repository (`defaults`: "
        "pkgs/main, pkgs/r), mirrors included, in organisations of more than 200 people. "
        "conda-forge is free for everyone: `conda tuna enable --channels conda-forge`."
    )


def choose_mirror(args: Namespace) -> tuple[Mirror, str]:
    """The mirror to enable and a sentence saying why it was chosen."""
    if (args.mirror or "").lower() == "auto":
        from ..mirrors.adapter import choose_auto_mirror

        return choose_auto_mirror()
    from ..mirrors.adapter import known_mirrors

    known = known_mirrors()
    if args.mirror and args.mirror.strip().lower() in known:
        mirror = known[args.mirror.strip().lower()]
    else:
        mirror = resolve_mirror(args.mirror, args.url, allow_http=args.allow_http)
        # a root the known set names (the catalog, or the test override) keeps its name
        mirror = next((m for m in known.values() if m.root == mirror.root), mirror)
    why = "given by --url" if args.url else ("chosen by --mirror" if args.mirror else "default")
    return mirror, why


def choose_channels(args: Namespace, existing: list[str]) -> tuple[list[str] | None, str | None]:
    """Channels to add when none are configured (conda 25.9+ starts with `channels: []`).

    Returns (channels or None, a note for the user). -y, --json or no terminal take
    `defaults`, the channel conda users expect; conda-forge is offered as the free one.
    """
    if existing:
        return None, None
    if args.initial_channel:
        return [args.initial_channel], None
    if context.always_yes or context.json or not stdin_is_interactive():
        return ["defaults"], "No channels were configured; using `defaults`."
    answer = input(
        "No channels are configured (conda 25.9+ starts with none).\n"
        "Which channel should conda use? [d]efaults / [c]onda-forge (free for everyone) "
        "[d]: "
    ).strip().lower()
    if answer in ("c", "conda-forge", "cf"):
        return ["conda-forge"], None
    if answer in ("", "d", "defaults"):
        return ["defaults"], None
    raise TunaError(f"Unknown answer {answer!r}; nothing was written.",
                    hint="Run again with --channels defaults or --channels conda-forge.")


def _representative_urls(upstreams, channels: list[str]) -> list[str]:
    """URLs whose handler decides whether conda-tuna sees a channel's requests: each upstream
    root's usual channels, and every configured channel as conda resolves it."""
    urls: list[str] = []
    for upstream in upstreams:
        for name in ("conda-forge", "main"):
            urls.append(f"{upstream.channel_url(name)}/noarch/repodata.json")
    for channel in channels:
        try:
            bases = channel_base_urls(channel, "noarch")
        except Exception:  # a channel conda cannot parse is conda's error to report
            continue
        urls.extend(f"{base}/noarch/repodata.json" for base in bases)
    return list(dict.fromkeys(urls))


def channel_settings_conflicts(upstreams, channels: list[str],
                               own_file: Path) -> list[dict[str, object]]:
    """Users' own ``channel_settings`` entries selecting another auth handler for URLs that
    conda-tuna routes, and who wins once conda-tuna's file at `own_file` is in place.

    conda merges ``channel_settings`` with later config files first and keeps the last
    matching entry, so the file read *earlier* wins: a user-scope drop-in beats
    ``~/.condarc``; an env-scope drop-in loses to it (routing would then be off for those
    URLs without a word).
    """
    patterns = [e["channel"] for e in channel_settings_entries(upstreams)]
    ours = read_order(own_file)
    found: dict[tuple[str, str], dict[str, object]] = {}
    for source, values in config_sources().items():
        if source == str(own_file):
            continue
        for entry in values.get("channel_settings") or ():
            entry = dict(entry)
            name = handler_of(entry)
            if name in (None, AUTH_NAME):
                continue
            for url in _representative_urls(upstreams, channels):
                if not any(entry_matches(p, url, None) for p in patterns):
                    continue
                if entry_matches(str(entry.get("channel", "")), url, canonical_name(url)):
                    wins = "user" if read_order(source) < ours else "conda-tuna"
                    found[(source, str(entry.get("channel")))] = {
                        "source": source, "channel": redact(str(entry.get("channel"))),
                        "auth": name, "wins": wins}
                    break
    return list(found.values())


def conflict_message(conflicts: list[dict[str, object]]) -> str:
    """Why enable refuses, and what each choice means."""
    lines = [_("Your own channel_settings select another auth handler for URLs conda-tuna "
               "routes:")]
    for c in conflicts:
        if c["wins"] == "user":
            effect = _("yours would win, so conda-tuna would not route these requests")
        else:
            effect = _("conda-tuna's would win: routed requests go to the mirror without "
                       "your handler, and requests it does not route (credentials, "
                       "unmirrored channels) still use your handler")
        lines.append(_("  - {channel}: auth {auth} in {source} ({effect})").format(
            channel=c["channel"], auth=c["auth"], source=c["source"], effect=effect))
    lines.append(_("Remove or narrow that entry, or run `conda tuna enable --force` to "
                   "enable anyway."))
    return "\n".join(lines)


def routing_table(mirror: Mirror, channels: list[str], upstreams,
                  owner=None) -> list[Route]:
    """Where each channel's requests go with `mirror` enabled (the table enable prints)."""
    from ..mirrors.adapter import failover_enabled, fallback_setting, known_mirrors
    from ..mirrors.health import fallback_chain

    chain: list[Mirror | None] = [mirror]
    if failover_enabled():
        chain += fallback_chain(mirror, fallback_setting(), known_mirrors())[0]
    rows: list[Route] = []
    for channel in channels:
        try:
            bases = channel_base_urls(channel, context.subdir)
        except Exception:
            continue
        for base in bases:
            handler, source = owner(base) if owner else (AUTH_NAME, None)
            rows.append(explain(channel, base, context.subdir, chain, upstreams,
                                handler=handler, handler_source=source))
    return rows


def build(args: Namespace) -> dict[str, object]:
    """Everything enable would write and show, without writing it.

    The drop-in holds conda's ``channel_settings`` entries selecting conda-tuna's request
    router for every upstream root, the channel list when conda has none, and conda-tuna's
    plugin settings. Nothing that renames channels: conda keeps recording upstream URLs.
    """
    from ..mirrors.adapter import known_upstreams

    mirror, why = choose_mirror(args)
    path = drop_in_path(args.scope)
    upstreams = known_upstreams()
    existing = configured_channels(exclude=path)
    added, note = choose_channels(args, existing)
    conflicts = channel_settings_conflicts(upstreams, [*(added or []), *existing], path)
    if conflicts and not getattr(args, "force", False):
        raise TunaError(conflict_message(conflicts))
    settings: dict[str, object] = {"channel_settings": channel_settings_entries(upstreams)}
    if added:
        settings["channels"] = list(added)
    settings["plugins"] = {"tuna_mirror": mirror.name, "tuna_mirror_url": mirror.root}
    meta = {
        "version": __version__,
        "mirror": mirror.name,
        "url": mirror.root,
        "scope": args.scope,
        "written": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    shown = list(dict.fromkeys([*(added or []), *existing, "defaults", "conda-forge"]))
    table = routing_table(mirror, shown, upstreams)
    notes = [n for n in (note,) if n]
    if "defaults" in (added or existing):
        notes.append(_licence_note())
    notes += [conflict_message(conflicts)] if conflicts else []
    replaced = _old_drop_in(path)
    if replaced:
        notes.append(_("Replacing {file}, written by conda-tuna 0.1 (it rewrote channel "
                       "URLs); conda now keeps upstream URLs and conda-tuna routes each "
                       "request.").format(file=path))
    return {"mirror": mirror, "why": why, "path": path, "settings": settings, "meta": meta,
            "routes": table, "added_channels": added or [], "notes": notes,
            "conflicts": conflicts, "replaced_old": replaced}


def _old_drop_in(path: Path) -> bool:
    """True when `path` holds a conda-tuna 0.1 drop-in (channel-mapping settings)."""
    try:
        found = dropin.read(path)
    except TunaError:
        return False
    return found is not None and dropin.is_old(found.text)


# --------------------------------------------------------------------------- legacy migration
def mirror_hosts() -> set[str]:
    """Hosts whose /anaconda/ URLs count as mirror URLs: the catalog, overrides, active."""
    from ..mirrors import adapter as mirror_adapter
    from ..mirrors.catalog import MIRRORS

    hosts = {m.host for m in MIRRORS.values()} | {"pypi.tuna.tsinghua.edu.cn"}
    hosts |= {m.host for m in mirror_adapter.known_mirrors().values()}
    active = mirror_adapter.active_mirror()
    if active is not None:
        hosts.add(active.host)
    return hosts


def user_files() -> list[Path]:
    """The user's own config files on conda's search path (not conda-tuna's drop-ins)."""
    root = home().resolve()
    files: list[Path] = []
    for source in context.raw_data:
        if not isinstance(source, Path) or source.name == FILE_NAME:
            continue
        try:
            resolved = source.resolve()
        except OSError:
            continue
        if resolved.is_file() and root in resolved.parents and resolved not in files:
            files.append(resolved)
    return files


def scan() -> list[tuple[Path, list[Change]]]:
    """Each user config file with the legacy patterns found in it."""
    from ..base.yaml import yaml_loads

    hosts = mirror_hosts()
    found: list[tuple[Path, list[Change]]] = []
    for path in user_files():
        try:
            data = yaml_loads(path.read_text(encoding="utf-8")) or {}
        except Exception:  # an unreadable file is conda's own error to report
            continue
        if isinstance(data, dict):
            changes = analyse(data, hosts)
            if changes:
                found.append((path, changes))
    return found


def rewrite(path: Path, hosts: set[str]) -> dict[str, object] | None:
    """Back up `path`, repair it with conda's ruamel round-trip (comments kept), atomically."""
    from ..base.files import atomic_write
    from ..base.yaml import yaml_dumps, yaml_loads

    text = path.read_text(encoding="utf-8")
    data = yaml_loads(text)
    if not isinstance(data, dict):
        return None
    changes = analyse(data, hosts)
    if not changes:
        return None
    apply(data, changes)
    backup = backup_path(path)
    shutil.copy2(path, backup)
    atomic_write(path, yaml_dumps(data) if data else "", mode=path.stat().st_mode & 0o777)
    return {"file": str(path), "backup": str(backup),
            "changes": [c.to_json() for c in changes]}


def migrate(mirror=None) -> list[dict[str, object]]:
    """Repair every user config file; prints what changed (unless --json). For `enable`."""
    hosts = mirror_hosts() | ({mirror.host} if mirror is not None else set())
    done = [r for r in (rewrite(p, hosts) for p in user_files()) if r]
    if not context.json:
        print_migrated(done)
    return done


def print_migrated(done: list[dict[str, object]]) -> None:
    if not done:
        print("No hand-written mirror settings found; nothing migrated.")
    for item in done:
        print(f"Migrated {item['file']} (backup: {item['backup']}):")
        for change in item["changes"]:  # type: ignore[union-attr]
            print(f"  - {Change(**change).describe()}")


def mirror_for_host(host: str):
    """The known mirror at `host`, else a custom mirror for it (for the doctor fixer)."""
    from ..mirrors import adapter as mirror_adapter
    from ..mirrors.catalog import custom_mirror

    for mirror in mirror_adapter.known_mirrors().values():
        if mirror.host == host:
            return mirror
    scheme = "http" if host.startswith(("127.", "localhost")) else "https"
    return custom_mirror(f"{scheme}://{host}", allow_http=True)


def enable_mirror(mirror) -> None:
    """Write conda-tuna's drop-in (user scope) for `mirror`, as `conda tuna enable` does."""
    from argparse import Namespace

    args = Namespace(mirror=None, url=mirror.root, allow_http=True, scope="user",
                     initial_channel="defaults", pip=False, migrate=False, force=False)
    plan = build(args)
    dropin.write(plan["path"], plan["settings"], plan["meta"])
    print(f"Enabled conda-tuna with {mirror.name} ({mirror.root}): {plan['path']}")
