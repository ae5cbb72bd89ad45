"""`conda tuna enable`: write conda-tuna's drop-in so conda fetches from the mirror.

What it prints leads with what a user asks first -- where will my packages come from: the
mirror (name and URL, and how it was chosen), the scope in plain words, the file, and one
line per channel saying where its requests go. The file's contents only with --show-file,
at the end under a heading (it is conda configuration, for the curious).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from conda.base.context import context

from ..config import dropin
from ..config.adapter import (
    CHOSEN_AUTO,
    CHOSEN_MIRROR,
    CHOSEN_URL,
    build,
    drop_in_change,
    journal_session,
)
from ..i18n import _
from .output import channel_lines, emit_json, scope_words, shown_path

if TYPE_CHECKING:
    from argparse import Namespace

    from ..mirrors.catalog import Mirror


# --------------------------------------------------------------------------- words
def mirror_words(mirror: Mirror, chosen_by: str, why: str) -> str:
    """'tuna (Tsinghua University TUNA), https://..., the default mirror; ...'."""
    if chosen_by == CHOSEN_AUTO:
        how = _("chosen by --mirror auto: {reason}").format(reason=why)
    elif chosen_by == CHOSEN_MIRROR:
        how = _("chosen with --mirror")
    elif chosen_by == CHOSEN_URL:
        how = _("given with --url")
    else:
        how = _("the default mirror; `conda tuna mirrors` lists the others")
    return _("{name} ({title}), {url}, {how}").format(name=mirror.name, title=mirror.title,
                                                      url=mirror.root, how=how)


def print_summary(headline: str, plan: dict[str, object], args: Namespace,
                  file_state: str) -> None:
    """The summary every run starts with: mirror, scope, file, and where channels go."""
    mirror: Mirror = plan["mirror"]  # type: ignore[assignment]
    path: Path = plan["path"]  # type: ignore[assignment]
    print(headline)
    print(_("  Mirror:  {mirror}").format(mirror=mirror_words(
        mirror, str(plan["chosen_by"]), str(plan["why"]))))
    print(_("  Scope:   {scope}").format(scope=scope_words(args.scope, path)))
    print(_("  File:    {path} ({state})").format(path=path, state=file_state))
    print(_("Where each channel's requests go (conda keeps recording the channel's own "
            "URL):"))
    for line in channel_lines(plan["routes"]):  # type: ignore[arg-type]
        print(line)
    for note in plan["notes"]:  # type: ignore[union-attr]
        print(note)


def print_file(path: Path, text: str) -> None:
    """The file's contents, under a heading (only with --show-file)."""
    print()
    print(_("Contents of {path}:").format(path=path))
    print(text.rstrip("\n"))


# --------------------------------------------------------------------------- writing
def _write(args: Namespace, plan: dict[str, object],
           mirror: Mirror) -> tuple[bool, dict[str, object]]:
    """Write the drop-in (and pip's config with --pip) in one journaled change set.

    Everything is decided before the first write (an --pip that would have no effect stops
    here with nothing written); the change journal (base/journal.py) makes the writes
    survive a kill at any point and serialises concurrent runs.
    """
    path = plan["path"]
    dropin.check_writable(path.parent)  # type: ignore[union-attr]
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


def _mirror_json(plan: dict[str, object]) -> dict[str, object]:
    mirror: Mirror = plan["mirror"]  # type: ignore[assignment]
    return {"name": mirror.name, "url": mirror.root, "why": plan["why"],
            "chosen_by": plan["chosen_by"]}


def _dry_run(args: Namespace, plan: dict[str, object]) -> int:
    mirror: Mirror = plan["mirror"]  # type: ignore[assignment]
    path: Path = plan["path"]  # type: ignore[assignment]
    text = dropin.render(plan["settings"], plan["meta"])  # type: ignore[arg-type]
    if context.json:
        emit_json({"success": True, "dry_run": True, "file": str(path), "scope": args.scope,
                   "mirror": _mirror_json(plan), "content": text,
                   "channels": [r.to_json() for r in plan["routes"]],  # type: ignore[attr-defined]
                   "added_channels": plan["added_channels"], "notes": plan["notes"],
                   "conflicts": plan["conflicts"], "replaced_old": plan["replaced_old"]})
        return 0
    print_summary(_("Dry run, nothing was written: `conda tuna enable` would send conda's "
                    "requests through mirror {name}.").format(name=mirror.name),
                  plan, args, _("would be written"))
    if args.show_file:
        print_file(path, text)
    else:
        print(_("See what the file would contain with --show-file."))
    return 0


def execute(args: Namespace) -> int:
    plan = build(args)
    mirror: Mirror = plan["mirror"]  # type: ignore[assignment]
    path: Path = plan["path"]  # type: ignore[assignment]
    if context.dry_run:
        return _dry_run(args, plan)
    changed, extra = _write(args, plan, mirror)
    if args.migrate:
        from ..config.adapter import migrate

        extra["migrated"] = migrate(mirror, report=False)
    if context.json:
        emit_json({"success": True, "changed": changed, "file": str(path), "scope": args.scope,
                   "mirror": _mirror_json(plan),
                   "channels": [r.to_json() for r in plan["routes"]],  # type: ignore[attr-defined]
                   "added_channels": plan["added_channels"], "notes": plan["notes"],
                   "conflicts": plan["conflicts"], "replaced_old": plan["replaced_old"],
                   **extra})
        return 0
    if changed:
        headline = _("conda-tuna is enabled: conda's requests now go through mirror "
                     "{name}.").format(name=mirror.name)
    else:
        headline = _("conda-tuna was already enabled this way (nothing changed): conda's "
                     "requests go through mirror {name}.").format(name=mirror.name)
    print_summary(headline, plan, args, _("written") if changed else _("unchanged"))
    pip = extra.get("pip")
    if isinstance(pip, dict):
        print(_("pip uses the mirror's PyPI index {index} (set in {file}).").format(
            index=pip["index_url"], file=shown_path(Path(str(pip["file"])))))
    if args.migrate:
        from ..config.adapter import print_migrated

        print_migrated(extra["migrated"])  # type: ignore[arg-type]
    for note in extra.get("recovered", []):  # type: ignore[union-attr]
        print(note)
    print(_("Undo with `conda tuna disable`; `conda tuna status` shows where channels go at "
            "any time."))
    if args.show_file:
        print_file(path, path.read_text(encoding="utf-8"))
    return 0
