"""`conda tuna enable`: write conda-tuna's drop-in so conda fetches from the mirror."""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

from conda.base.context import context

from .. import __version__, config_writer
from ..catalog import Mirror, resolve_mirror
from ..channel_map import conda_settings, route_table
from ..conda_context import (
    configured_channels,
    custom_multichannels_win,
    drop_in_path,
    emit_json,
    later_default_channels,
    stdin_is_interactive,
    windows,
)
from ..errors import TunaError

if TYPE_CHECKING:
    from argparse import Namespace

LICENCE_NOTE = (
    "Note: Anaconda's terms require a paid licence to use its repository (`defaults`: "
    "pkgs/main, pkgs/r), mirrors included, in organisations of more than 200 people. "
    "conda-forge is free for everyone: `conda tuna enable --channels conda-forge`."
)


def choose_mirror(args: Namespace) -> tuple[Mirror, str]:
    """The mirror to enable and a sentence saying why it was chosen."""
    if (args.mirror or "").lower() == "auto":
        from ..mirror_health import choose_auto_mirror

        return choose_auto_mirror()
    mirror = resolve_mirror(args.mirror, args.url, allow_http=args.allow_http)
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


def _print_table(routes) -> None:
    width = max((len(r.channel) for r in routes), default=8)
    for r in routes:
        print(f"  {r.channel:<{width}}  -> {r.url}  [{r.via}: {r.reason}]")


def execute(args: Namespace) -> int:
    plan = build(args)
    mirror: Mirror = plan["mirror"]
    path = plan["path"]
    if context.dry_run:
        text = config_writer.render(plan["settings"], plan["meta"])
        if context.json:
            emit_json({"success": True, "dry_run": True, "file": str(path), "scope": args.scope,
                       "mirror": {"name": mirror.name, "url": mirror.root},
                       "content": text, "channels": [r.to_json() for r in plan["routes"]],
                       "notes": plan["notes"]})
        else:
            print(f"Would write {path}:\n")
            print(text)
            print("Channels would go:")
            _print_table(plan["routes"])
            for note in plan["notes"]:
                print(note)
            print("\nDry run: nothing was written.")
        return 0
    changed, _text = config_writer.write(path, plan["settings"], plan["meta"])
    extra: dict[str, object] = {}
    if args.pip:
        from ..pip_config import enable_pip

        extra["pip"] = enable_pip(mirror, scope=args.scope)
    if args.migrate:
        from ..legacy_config import migrate

        extra["migrated"] = migrate(mirror)
    if context.json:
        emit_json({"success": True, "changed": changed, "file": str(path), "scope": args.scope,
                   "mirror": {"name": mirror.name, "url": mirror.root, "why": plan["why"]},
                   "channels": [r.to_json() for r in plan["routes"]],
                   "added_channels": plan["added_channels"], "notes": plan["notes"], **extra})
        return 0
    verb = "Enabled" if changed else "Already enabled (nothing changed):"
    print(f"{verb} {mirror.name} ({mirror.root}) at {args.scope} scope, {plan['why']}.")
    print(f"Config file: {path}")
    print("Channels now go:")
    _print_table(plan["routes"])
    for note in plan["notes"]:
        print(note)
    print("Undo with `conda tuna disable`.")
    return 0
