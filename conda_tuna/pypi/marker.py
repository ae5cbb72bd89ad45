"""The PEP 668 ``EXTERNALLY-MANAGED`` marker that makes a bare ``pip install`` refuse.

Under ``plugins.tuna_pip_policy: strict`` conda-tuna puts the marker into the standard
library directory of environments conda creates or updates (``lib/pythonX.Y/`` on Unix,
``Lib/`` on Windows: where pip looks, ``sysconfig.get_path("stdlib")``). pip then refuses
with our message, which points at ``conda tuna pip install`` (that command passes
``--break-system-packages`` itself, after its own checks).

A marker is conda-tuna's only when it carries :data:`TAG`; a marker written by anyone else
(a distribution's Python, an admin) is never overwritten nor removed.

Pure Python, no conda import.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ..base.files import atomic_write, owner_for_new, stale_temp_files

# architecture: pure

FILE_NAME = "EXTERNALLY-MANAGED"
TAG = "# conda-tuna-marker: written by conda-tuna (plugins.tuna_pip_policy: strict)"
TEXT = f"""{TAG}
# `conda tuna disable` or relaxing the policy removes this file.
[externally-managed]
Error=This conda environment is managed by conda (plugins.tuna_pip_policy is strict).
 Install what conda channels provide with conda first:
     conda install PACKAGE
 and the rest with conda-tuna's guarded pip, which checks that pip does not replace conda
 packages and records what it installs:
     conda tuna pip install PACKAGE
 To allow bare pip again: conda config --set plugins.tuna_pip_policy warn
"""


def stdlib_dirs(prefix: Path) -> list[Path]:
    """The environment's standard-library directories (where pip reads the marker)."""
    prefix = Path(prefix)
    if os.name == "nt":
        lib = prefix / "Lib"
        return [lib] if (lib / "os.py").exists() else []
    try:
        entries = sorted(os.listdir(prefix / "lib"))
    except OSError:
        return []
    return [prefix / "lib" / e for e in entries
            if e.startswith("python") and (prefix / "lib" / e / "os.py").exists()]


def is_ours(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.readline().rstrip("\r\n") == TAG
    except OSError:
        return False


def markers(prefix: Path) -> list[tuple[Path, bool]]:
    """(marker path, written by conda-tuna) for every marker present."""
    found = []
    for directory in stdlib_dirs(prefix):
        path = directory / FILE_NAME
        if path.is_file():
            found.append((path, is_ours(path)))
    return found


def ensure(prefix: Path) -> list[Path]:
    """Add our marker where there is none; returns the files written (never replaces one)."""
    written = []
    for directory in stdlib_dirs(prefix):
        path = directory / FILE_NAME
        if directory.is_symlink() or path.exists() or path.is_symlink():
            continue  # never write through a link into another installation's stdlib
        for stale in stale_temp_files(path):  # left by a killed earlier write
            with contextlib.suppress(OSError):
                stale.unlink()
        try:  # as root in a user's environment, the marker is the user's (base/files.py)
            atomic_write(path, TEXT, owner=owner_for_new(path))
        except OSError:
            continue  # a read-only installation: nothing we may change
        written.append(path)
    return written


def remove(prefix: Path) -> list[Path]:
    """Remove conda-tuna's markers (only ours); returns the files removed."""
    removed = []
    for path, ours in markers(prefix):
        if ours:
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def ours_present(prefix: Path) -> bool:
    """True when conda-tuna's marker is there (then its guarded pip may pass it by)."""
    return any(ours for _, ours in markers(prefix))
