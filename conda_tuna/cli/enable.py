"""`conda tuna enable`: write conda-tuna's drop-in so conda fetches from the mirror."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conda.base.context import context

from ..config import dropin
from ..config.adapter import build, drop_in_change, journal_session
from ..i18n import _
from .output import emit_json

if TYPE_CHECKING:
    from argparse import Namespace

    from ..mirrors.catalog import Mirror


def _print_table(routes) -> None:
    width = max((len(r.channel) for r in routes), default=8)
    for r in routes:
        print(_("  {channel}  {channel_url}  -> {url}  [{via}: {reason}]").format(
            channel=f"{r.channel:<{width}}", channel_url=r.channel_url, url=r.url, via=r.via,
            reason=r.reason))


def _write(args: Namespace, plan: dict[str, object],
           mirror: Mirror) -> tuple[bool, dict[str, object]]:
    """Write the drop-in (and pip's config with --pip) in one journaled change set.

    Everything is decided before the first write (an --pip that would have no effect stops
    here with nothing written); the change journal (base/journal.py) makes the writes
    survive a kill at any point and serialises concurrent runs.
    """
    path = plan["path"]
    dropin.check_writable(path.parent)  # type: ignore[arg-type]
    extra: dict[str, object] = {}
    with journal_session(args.scope, "enable") as journal:
        change, changed = drop_in_change(journal, path, plan["settings"],  # type: ignore[arg-type]
                                         plan["meta"])  # type: ignore[arg-type]
        changes = [change] if change else []
        if args.pip:
            from ..pypi.adapter import pip_change

            pip, extra["pip"] = pip_change(mirror, args.scope, journal)
            changes.append(pip)
        done = journal.apply(changes)
        if args.pip:
            extra["pip"]["changed"] = done[-1]  # type: ignore[index]
        if journal.notes:
            extra["recovered"] = list(journal.notes)
    return changed, extra


def execute(args: Namespace) -> int:
    plan = build(args)
    mirror: Mirror = plan["mirror"]
    path = plan["path"]
    if context.dry_run:
        text = dropin.render(plan["settings"], plan["meta"])
        if context.json:
            emit_json({"success": True, "dry_run": True, "file": str(path), "scope": args.scope,
                       "mirror": {"name": mirror.name, "url": mirror.root},
                       "content": text, "channels": [r.to_json() for r in plan["routes"]],
                       "notes": plan["notes"], "conflicts": plan["conflicts"],
                       "replaced_old": plan["replaced_old"]})
        else:
            print(f"Would write {path}:\n")
            print(text)
            print(_("Requests for each channel would go (conda keeps recording the channel's "
                    "own URL):"))
            _print_table(plan["routes"])
            for note in plan["notes"]:
                print(note)
            print("\nDry run: nothing was written.")
        return 0
    changed, extra = _write(args, plan, mirror)
    if args.migrate:
        from ..config.adapter import migrate

        extra["migrated"] = migrate(mirror)
    if context.json:
        emit_json({"success": True, "changed": changed, "file": str(path), "scope": args.scope,
                   "mirror": {"name": mirror.name, "url": mirror.root, "why": plan["why"]},
                   "channels": [r.to_json() for r in plan["routes"]],
                   "added_channels": plan["added_channels"], "notes": plan["notes"],
                   "conflicts": plan["conflicts"], "replaced_old": plan["replaced_old"],
                   **extra})
        return 0
    for note in extra.get("recovered", []):  # type: ignore[union-attr]
        print(note)
    verb = "Enabled" if changed else "Already enabled (nothing changed):"
    print(f"{verb} {mirror.name} ({mirror.root}) at {args.scope} scope, {plan['why']}.")
    print(f"Config file: {path}")
    print(_("Requests for each channel now go (conda keeps recording the channel's own "
            "URL):"))
    _print_table(plan["routes"])
    for note in plan["notes"]:
        print(note)
    print("Undo with `conda tuna disable`.")
    return 0
