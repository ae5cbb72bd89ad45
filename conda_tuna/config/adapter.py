"""conda's side of conda-tuna's own config: where the files are, what `enable` writes, and the
migration of hand-written mirror settings.

The drop-in's format is in ``config/dropin.py`` and the legacy patterns in
``config/legacy.py`` (both pure); this module reads conda's context for them: the scope
directories, the configured channels, the user's config files. ``enable`` and the
``tuna-legacy-config`` doctor fixer both build their drop-in with :func:`build`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from conda.base.context import context

from .. import __version__
from ..base import journal as change_journal
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
from ..base.urls import redact
from ..i18n import _
from ..mirrors.catalog import Mirror, resolve_mirror
from ..pypi.pipconf import strip_bytes
from ..pypi.uvtoml import strip_bytes as strip_uv_toml
from ..routing.routes import Route, explain
from ..routing.urls import AUTH_NAME, channel_settings_entries, entry_matches, handler_of
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


def scope_root(scope: str) -> Path:
    """The root of `scope` (its change journal lives in ``<root>/.conda-tuna``)."""
    prefix = env_prefix() if scope == "env" else None
    return dropin.scope_root(scope, home=home(), root_prefix=Path(context.root_prefix),
                             env_prefix=prefix)


#: how each feature's part is taken out of a file the user edited after enable
STRIPPERS = {"whole": None, "pipconf": strip_bytes, "uvtoml": strip_uv_toml}


@contextmanager
def journal_session(scope: str, op: str) -> Iterator[change_journal.Journal]:
    """The scope's change journal, locked, with what a killed command left finished."""
    with change_journal.session(scope_root(scope), op, STRIPPERS) as journal:
        yield journal


def has_journal(scope: str) -> bool:
    try:
        return (scope_root(scope) / change_journal.STATE_DIR).is_dir()
    except TunaError:
        return False


def drop_in_change(journal: change_journal.Journal, path: Path, settings: dict[str, object],
                   meta: dict[str, object]) -> tuple[change_journal.Change | None, bool]:
    """What writing conda-tuna's file at `path` takes (see config/dropin.py `change`)."""
    existing = dropin.read(path)
    return dropin.change(path, settings, meta, existing,
                         journaled=journal.entry(path) is not None)


def finish_interrupted() -> list[str]:
    """`conda tuna status`: finish what a killed enable/disable left (base/journal.py's
    recovery rule), at every scope with a pending operation; notes for the user."""
    notes: list[str] = []
    for scope in dropin.SCOPES:
        try:
            root = scope_root(scope)
            pending = change_journal.peek(root).pending if has_journal(scope) else None
        except (TunaError, OSError):
            continue
        if not pending:
            continue
        try:
            with journal_session(scope, "status") as journal:
                notes += journal.notes
        except (TunaError, OSError) as exc:
            notes.append(_("An interrupted `conda tuna {op}` at {scope} scope could not be "
                           "finished ({error}); run `conda tuna enable` or `conda tuna "
                           "disable` there as the owner of {root}.").format(
                               op=pending.get("op"), scope=scope, error=exc, root=root))
    return notes


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


#: how the mirror was chosen, as `enable --json` reports it (language-neutral)
CHOSEN_DEFAULT, CHOSEN_MIRROR, CHOSEN_URL, CHOSEN_AUTO = "default", "--mirror", "--url", "auto"


def choose_mirror(args: Namespace) -> tuple[Mirror, str, str]:
    """The mirror to enable, a sentence saying why, and how it was chosen (CHOSEN_*)."""
    if (args.mirror or "").lower() == "auto":
        from ..mirrors.adapter import choose_auto_mirror

        return (*choose_auto_mirror(), CHOSEN_AUTO)
    from ..mirrors.adapter import known_mirrors

    known = known_mirrors()
    if args.mirror is not None and args.mirror.strip().lower() in known:
        mirror = known[args.mirror.strip().lower()]
    else:
        mirror = resolve_mirror(args.mirror, args.url, allow_http=args.allow_http)
        # a root the known set names (the catalog, or the test override) keeps its name
        mirror = next((m for m in known.values() if m.root == mirror.root), mirror)
    chosen = (CHOSEN_URL if args.url is not None
              else (CHOSEN_MIRROR if args.mirror is not None else CHOSEN_DEFAULT))
    why = {CHOSEN_URL: "given by --url", CHOSEN_MIRROR: "chosen by --mirror"}.get(chosen,
                                                                             "default")
    return mirror, why, chosen


