"""`conda doctor` check "tuna-legacy-config": hand-written mirror settings, and their fix.

Thin adapter: the patterns are ``config/legacy.py``, finding and rewriting the user's files
is ``config/adapter.py``; this module prints conda doctor's marks and asks before fixing.
"""

from __future__ import annotations

from ..config.adapter import (
    enable_mirror,
    mirror_for_host,
    mirror_hosts,
    print_migrated,
    rewrite,
    scan,
)
from ..config.legacy import dominant_host
from ..i18n import _
from ..mirrors.adapter import active_mirror
from .marks import OK_MARK, X_MARK


def doctor_check(prefix: str, verbose: bool) -> None:
    """`conda doctor`: report each hand-written mirror setting, with the file it is in."""
    found = scan()
    notes = [(p, c) for p, cs in found for c in cs if not c.actionable]
    found = [(p, [c for c in cs if c.actionable]) for p, cs in found]
    found = [(p, cs) for p, cs in found if cs]
    for path, change in notes:
        print(f"    {path}: [{change.kind}] {change.describe()}")
    if not found:
        print(_("{mark} No hand-written mirror settings in your conda config files.").format(
            mark=OK_MARK) + "\n")
        return
    print(_("{mark} Hand-written mirror settings that conda-tuna should replace:").format(
        mark=X_MARK))
    for path, changes in found:
        for change in changes:
            print(f"    {path}: [{change.kind}] {change.describe()}")
    print(_("  Fix: `conda doctor --fix` or `conda tuna enable --migrate` (backs the file up).")
          + "\n")


def doctor_fix(prefix: str, args, confirm) -> int:
    """`conda doctor --fix`: enable conda-tuna if needed, then migrate, after confirmation."""
    found = [(p, cs) for p, cs in scan() if any(c.actionable for c in cs)]
    if not found:
        print(_("No hand-written mirror settings found."))
        return 0
    active = active_mirror()
    target = active
    if target is None:
        host = dominant_host([c for _, cs in found for c in cs], mirror_hosts())
        target = mirror_for_host(host) if host else None
    files = ", ".join(str(p) for p, _ in found)
    if active is None and target is not None:
        question = _("Back up and rewrite {files} and enable conda-tuna with {name} "
                     "({root})?").format(files=files, name=target.name, root=target.root)
    else:
        question = _("Back up and rewrite {files}?").format(files=files)
    confirm(question)
    if active is None and target is not None:
        enable_mirror(target)
    done = [r for r in (rewrite(p, mirror_hosts() | ({target.host} if target else set()))
                        for p, _ in found) if r]
    print_migrated(done)
    return 0
