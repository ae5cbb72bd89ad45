"""Files written atomically, with their owner kept, and the directories a write would create.

A crash or a full disk must leave either the old file or the new one, never half a file:
conda-tuna's drop-in, pip's config, backups, markers and caches all go through here.

Owners: run as root with another user's HOME (``sudo -E conda tuna enable``), a file that
conda-tuna rewrites keeps its owner, and a file or directory it creates gets the owner of
the directory it is created in, so nothing under that HOME becomes root's. As another user
nothing is chowned (only root may).
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from pathlib import Path

# architecture: pure

Owner = tuple[int, int]
TEMP_SUFFIX = ".tmp"


def temp_prefix(path: Path) -> str:
    """The name prefix of :func:`atomic_write_bytes`'s temp files for `path` (for cleanup)."""
    return f".{path.name}."


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def owner_of(path: Path) -> Owner | None:
    """(uid, gid) of `path` itself (not a link's target), None when it does not exist."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return info.st_uid, info.st_gid


def owner_for_new(path: Path) -> Owner | None:
    """The owner a new file or directory at `path` should get: its nearest existing parent's,
    when running as root (None otherwise: the process's own, as usual)."""
    if not running_as_root():
        return None
    parent = Path(path).parent
    while parent != parent.parent and owner_of(parent) is None:
        parent = parent.parent
    return owner_of(parent)


def chown(path: Path | str | int, owner: Owner | None) -> None:
    """Give `path` (or an open fd) to `owner`; a no-op without an owner, on Windows, or
    when the process may not (only root changes owners)."""
    if owner is None or not hasattr(os, "chown"):
        return
    with contextlib.suppress(PermissionError):
        if isinstance(path, int):
            os.fchown(path, *owner)
        else:
            os.chown(path, *owner, follow_symlinks=False)


def fsync_dir(directory: Path) -> None:
    """Make a rename or unlink in `directory` durable (no-op where directories cannot be
    opened, e.g. Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, text: str, *, mode: int = 0o644,
                 owner: Owner | None = None) -> None:
    """Write `text` (UTF-8, \\n line ends) to `path` atomically; see atomic_write_bytes."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode, owner=owner)


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o644,
                       owner: Owner | None = None) -> None:
    """Write `data` to `path` via a temp file in the same directory and a rename.

    A crash or a full disk leaves either the old file or the new one, never half a file (a
    killed process may leave the temp file, named ``.<name>.*.tmp``, which callers that
    keep a journal clean up). Bytes are written as given, so a restored backup keeps its
    own line endings. `owner`: see the module docstring; None keeps the process's own.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path), suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, stat.S_IMODE(mode))
        chown(tmp, owner)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def missing_dirs(directory: Path) -> list[Path]:
    """The directories that creating `directory` would add, outermost first."""
    missing: list[Path] = []
    current = Path(directory)
    while not current.exists() and not current.is_symlink():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    return list(reversed(missing))


def make_dir(directory: Path, owner: Owner | None = None) -> None:
    """Create one directory (its parent exists) owned by `owner`; see the module docstring."""
    os.mkdir(directory, 0o755)
    chown(directory, owner if owner is not None else owner_for_new(directory))
    fsync_dir(Path(directory).parent)


def stale_temp_files(path: Path) -> list[Path]:
    """Temp files :func:`atomic_write_bytes` left next to `path` when it was killed."""
    try:
        names = os.listdir(Path(path).parent)
    except OSError:
        return []
    pattern = re.compile(re.escape(temp_prefix(Path(path))) + r"[a-z0-9_]{8}"
                         + re.escape(TEMP_SUFFIX) + "$")  # mkstemp's names, nothing else
    return [Path(path).parent / n for n in names if pattern.match(n)]