#: the channel conda-tuna sets when none is configured and nobody is asked: free for everyone
FREE_CHANNEL = "conda-forge"


def no_channels_note() -> str:
    """Said when conda-tuna set conda-forge because no channel was configured."""
    return _("No channels were configured, so conda-tuna set `conda-forge`, which is free for "
             "everyone. To use Anaconda's `defaults` instead, run `conda tuna enable --channels "
             "defaults` (its terms require a paid licence in organisations of more than 200 "
             "people).")


def choose_channels(args: Namespace, existing: list[str]) -> tuple[list[str] | None, str | None]:
    """Channels to add when none are configured (conda 25.9+ starts with `channels: []`).

    Returns (channels or None, a note for the user). Configured channels are never changed.
    -y, --json or no terminal take conda-forge, which is free for everyone: a set-up that
    asks nobody must not put an organisation under Anaconda's paid terms for `defaults`.
    The prompt offers conda-forge as its default too; choosing `defaults` (here or with
    --channels) brings the licence note (see :func:`build`).
    """
    if existing:
        return None, None
    if args.initial_channel:
        return [args.initial_channel], None
    if context.always_yes or context.json or not stdin_is_interactive():
        return [FREE_CHANNEL], no_channels_note()
    answer = input(_(
        "No channels are configured (conda 25.9+ starts with none).\n"
        "Which channel should conda use? [c]onda-forge (free for everyone) / [d]efaults "
        "(Anaconda; a paid licence in organisations of more than 200 people) [c]: "
    )).strip().lower()
    if answer in ("", "c", "conda-forge", "cf"):
        return ["conda-forge"], None
    if answer in ("d", "defaults"):
        return ["defaults"], None
    raise TunaError(_("Unknown answer {answer}; nothing was written.").format(
        answer=repr(answer)), hint=_("Run again with --channels conda-forge or --channels "
                                     "defaults."))


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

    mirror, why, chosen = choose_mirror(args)
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
    return {"mirror": mirror, "why": why, "chosen_by": chosen, "path": path,
            "settings": settings, "meta": meta,
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
def coverage() -> dict[str, Mirror]:
    """host[:port] -> mirror, for every mirror whose /anaconda/ URLs count as mirror URLs
    (the catalog, $CONDA_TUNA_MIRRORS_OVERRIDE, the active one): which channels it carries
    decides how a hand-written URL on it is repaired."""
    from ..mirrors import adapter as mirror_adapter
    from ..mirrors.catalog import MIRRORS

    found = {m.host: m for m in MIRRORS.values()}
    found.update({m.host: m for m in mirror_adapter.known_mirrors().values()})
    active = mirror_adapter.active_mirror()
    if active is not None:
        found[active.host] = active
    return found


def mirror_hosts() -> set[str]:
    """Hosts whose /anaconda/ URLs count as mirror URLs: the catalog, overrides, active."""
    return set(coverage()) | {"pypi.tuna.tsinghua.edu.cn"}


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
    """Each user config file with the legacy patterns found in it (notes included)."""
    hosts, known = mirror_hosts(), coverage()
    found: list[tuple[Path, list[Change]]] = []
    for path in user_files():
        try:
            _raw, data = _read_config(path)
        except (TunaError, OSError):  # an unreadable file is conda's own error to report
            continue
        if isinstance(data, dict):
            changes = analyse(data, hosts, known)
            if changes:
                found.append((path, changes))
    return found


def _read_config(path: Path) -> tuple[bytes, object]:
    """A user's config file: its bytes and conda's round-trip YAML of them; TunaError when
    it is not UTF-8 or not YAML (then conda-tuna does not touch it)."""
    from ..base.yaml import yaml_loads

    raw = path.read_bytes()
    try:
        return raw, yaml_loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise TunaError(_("{path} is not UTF-8 text, so conda-tuna did not change it.").format(
            path=path), hint=_("Save it as UTF-8 and run the command again.")) from exc
    except Exception as exc:  # ruamel's errors differ between conda releases
        raise TunaError(_("{path} is not valid YAML, so conda-tuna did not change it: "
                          "{error}").format(path=path, error=exc)) from exc


def rewrite(path: Path, hosts: set[str]) -> dict[str, object] | None:
    """Back up `path`, repair it with conda's ruamel round-trip (comments kept), atomically.

    The backup and the new file keep the file's mode and owner (run as root with a user's
    HOME, the user's .condarc stays the user's); a kill leaves the old or the new file.
    """
    import os
    import stat

    from ..base.files import atomic_write, atomic_write_bytes
    from ..base.yaml import yaml_dumps

    raw, data = _read_config(path)
    if not isinstance(data, dict):
        return None
    changes = analyse(data, hosts, coverage())
    if not any(c.actionable for c in changes):
        return None
    notes = apply(data, changes)
    info = os.stat(path)
    mode, owner = stat.S_IMODE(info.st_mode), (info.st_uid, info.st_gid)
    backup = backup_path(path)
    atomic_write_bytes(backup, raw, mode, owner)
    atomic_write(path, yaml_dumps(data) if data else "", mode=mode, owner=owner)
    return {"file": str(path), "backup": str(backup),
            "changes": [c.to_json() for c in changes], "notes": notes or []}


def migrate(mirror=None, *, report: bool = True) -> list[dict[str, object]]:
    """Repair every user config file; prints what changed (unless --json, or `report` is
    False: `enable` prints it after its summary). For `enable`."""
    hosts = mirror_hosts() | ({mirror.host} if mirror is not None else set())
    done = [r for r in (rewrite(p, hosts) for p in user_files()) if r]
    if report and not context.json:
        print_migrated(done)
    return done


def print_migrated(done: list[dict[str, object]]) -> None:
    if not done:
        print(_("No hand-written mirror settings found; nothing migrated."))
    for item in done:
        print(_("Migrated {file} (backup: {backup}):").format(file=item["file"],
                                                            backup=item["backup"]))
        for change in item["changes"]:  # type: ignore[union-attr]
            print(f"  - {Change(**change).describe()}")


def mirror_for_host(host: str):
    """The known mirror at `host`, else a custom mirror for it (for the doctor fixer)."""
    from ..base.urls import parse_mirror_url
    from ..mirrors import adapter as mirror_adapter
    from ..mirrors.catalog import custom_mirror

    for mirror in mirror_adapter.known_mirrors().values():
        if mirror.host == host:
            return mirror
    try:  # loopback decided on the parsed address, never by prefix (base/urls.py)
        loopback = parse_mirror_url(f"http://{host}").loopback
    except TunaError:
        loopback = False
    scheme = "http" if loopback else "https"
    return custom_mirror(f"{scheme}://{host}", allow_http=True,
                         what=_("A mirror URL in your .condarc"))


def enable_mirror(mirror) -> None:
    """Write conda-tuna's drop-in (user scope) for `mirror`, as `conda tuna enable` does."""
    from argparse import Namespace

    # no channels left at all: the licence-free one, as a run that asks nobody does (issue 12)
    args = Namespace(mirror=None, url=mirror.root, allow_http=True, scope="user",
                     initial_channel=FREE_CHANNEL, pip=False, migrate=False, force=False)
    plan = build(args)
    dropin.check_writable(plan["path"].parent)
    with journal_session("user", "enable") as journal:
        change, _changed = drop_in_change(journal, plan["path"], plan["settings"], plan["meta"])
        journal.apply([change] if change else [])
    print(_("Enabled conda-tuna with {name} ({root}): {path}").format(
        name=mirror.name, root=mirror.root, path=plan["path"]))
    if plan["added_channels"]:
        print(no_channels_note())
