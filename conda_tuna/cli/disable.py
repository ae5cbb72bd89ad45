"""`conda tuna disable`: undo what enable wrote, leaving every other file as it was.

At each scope the change journal (base/journal.py) is replayed in reverse: conda-tuna's
drop-in goes, pip's config and uv's uv.toml get their original bytes, mode and owner back
(pip's wherever $PIP_CONFIG_FILE points today), directories enable created are removed; a
file the user edited since keeps their edits. What conda-tuna 0.1 wrote (no journal) is
undone from its own records. Last, conda-tuna's PEP 668 markers are removed from every environment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conda.base.context import context

from ..base import journal as change_journal
from ..base.errors import TunaError
from ..config import dropin
from ..config.adapter import (
    STRIPPERS,
    drop_in_path,
    has_journal,
    journal_session,
    scope_root,
)
from ..i18n import N_, _
from .output import emit_json, scope_name

if TYPE_CHECKING:
    from argparse import Namespace

#: how each journal outcome of pip's config is told (restored byte for byte, ...)
_PIP_HOW = {
    "restored": N_("pip config {file}: restored byte for byte."),
    "unchanged": N_("pip config {file}: restored byte for byte."),
    "deleted": N_("pip config {file}: removed (it did not exist before)."),
    "kept-edits": N_("pip config {file}: conda-tuna's lines removed, your later edits kept."),
    "lost": N_("pip config {file}: left as it is (its backup is missing)."),
}
_PIP_HOW_DRY = {
    "deleted": N_("Would remove pip config {file} (it did not exist before)."),
    "kept-edits": N_("Would take conda-tuna's lines out of pip config {file} (your later "
                     "edits stay)."),
}


#: the same for uv's user uv.toml
_UV_HOW = {
    "restored": N_("uv config {file}: restored byte for byte."),
    "unchanged": N_("uv config {file}: restored byte for byte."),
    "deleted": N_("uv config {file}: removed (it did not exist before)."),
    "kept-edits": N_("uv config {file}: conda-tuna's lines removed, your later edits kept."),
    "lost": N_("uv config {file}: left as it is (its backup is missing)."),
}
_UV_HOW_DRY = {
    "deleted": N_("Would remove uv config {file} (it did not exist before)."),
    "kept-edits": N_("Would take conda-tuna's lines out of uv config {file} (your later "
                     "edits stay)."),
}


def _scopes(scope: str | None) -> list[str]:
    return [scope] if scope else ["system", "user", "env"]


def _undo_scope(scope: str, dry_run: bool) -> list[change_journal.Restored]:
    """Replay the scope's journal (read-only under --dry-run); [] when there is none."""
    if not has_journal(scope):
        return []
    if dry_run:
        return change_journal.peek(scope_root(scope)).restore(STRIPPERS, dry_run=True)
    with journal_session(scope, "disable") as journal:
        return journal.restore(STRIPPERS)


def _legacy_drop_in(scope: str, dry_run: bool) -> str | None:
    """A drop-in no journal records (conda-tuna 0.1, or a lost journal): removed as before."""
    path = drop_in_path(scope)
    if dropin.read(path) is None:
        return None
    if not dry_run:
        dropin.remove(path)
    return str(path)


def _is_old_drop_in(scope: str) -> bool:
    """True when the scope's drop-in was written by conda-tuna 0.1 (it rewrote channel URLs
    to the mirror, so environments created with it name the mirror in their records)."""
    try:
        found = dropin.read(drop_in_path(scope))
    except TunaError:  # not conda-tuna's text (edited): the journal decides what happens
        return False
    return found is not None and dropin.is_old(found.text)


