"""The change journal (conda_tuna/base/journal.py): undo is exact whatever happened between.

Crashes are real: a child process runs the journal with $CONDA_TUNA_TEST_CRASH_AFTER=N and
dies (os._exit(137)) after its Nth durable step; another process then recovers and undoes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conda_tuna.base import journal as jr
from conda_tuna.base.errors import TunaError
from tests.support.journal_driver import (
    STRIPPERS,
    URL,
    apply,
    changes,
    restore,
    setup_user_files,
)
from tests.support.tree import difference, tree

REPO = Path(__file__).resolve().parents[3]


def test_apply_then_restore_is_exact(tmp_path):
    setup_user_files(tmp_path)
    before = tree(tmp_path)
    assert apply(tmp_path) == [True, True]
    assert (tmp_path / "cfg" / "pip.conf").is_symlink()  # the link's target was edited
    assert URL.encode() in (tmp_path / "dotfiles" / "pip.conf").read_bytes()
    assert os.stat(tmp_path / "dotfiles" / "pip.conf").st_mode & 0o777 == 0o600
    assert apply(tmp_path) == [False, False]  # again: nothing to do
    hows = {Path(r.path).name: r.how for r in restore(tmp_path)}
    assert hows == {"own.yml": "deleted", "b": "removed-dir", "a": "removed-dir",
                    "pip.conf": "restored"}
    assert difference(before, tree(tmp_path)) == []


def test_user_edits_are_kept_and_the_original_saved(tmp_path):
    setup_user_files(tmp_path)
    original = (tmp_path / "dotfiles" / "pip.conf").read_bytes()
    apply(tmp_path)
    target = tmp_path / "dotfiles" / "pip.conf"
    target.write_bytes(target.read_bytes() + b"retries = 9\r\n")
    result = {Path(r.path).name: r for r in restore(tmp_path)}["pip.conf"]
    assert result.how == "kept-edits"
    assert target.read_bytes() == original + b"retries = 9\r\n"
    assert Path(result.saved).read_bytes() == original
    assert not (tmp_path / jr.STATE_DIR).exists()


def test_deleted_backup_is_rebuilt_from_the_file(tmp_path):
    setup_user_files(tmp_path)
    before = tree(tmp_path)
    apply(tmp_path)
    for backup in (tmp_path / jr.STATE_DIR / jr.BACKUPS).iterdir():
        backup.unlink()
    restore(tmp_path)
    assert difference(before, tree(tmp_path)) == []


def test_hand_edited_own_file_is_saved_not_lost(tmp_path):
    apply(tmp_path)
    own = tmp_path / "a" / "b" / "own.yml"
    own.write_bytes(b"mine: 2\n")
    result = {Path(r.path).name: r for r in restore(tmp_path)}["own.yml"]
    assert result.how == "removed-edited" and not own.exists()
    assert Path(result.saved).read_bytes() == b"mine: 2\n"


def test_an_error_midway_is_undone_at_once(tmp_path):
    setup_user_files(tmp_path)
    (tmp_path / "blocked").mkdir()
    before = tree(tmp_path)
    with pytest.raises(OSError), jr.session(tmp_path, "enable", STRIPPERS) as journal:
        bad = [*changes(tmp_path, journal), jr.Change(tmp_path / "blocked", b"x", "pip")]
        journal.apply(bad)  # the last one is a directory
    assert difference(before, tree(tmp_path)) == []


def test_the_lock_serialises_and_times_out(tmp_path):
    holder = jr.Journal(tmp_path)
    holder.lock()
    try:
        with pytest.raises(TunaError, match="Another conda-tuna command"):
            jr.Journal(tmp_path).lock(timeout=0.2)
    finally:
        holder.unlock()
    assert not (tmp_path / jr.LOCK_NAME).exists()
    waiter_done = threading.Event()
    holder.lock()

    def wait() -> None:
        other = jr.Journal(tmp_path)
        other.lock(timeout=30)
        other.unlock()
        waiter_done.set()

    thread = threading.Thread(target=wait)
    thread.start()
    assert not waiter_done.wait(0.3)
    holder.unlock()
    thread.join(30)
    assert waiter_done.is_set()


def test_a_planted_lock_symlink_is_refused(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("keep")
    (tmp_path / jr.LOCK_NAME).symlink_to(victim)
    with pytest.raises(TunaError, match="Cannot lock"):
        jr.Journal(tmp_path).lock(timeout=0.2)
    assert victim.read_text() == "keep"


def test_damaged_journal_is_a_clear_error(tmp_path):
    (tmp_path / jr.STATE_DIR).mkdir()
    (tmp_path / jr.STATE_DIR / jr.JOURNAL_NAME).write_text("{not json")
    with pytest.raises(TunaError, match="damaged"), jr.session(tmp_path, "disable", STRIPPERS):
        pass


# --------------------------------------------------------------------------- real crashes
DRIVER = """
import sys
sys.path.insert(0, {repo!r})
from pathlib import Path
from tests.support import journal_driver as t
root = Path({root!r})
getattr(t, {what!r})(root)
"""


def run(root: Path, what: str, crash_after: int | None = None) -> int:
    env = {k: v for k, v in os.environ.items() if k != jr.CRASH_ENV}
    if crash_after is not None:
        env[jr.CRASH_ENV] = str(crash_after)
    code = DRIVER.format(repo=str(REPO), root=str(root), what=what)
    return subprocess.run([sys.executable, "-c", code], env=env, timeout=120).returncode


@pytest.mark.parametrize("then", [["restore"], ["apply", "restore"], ["status", "restore"]])
def test_a_kill_at_every_step_loses_nothing(tmp_path, then):
    """Kill apply after each durable step; whatever runs next, undo gives the start back."""
    step = 0
    while True:
        step += 1
        root = tmp_path / f"run{step}"
        root.mkdir()
        setup_user_files(root)
        before = tree(root)
        code = run(root, "apply", crash_after=step)
        if code == 0:
            break  # apply finished before step N: every step has been tried
        assert code == 137
        for what in then:
            assert run(root, what) == 0
        assert difference(before, tree(root)) == [], f"killed after step {step}"
        assert step < 50
    assert step > 6  # backups, journal, directories, files, journal again


def test_a_kill_during_restore_is_finished_by_the_next_command(tmp_path):
    step = 0
    while True:
        step += 1
        root = tmp_path / f"run{step}"
        root.mkdir()
        setup_user_files(root)
        before = tree(root)
        assert run(root, "apply") == 0
        code = run(root, "restore", crash_after=step)
        if code == 0:
            break
        assert code == 137
        assert run(root, "status") == 0  # finishes the interrupted disable
        assert difference(before, tree(root)) == [], f"killed after step {step}"
        assert step < 50


def test_concurrent_applies_then_restore(tmp_path):
    setup_user_files(tmp_path)
    before = tree(tmp_path)
    procs = [subprocess.Popen([sys.executable, "-c", DRIVER.format(
        repo=str(REPO), root=str(tmp_path), what="apply")]) for _ in range(4)]
    assert [p.wait(120) for p in procs] == [0, 0, 0, 0]
    journal = json.loads((tmp_path / jr.STATE_DIR / jr.JOURNAL_NAME).read_text())
    assert len([e for e in journal["entries"] if e["kind"] == "file"]) == 2
    restore(tmp_path)
    assert difference(before, tree(tmp_path)) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="ownership needs root (sudo -E is the case being tested)")
def test_root_with_a_users_home_keeps_the_users_owner(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    setup_user_files(home)
    for path in [home, *home.rglob("*")]:
        os.chown(path, 1000, 1000, follow_symlinks=False)
    before = tree(home)
    apply(home)
    for path in [home, *home.rglob("*")]:
        assert os.lstat(path).st_uid == 1000, path  # nothing root-owned under that HOME
    restore(home)
    assert difference(before, tree(home)) == []
