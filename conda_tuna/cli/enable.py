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

    from ..base.journal import Change, Journal
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
        print(text.format(url=pip["index_url"], file=shown_path(Path(str(pip["file"])))))
    if not isinstance(uv, dict):
        return
    if uv.get("file"):
        text = _("uv would use {url} (uv config: {file}).") if dry_run else \
            _("uv now uses {url} (uv config: {file}).")
        print(text.format(url=uv["index_url"], file=shown_path(Path(str(uv["file"])))))
        if uv.get("replaced"):
            print(_("  Your index-url {old} stays in that file, commented out; `conda tuna "
                    "disable` puts it back.").format(old=uv["replaced"]))
    elif uv.get("note"):
        print(uv["note"])


def _print_pypi_files(pypi: dict[str, object]) -> None:
    """--pip --dry-run --show-file: pip's and uv's files as they would be written."""
    for key in ("pip", "uv"):
        item = pypi.get(key)
        if isinstance(item, dict) and item.get("content") is not None:
            print()
            print(_("Contents of {path}:").format(path=item["file"]))
            print(item["content"], end="" if str(item["content"]).endswith("\n") else "\n")
def _mirror_json(plan: dict[str, object]) -> dict[str, object]:
    mirror: Mirror = plan["mirror"]  # type: ignore[assignment]
    return {"name": mirror.name, "url": mirror.root, "why": plan["why"],
            "chosen_by": plan["chosen_by"]}


def _dry_run(args: Namespace, plan: dict[str, object]) -> int:
    mirror: Mirror = plan["mirror"]  # type: ignore[assignment]
    path: Path = plan["path"]  # type: ignore[assignment]
    text = dropin.render(plan["settings"], plan["meta"])  # type: ignore[arg-type]
    pypi = _dry_run_pypi(args, mirror)
    if context.json:
        emit_json({"success": True, "dry_run": True, "file": str(path), "scope": args.scope,
                   "mirror": _mirror_json(plan), "content": text,
                   "channels": [r.to_json() for r in plan["routes"]],  # type: ignore[attr-defined]
                   "added_channels": plan["added_channels"], "notes": plan["notes"],
                   "conflicts": plan["conflicts"], "replaced_old": plan["replaced_old"],
                   **pypi})
        return 0
    print_summary(_("Dry run, nothing was written: `conda tuna enable` would send conda's "
                    "requests through mirror {name}.").format(name=mirror.name),
                  plan, args, _("would be written"))
    _print_pypi(pypi, dry_run=True)
    if args.show_file:
        print_file(path, text)
        _print_pypi_files(pypi)
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
    if args.migrate:
        from ..config.adapter import print_migrated

        print_migrated(extra["migrated"])  # type: ignore[arg-type]
    for note in extra.get("recovered", []):  # type: ignore[union-attr]
        print(note)
    _print_pypi(extra, dry_run=False)
    print(_("Undo with `conda tuna disable`; `conda tuna status` shows where channels go at "
            "any time."))
    if args.show_file:
        print_file(path, path.read_text(encoding="utf-8"))
    return 0
