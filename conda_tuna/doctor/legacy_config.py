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
        print(f"{OK_MARK} No hand-written mirror settings in your conda config files.\n")
        return
    print(f"{X_MARK} Hand-written mirror settings that conda-tuna should replace:")
    for path, changes in found:
        for change in changes:
            print(f"    {path}: [{change.kind}] {change.describe()}")
    print("  Fix: `conda doctor --fix` or `conda tuna enable --migrate` (backs the file up).\n")


def doctor_fix(prefix: str, args, confirm) -> int:
    """`conda doctor --fix`: enable conda-tuna if needed, then migrate, after confirmation."""
    found = [(p, cs) for p, cs in scan() if any(c.actionable for c in cs)]
    if not found:
        print("No hand-written mirror settings found.")
        return 0
    active = active_mirror()
    target = active
    if target is None:
        host = dominant_host([c for _, cs in found for c in cs], mirror_hosts())
        target = mirror_for_host(host) if host else None
    files = ", ".join(str(p) for p, _ in found)
    action = "" if active else (
        f" and enable conda-tuna with {target.name} ({target.root})" if target else "")
    confirm(f"Back up and rewrite {files}{action}?")
    if active is None and target is not None:
        enable_mirror(target)
    done = [r for r in (rewrite(p, mirror_hosts() | ({target.host} if target else set()))
                        for p, _ in found) if r]
    print_migrated(done)
    return 0