def collect(args: Namespace) -> dict[str, object]:
    """Undo every scope (or the one given); what happened, JSON-ready."""
    dry = bool(context.dry_run)
    removed: list[dict[str, object]] = []
    pip: list[dict[str, object]] = []
    uv: list[dict[str, object]] = []
    notes: list[str] = []
    for scope in _scopes(args.scope):
        try:
            scope_root(scope)
        except TunaError:
            if args.scope:
                raise
            continue  # no environment for the env scope
        old = _is_old_drop_in(scope)
        results = _undo_scope(scope, dry)
        # under --dry-run the journal's drop-in is still there: not a second, legacy one
        journaled = any(r.feature == dropin.FEATURE and r.how not in ("kept-dir", "removed-dir")
                        for r in results)
        legacy = None if journaled and dry else _legacy_drop_in(scope, dry)
        for r in results:
            if r.note:
                notes.append(r.note)
            if r.feature == dropin.FEATURE and r.how not in ("kept-dir", "removed-dir"):
                removed.append({"scope": scope, "file": r.path, "how": r.how, "old": old,
                                **({"saved": r.saved} if r.saved else {})})
            elif r.feature in ("pip", "uv") and r.how not in ("kept-dir", "removed-dir"):
                (pip if r.feature == "pip" else uv).append(
                    {"file": r.link or r.path, "how": r.how, "backup": r.saved,
                     "scope": scope})
        if legacy:
            removed.append({"scope": scope, "file": legacy, "how": "deleted", "old": old})
    from ..pypi.adapter import legacy_pip_restore, remove_all_markers

    pip += legacy_pip_restore(args.scope, dry_run=dry)
    markers = remove_all_markers(dry_run=dry)
    return {"removed": removed, "pip": pip, "uv": uv, "pip_markers_removed": markers,
            "notes": notes, "dry_run": dry}


def execute(args: Namespace) -> int:
    result = collect(args)
    removed, pip, uv = result["removed"], result["pip"], result["uv"]
    if context.json:
        emit_json({"success": True, **result,
                   "enabled": False if removed or pip or uv else None})
        return 0
    dry = result["dry_run"]
    if not removed and not pip and not uv and not result["pip_markers_removed"]:
        print(_("conda-tuna is not enabled at {scope} scope; nothing to do.").format(
            scope=scope_name(args.scope)) if args.scope else
            _("conda-tuna is not enabled anywhere; nothing to do."))
        return 0
    for item in removed:  # type: ignore[union-attr]
        text = (_("Would remove {file} ({scope} scope).") if dry
                else _("Removed {file} ({scope} scope)."))
        print(text.format(file=item["file"], scope=scope_name(str(item["scope"]))))
        if item.get("saved"):
            print(_("  You had edited it; your copy is saved as {saved}.").format(
                saved=item["saved"]))
        if item.get("old"):
            print(_("That file was written by conda-tuna 0.1 (it rewrote channel URLs to the "
                    "mirror); environments created with it still name the mirror in their "
                    "records."))
    pip_texts = (_PIP_HOW_DRY, N_("Would restore pip config {file}."),
                 _PIP_HOW, N_("pip config {file}: {how}."))
    uv_texts = (_UV_HOW_DRY, N_("Would restore uv config {file}."),
                _UV_HOW, N_("uv config {file}: {how}."))
    for items, texts in ((pip, pip_texts), (uv, uv_texts)):
        _print_restored(items, texts, dry)  # type: ignore[arg-type]
    for path in result["pip_markers_removed"]:  # type: ignore[union-attr]
        text = _("Would remove pip marker {path}.") if dry else _("Removed pip marker {path}.")
        print(text.format(path=path))
    for note in result["notes"]:  # type: ignore[union-attr]
        print(note)
    if removed and not dry:
        print(_("conda now uses your own configuration again, exactly as before `enable`."))
    return 0


def _print_restored(items: list[dict[str, object]], texts: tuple, dry: bool) -> None:
    """One line per pip/uv file disable restored (or would restore), and where a backup is."""
    dry_map, dry_default, done_map, done_default = texts
    for item in items:
        how = str(item["how"])
        text = dry_map.get(how, dry_default) if dry else done_map.get(how, done_default)
        print(_(text).format(file=item["file"], how=how))
        if item.get("backup") and not dry:
            print(_("  Its original is saved as {backup}.").format(backup=item["backup"]))
