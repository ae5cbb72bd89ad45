"""Files written atomically, and the directories a write would create.

A crash or a full disk must leave either the old file or the new one, never half a file:
conda-tuna's drop-in, pip's config, backups, markers and caches all go through here.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

# architecture: pure


def atomic_write(path: Path, text: str, *, mode: int = 0o644) -> None:
    """Write `text` (UTF-8, \\n line ends) to `path` atomically; see atomic_write_bytes."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write `data` to `path` via a temp file in the same directory and a rename.

    A crash or a full disk leaves either the old file or the new one, never half a file.
    Bytes are written as given, so a restored backup keeps its own line endings.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def missing_dirs(directory: Path) -> list[Path]:
    """The directories that creating `directory` would add, outermost first."""
    missing: list[Path] = []
    current = directory
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    return list(reversed(missing))
