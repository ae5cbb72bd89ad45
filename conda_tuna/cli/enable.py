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

    from ..base.journal import Change, Journal
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
        named = _pypi_changes(args, mirror, journal, extra)
        done = journal.apply([*changes, *named.values()])
        for key, was_written in zip(named, done[len(changes):], strict=True):
            extra[key]["changed"] = was_written  # type: ignore[index]
        if journal.notes:
            extra["recovered"] = list(journal.notes)
    return changed, extra


def _pypi_changes(args: Namespace, mirror: Mirror, journal: Journal,
                  extra: dict[str, object], *, dry_run: bool = False) -> dict[str, Change]:
    """With --pip: pip's and uv's changes, keyed "pip"/"uv"; what each is goes in `extra`.

    Both are decided before anything is written: either one that would have no effect
    stops the whole command (pypi/adapter.py). uv is left alone with --no-uv, and at env or
    system scope, where uv has no settings (`extra["uv"]` says so).
    """
    named: dict[str, Change] = {}
    if not args.pip:
        return named
    from ..pypi.adapter import pip_change, uv_change

    named["pip"], extra["pip"] = pip_change(mirror, args.scope, journal, dry_run=dry_run)
    if getattr(args, "no_uv", False):
        extra["uv"] = {"file": None, "index_url": None, "scope": args.scope,
                       "changed": False, "skipped": "no-uv", "note": None}
        return named
    uv, extra["uv"] = uv_change(mirror, args.scope, journal)
    if uv is not None:
        named["uv"] = uv
    return named


def _dry_run_pypi(args: Namespace, mirror: Mirror) -> dict[str, object]:
    """What --pip would write (pip's and uv's files and their new contents), writing nothing;
    refuses as enable would."""
    from ..base import journal as change_journal
    from ..config.adapter import has_journal, scope_root

    extra: dict[str, object] = {}
    root = scope_root(args.scope)
    journal = change_journal.peek(root) if has_journal(args.scope) else \
        change_journal.Journal(root)
    named = _pypi_changes(args, mirror, journal, extra, dry_run=True)
    for key, change in named.items():
        item: dict[str, object] = extra[key]  # type: ignore[assignment]
        item["changed"] = change_journal.read_bytes(
            change_journal.real_path(change.path)) != change.data
        item["content"] = change.data.decode("utf-8", "replace")  # a preview
    return extra


def _print_pypi(extra: dict[str, object], *, dry_run: bool) -> None:
    """One line each for pip's and uv's file (and a note when uv was left alone)."""
    pip, uv = extra.get("pip"), extra.get("uv")
    if isinstance(pip, dict):
        text = _("pip would use {url} (pip config: {file}).") if dry_run else \
            _("pip now uses {url} (pip config: {file}).")
        print(text.format(url=pip["index_url"], file=pip["file"]))
    if not isinstance(uv, dict):
        return
    if uv.get("file"):
        text = _("uv would use {url} (uv config: {file}).") if dry_run else \
            _("uv now uses {url} (uv config: {file}).")
        print(text.format(url=uv["index_url"], file=uv["file"]))
        if uv.get("replaced"):
            print(_("  Your index-url {old} stays in that file, commented out; `conda tuna "
                    "disable` puts it back.").format(old=uv["replaced"]))
    elif uv.get("note"):
        print(uv["note"])


def _print_dry_run_pypi(pypi: dict[str, object]) -> None:
    """--pip --dry-run: the summary lines, then each file's would-be contents."""
    if not pypi:
        return
    _print_pypi(pypi, dry_run=True)
    for key in ("pip", "uv"):
        item = pypi.get(key)
        if isinstance(item, dict) and item.get("content") is not None:
            print(_("\nWould write {file}:\n").format(file=item["file"]))
            print(item["content"], end="" if str(item["content"]).endswith("\n") else "\n")


def execute(args: Namespace) -> int:
    plan = build(args)
    mirror: Mirror = plan["mirror"]
    path = plan["path"]
    if context.dry_run:
        text = dropin.render(plan["settings"], plan["meta"])
        pypi = _dry_run_pypi(args, mirror)
        if context.json:
            emit_json({"success": True, "dry_run": True, "file": str(path), "scope": args.scope,
                       "mirror": {"name": mirror.name, "url": mirror.root},
                       "content": text, "channels": [r.to_json() for r in plan["routes"]],
                       "notes": plan["notes"], "conflicts": plan["conflicts"],
                       "replaced_old": plan["replaced_old"], **pypi})
        else:
            print(f"Would write {path}:\n")
            print(text)
            print(_("Requests for each channel would go (conda keeps recording the channel's "
                    "own URL):"))
            _print_table(plan["routes"])
            for note in plan["notes"]:
                print(note)
            _print_dry_run_pypi(pypi)
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
    _print_pypi(extra, dry_run=False)
    print("Undo with `conda tuna disable`.")
    return 0
