"""What tests/unit/base/test_journal.py runs in child processes (that it can kill): a small
change set through the change journal, its undo, and a `status`-like recovery."""

from __future__ import annotations

import os
from pathlib import Path

from conda_tuna.base import journal as jr
from conda_tuna.pypi.pipconf import edit, strip_bytes

STRIPPERS = {"whole": None, "pipconf": strip_bytes}
URL = "https://m.example/pypi/web/simple"


def changes(root: Path, journal: jr.Journal) -> list[jr.Change]:
    """A drop-in in directories that do not exist yet, and pip's config edited in place."""
    pip = root / "cfg" / "pip.conf"
    current = pip.read_bytes() if pip.exists() else None
    new = edit(current, URL, ours=journal.entry(pip) is not None)
    return [jr.Change(root / "a" / "b" / "own.yml", b"mine: 1\n", "dropin"),
            jr.Change(pip, new, "pip", strip="pipconf")]


def setup_user_files(root: Path) -> None:
    (root / "cfg").mkdir(parents=True)
    real = root / "dotfiles" / "pip.conf"
    real.parent.mkdir()
    real.write_bytes(b"# mine\r\n[global]\r\ntimeout = 5\r\nindex-url = https://corp\r\n")
    os.chmod(real, 0o600)
    (root / "cfg" / "pip.conf").symlink_to(real)  # a dotfile manager's link


def apply(root: Path) -> list[bool]:
    with jr.session(root, "enable", STRIPPERS) as journal:
        return journal.apply(changes(root, journal))


def restore(root: Path) -> list[jr.Restored]:
    with jr.session(root, "disable", STRIPPERS) as journal:
        return journal.restore(STRIPPERS)


def status(root: Path) -> None:
    """What `conda tuna status` does: take the lock and finish a pending operation."""
    with jr.session(root, "status", STRIPPERS):
        pass
