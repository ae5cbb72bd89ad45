"""A snapshot of a directory tree that `disable` must restore exactly: every file's bytes,
every entry's mode and owner, every symlink's target, and which directories exist."""

from __future__ import annotations

import os
from pathlib import Path


def tree(root: Path) -> dict[str, tuple]:
    """relative path -> (kind, content or link target, mode, uid, gid)."""
    found: dict[str, tuple] = {}
    for current, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(current) / name
            info = os.lstat(path)
            rel = str(path.relative_to(root))
            if path.is_symlink():
                found[rel] = ("link", os.readlink(path), None, info.st_uid, info.st_gid)
            elif path.is_dir():
                found[rel] = ("dir", None, info.st_mode & 0o7777, info.st_uid, info.st_gid)
            else:
                found[rel] = ("file", path.read_bytes(), info.st_mode & 0o7777, info.st_uid,
                              info.st_gid)
    return found


def difference(before: dict[str, tuple], after: dict[str, tuple]) -> list[str]:
    """What differs, one line per path (empty when the trees are identical)."""
    lines = [f"gone: {p}" for p in sorted(set(before) - set(after))]
    lines += [f"new: {p} {after[p][0]}" for p in sorted(set(after) - set(before))]
    lines += [f"changed: {p}: {before[p][0]} {before[p][2:]} -> {after[p][0]} {after[p][2:]}"
              for p in sorted(set(before) & set(after)) if before[p] != after[p]]
    return lines
