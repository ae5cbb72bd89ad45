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
    configured_channels,
    custom_multichannels_win,
    env_prefix,
    home,
    later_default_channels,
    stdin_is_interactive,
    windows,
)
from ..base.errors import TunaError
from ..i18n import _
from ..mirrors.catalog import Mirror, resolve_mirror
from ..pypi.pipconf import strip_bytes
from ..routing.routes import conda_settings, route_table
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
STRIPPERS = {"whole": None, "pipconf": strip_bytes}


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
LICENCE_NOTE = (
    "Note: Anaconda's terms require a paid licence to use its repository (`defaults`: "
    "pkgs/main, pkgs/r), mirrors included, in organisations of more than 200 people. "
    "conda-forge is free for everyone: `conda tuna enable --channels conda-forge`."
)


def choose_mirror(args: Namespace) -> tuple[Mirror, str]:
    """The mirror to enable and a sentence saying why it was chosen."""
    if (args.mirror or "").lower() == "auto":
        from ..mirrors.adapter import choose_auto_mirror

        return choose_auto_mirror()
    mirror = resolve_mirror(args.mirror, args.url, allow_http=args.allow_http)
    why = ("given by --url" if args.url is not None
           else ("chosen by --mirror" if args.mirror is not None else "default"))
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


def build(args: Namespace) -> dict[str, object]:
    """Everything enable would write and show, without writing it."""
    mirror, why = choose_mirror(args)
    path = drop_in_path(args.scope)
    existing = configured_channels(exclude=path)
    added, note = choose_channels(args, existing)
    settings = conda_settings(mirror, windows=windows(), channels=added)
    settings["plugins"] = {"tuna_mirror": mirror.name, "tuna_mirror_url": mirror.root}
    meta = {
        "version": __version__,
        "mirror": mirror.name,
        "url": mirror.root,
        "scope": args.scope,
        "written": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    shown = list(dict.fromkeys([*(added or []), *existing, "defaults", "conda-forge"]))
    table = route_table(shown, mirror, windows=windows())
    notes = [n for n in (note,) if n]
    if "defaults" in (added or existing):
        notes.append(LICENCE_NOTE)
    if not custom_multichannels_win():
        notes += [f"Warning: {source} sets default_channels; conda < 26 merges that list with "
                  "the mirror's, so `defaults` still reaches those URLs too. Remove it there "
                  "(or run `conda tuna enable --migrate`)."
                  for source in later_default_channels(path)]
    return {"mirror": mirror, "why": why, "path": path, "settings": settings, "meta": meta,
            "routes": table, "added_channels": added or [], "notes": notes}


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

    args = Namespace(mirror=None, url=mirror.root, allow_http=True, scope="user",
                     initial_channel="defaults", pip=False, migrate=False)
    plan = build(args)
    plan["settings"]["plugins"] = {"tuna_mirror": mirror.name, "tuna_mirror_url": mirror.root}
    dropin.check_writable(plan["path"].parent)
    with journal_session("user", "enable") as journal:
        change, _changed = drop_in_change(journal, plan["path"], plan["settings"], plan["meta"])
        journal.apply([change] if change else [])
    print(f"Enabled conda-tuna with {mirror.name} ({mirror.root}): {plan['path']}")
