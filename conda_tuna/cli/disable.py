"""`conda tuna disable`: remove what enable wrote, leaving every other file as it was."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conda.base.context import context

from ..config import dropin
from ..config.adapter import drop_in_path, existing_drop_ins
from ..i18n import _
from .output import emit_json

if TYPE_CHECKING:
    from argparse import Namespace


def targets(scope: str | None) -> list[tuple[str, object]]:
    """(scope, path) pairs to remove: the given scope, else every scope that has our file."""
    if scope:
        return [(scope, drop_in_path(scope))]
    return [(s, d.path) for s, d in existing_drop_ins()]


def execute(args: Namespace) -> int:
    removed: list[dict[str, object]] = []
    plan = targets(args.scope)
    for scope, path in plan:
        found = dropin.read(path)
        if found is None:
            continue
        item = {"scope": scope, "file": str(path), "old": dropin.is_old(found.text)}
        if context.dry_run or dropin.remove(path) is not None:
            removed.append(item)
    extra: dict[str, object] = _undo_pip(args.scope)  # issue 4: pip config and markers
    if context.json:
        emit_json({"success": True, "dry_run": bool(context.dry_run), "removed": removed,
                   "enabled": False if removed or not plan else None, **extra})
        return 0
    if not removed:
        where = f"at {args.scope} scope" if args.scope else "anywhere"
        print(f"conda-tuna is not enabled {where}; nothing to do.")
        return 0
    verb = "Would remove" if context.dry_run else "Removed"
    for item in removed:
        print(f"{verb} {item['file']} ({item['scope']} scope).")
        if item["old"]:
            print(_("That file was written by conda-tuna 0.1 (it rewrote channel URLs to the "
                    "mirror); environments created with it still name the mirror in their "
                    "records."))
    if not context.dry_run:
        print("conda now uses your own configuration again, exactly as before `enable`.")
    return 0


def _undo_pip(scope: str | None) -> dict[str, object]:
    """Restore the pip config `enable --pip` changed and drop conda-tuna's PEP 668 markers."""
    from ..pypi.adapter import disable_pip, remove_all_markers

    dry = bool(context.dry_run)
    pip = disable_pip(scope, dry_run=dry)
    markers = remove_all_markers(dry_run=dry)
    if not context.json:
        for item in pip:
            how = {"restored": "restored byte for byte", "deleted": "removed (it did not exist "
                   "before)", "kept-edits": "conda-tuna's lines removed, your later edits kept "
                   f"(original saved as {item['backup']})"}[str(item["how"])]
            print(f"{'Would restore' if dry else 'pip config'} {item['file']}: {how}.")
        for path in markers:
            print(f"{'Would remove' if dry else 'Removed'} pip marker {path}.")
    return {"pip": pip, "pip_markers_removed": markers}
