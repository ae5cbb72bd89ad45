"""The change journal: every file conda-tuna changes at a scope is recorded before it changes.

Why: `enable` changes several files (its drop-in, pip's config, the directories they need).
A kill at any point, two commands at once or a user's later edit must never lose a file nor
leave a change that nothing records. So each change is written here *before* it is made,
with what is needed to undo it, and one lock serialises every change at a scope.

Where (the scope root is $HOME for the user scope, the base installation for system, the
environment's prefix for env)::

    <root>/.conda-tuna/journal.json      the entries and the pending operation (mode 0600)
    <root>/.conda-tuna/backups/<sha256>  the original bytes of each file conda-tuna changed
    <root>/.conda-tuna.lock              exists only while a command holds the lock

The state directory is removed when its journal becomes empty (after `disable`).

A file entry records: the path written (a symlink's target: the link itself is never
replaced by a copy), the link and its target, whether the file existed, the digest of its
original bytes and the backup holding them, its mode and owner, and the digests of what
conda-tuna wrote. A directory entry records that conda-tuna created that directory.

One change set (:meth:`Journal.apply`): lock; recover; back up originals; write the journal
with the new entries and the pending operation (which carries the new bytes); create the
directories; write each file atomically (owner and mode kept); write the journal without the
pending operation; unlock. Each step is durable (fsync'ed) before the next starts.

Recovery rule (:meth:`Journal.recover`, run by `enable`, `disable` and `status` once they
hold the lock): an operation left pending by a killed process is *finished*. A pending
enable's files get the bytes recorded in the journal (a file someone changed since is left
alone and reported); a pending disable is completed. `disable` does not finish a pending
enable: it undoes everything, that enable included. Stray temp files and unreferenced
backups are deleted. An operation that fails with an error (rather than a kill) is undone
before the error reaches the user.

Undo (:meth:`Journal.restore`), entries in reverse order: a file nobody changed since
conda-tuna wrote it gets its original bytes, mode and owner back (or is deleted when it did
not exist); a file the user edited since keeps their edits, only conda-tuna's part is taken
out (by the feature's strip function) and the original is saved next to it; a directory
conda-tuna created is removed when empty.

Test seam: with ``$CONDA_TUNA_TEST_CRASH_AFTER=N`` the process exits at once with status 137
(``os._exit``, like ``kill -9``) right after its Nth durable step, so that tests can stop a
command at every step and check what the next command makes of it.

Pure: no conda import. Features hand in :class:`Change` objects; the conda side (which
scope root, which strip functions) is ``config/adapter.py``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..i18n import _
from .errors import TunaError
from .files import (
    Owner,
    atomic_write_bytes,
    chown,
    fsync_dir,
    make_dir,
    missing_dirs,
    owner_for_new,
    owner_of,
    stale_temp_files,
)

# architecture: pure

CRASH_ENV = "CONDA_TUNA_TEST_CRASH_AFTER"
STATE_DIR = ".conda-tuna"
LOCK_NAME = ".conda-tuna.lock"
JOURNAL_NAME = "journal.json"
BACKUPS = "backups"
FORMAT = 1
EDITED_SUFFIX = ".conda-tuna-edited"
ORIGINAL_SUFFIX = ".conda-tuna-backup"
#: how many digests of earlier conda-tuna writes an entry remembers as "ours"
_WRITTEN_KEPT = 8

Stripper = Callable[[bytes], bytes]
_steps = 0


def durable_step() -> None:
    """Count one durable step; the test seam stops the process after the Nth (see above)."""
    global _steps
    _steps += 1
    limit = os.environ.get(CRASH_ENV, "")
    if limit.isdigit() and _steps == int(limit):
        os._exit(137)


def digest(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def read_bytes(path: Path) -> bytes | None:
    """The bytes at `path` (following links), None when nothing is there."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, NotADirectoryError):
        return None


def real_path(path: Path) -> Path:
    """Where a write to `path` really lands: symlinks resolved, so a link stays a link."""
    return Path(os.path.realpath(os.path.abspath(path)))


@dataclass(frozen=True)
class Change:
    """One file a feature wants written: its bytes and how its part can be taken out again.

    `strip` names the function that removes conda-tuna's part from a file the user edited
    ("whole": the file is entirely conda-tuna's). `own_file`: whatever is at `path` now was
    written by an earlier conda-tuna (no journal then), so undoing means deleting it, not
    restoring it; `legacy_dirs` are the directories that earlier version created for it.
    """

    path: Path
    data: bytes
    feature: str
    strip: str = "whole"
    own_file: bool = False
    mode: int = 0o644
    legacy_dirs: tuple[str, ...] = ()


@dataclass
class Entry:
    """What conda-tuna changed at one path, and how to put it back."""

    path: str
    kind: str = "file"  # file | dir
    feature: str = ""
    existed: bool = False
    original_sha256: str | None = None
    backup: str | None = None
    mode: int | None = None
    uid: int | None = None
    gid: int | None = None
    link: str | None = None
    link_target: str | None = None
    written: list[str] = field(default_factory=list)
    strip: str = "whole"

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Entry:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)  # type: ignore[arg-type]


@dataclass
class Restored:
    """What `disable` did with one entry. `how`: restored, deleted, unchanged, kept-edits,
    removed-edited, kept-dir, removed-dir, lost (nothing left to restore from)."""

    path: str
    feature: str
    how: str
    saved: str | None = None
    link: str | None = None
    note: str | None = None

    def to_json(self) -> dict[str, object]:
        return asdict(self)


class Journal:
    """The journal at one scope root; use it through :func:`session`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.state = self.root / STATE_DIR
        self.file = self.state / JOURNAL_NAME
        self.lock_file = self.root / LOCK_NAME
        self.entries: list[Entry] = []
        self.pending: dict[str, object] | None = None
        self.notes: list[str] = []
        self._lock_fd: int | None = None

    # ------------------------------------------------------------------- lock
    def lock(self, timeout: float = 120.0) -> None:
        """Take the scope's lock (waiting for another conda-tuna command up to `timeout`)."""
        deadline = time.monotonic() + timeout
        while True:
            fd = self._open_lock_file()
            if _try_lock(fd):
                if self._still_the_lock_file(fd):
                    self._lock_fd = fd
                    return
                os.close(fd)  # the holder removed it while we waited: take the new one
                continue
            os.close(fd)
            if time.monotonic() > deadline:
                raise TunaError(
                    _("Another conda-tuna command is changing files at {root}.").format(
                        root=self.root),
                    hint=_("Wait for it to finish and run the command again (if no "
                           "conda-tuna command is running, delete {lock}).").format(
                               lock=self.lock_file))
            time.sleep(0.05)

    def _open_lock_file(self) -> int:
        """The lock file, never through a symlink planted at its name."""
        flags = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            try:
                fd = os.open(self.lock_file, flags | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return os.open(self.lock_file, flags)
        except OSError as exc:
            raise TunaError(
                _("Cannot lock {path}: {reason}.").format(path=self.lock_file,
                                                          reason=exc.strerror or exc),
                hint=_("Run as the owner of {root} (for --scope system, the owner of the conda "
                       "installation), or choose `--scope user`.").format(root=self.root),
            ) from exc
        chown(fd, owner_for_new(self.lock_file))
        return fd

    def _still_the_lock_file(self, fd: int) -> bool:
        try:
            on_disk = os.stat(self.lock_file, follow_symlinks=False)
        except FileNotFoundError:
            return False
        held = os.fstat(fd)
        return (on_disk.st_dev, on_disk.st_ino) == (held.st_dev, held.st_ino)

    def unlock(self) -> None:
        """Release the lock; the lock file goes too (the next holder makes a new one)."""
        if self._lock_fd is None:
            return
        fd, self._lock_fd = self._lock_fd, None
        if os.name != "nt":
            with contextlib.suppress(OSError):
                os.unlink(self.lock_file)
        _unlock(fd)
        os.close(fd)
        if os.name == "nt":
            with contextlib.suppress(OSError):
                os.unlink(self.lock_file)

    # ------------------------------------------------------------------- state
    def load(self) -> None:
        """Read the journal; a damaged one is an error that says what to do."""
        data = read_bytes(self.file)
        if data is None:
            self.entries, self.pending = [], None
            return
        try:
            parsed = json.loads(data.decode("utf-8"))
            self.entries = [Entry.from_json(e) for e in parsed.get("entries", [])]
            pending = parsed.get("pending")
            self.pending = pending if isinstance(pending, dict) else None
        except (ValueError, TypeError, AttributeError) as exc:
            raise TunaError(
                _("conda-tuna's change journal {path} is damaged ({error}).").format(
                    path=self.file, error=exc),
                hint=_("Its backups are in {backups}; move the journal aside to start "
                       "afresh (nothing else reads it).").format(
                           backups=self.state / BACKUPS)) from exc

    def _save(self) -> None:
        """Write the journal durably; an empty journal is removed, with its directory."""
        if not self.entries and self.pending is None:
            if self.file.exists():
                os.unlink(self.file)
                fsync_dir(self.state)
                durable_step()
            self._remove_state_dir()
            return
        self._ensure_dir(self.state)
        payload = {"format": FORMAT, "entries": [asdict(e) for e in self.entries],
                   "pending": self.pending}
        atomic_write_bytes(self.file, json.dumps(payload, indent=1).encode("utf-8"), 0o600,
                           owner_for_new(self.file))
        durable_step()

    def _ensure_dir(self, directory: Path) -> None:
        if not directory.is_dir():
            make_dir(directory)
            durable_step()

    def _remove_state_dir(self) -> None:
        for directory in (self.state / BACKUPS, self.state):
            if directory.is_dir():
                with contextlib.suppress(OSError):  # not empty: kept
                    os.rmdir(directory)
                    fsync_dir(directory.parent)
                    durable_step()

    def entry(self, path: Path) -> Entry | None:
        """The file entry for `path` (resolved like a write to it)."""
        real = str(real_path(path))
        return next((e for e in self.entries if e.kind == "file" and e.path == real), None)

    # ------------------------------------------------------------------- recovery
    def recover(self, op: str, strippers: dict[str, Stripper | None]) -> list[str]:
        """Finish what a killed command left (see the module docstring); returns notes."""
        self._clean_temp_files()
        self._clean_orphan_backups()
        notes: list[str] = []
        pending = self.pending or {}
        if pending.get("op") == "enable" and op != "disable":
            notes += self._redo(pending)
            notes.append(_("Finished a `conda tuna enable` that was interrupted."))
        elif pending.get("op") == "disable":
            self.restore(strippers)
            notes.append(_("Finished a `conda tuna disable` that was interrupted."))
        elif not self.entries and self.pending is None:
            self._remove_state_dir()
        self.notes += notes
        return notes

    def _clean_temp_files(self) -> None:
        paths = [self.file, *(Path(e.path) for e in self.entries)]
        paths += [Path(str(w.get("path"))) for w in self._pending_writes()]
        backups = self.state / BACKUPS
        with contextlib.suppress(OSError):
            paths += [backups / name for name in os.listdir(backups)]
        for path in dict.fromkeys(paths):
            for temp in stale_temp_files(path):
                with contextlib.suppress(OSError):
                    os.unlink(temp)

    def _clean_orphan_backups(self) -> None:
        backups = self.state / BACKUPS
        used = {e.backup for e in self.entries if e.backup}
        try:
            names = os.listdir(backups)
        except OSError:
            return
        for name in names:
            if name not in used and not name.startswith("."):
                with contextlib.suppress(OSError):
                    os.unlink(backups / name)

    def _pending_writes(self) -> list[dict[str, object]]:
        writes = (self.pending or {}).get("writes") or []
        return [w for w in writes if isinstance(w, dict)]  # type: ignore[union-attr]

    def _redo(self, pending: dict[str, object]) -> list[str]:
        notes: list[str] = []
        for directory in pending.get("dirs") or []:  # type: ignore[union-attr]
            if not Path(str(directory)).exists():
                make_dir(Path(str(directory)))
                durable_step()
        for write in self._pending_writes():
            path = Path(str(write["path"]))
            current = digest(read_bytes(path))
            if current == write.get("sha256"):
                continue
            if current != write.get("before"):
                notes.append(_("{path} changed after an interrupted `conda tuna enable`; "
                               "left as it is.").format(path=path))
                continue
            data = base64.b64decode(str(write["data"]))
            atomic_write_bytes(path, data, int(write.get("mode") or 0o644),  # type: ignore[arg-type]
                               _owner(write.get("owner")))
            durable_step()
        self.pending = None
        self._save()
        return notes

    # ------------------------------------------------------------------- apply
    def apply(self, changes: list[Change]) -> list[bool]:
        """Make `changes`, journaled first (see the module docstring); which ones changed."""
        kept = list(self.entries)
        try:
            plan = [self._plan(change) for change in changes]
        except BaseException:  # e.g. a path that cannot be read: forget the backups made
            self.entries = kept
            with contextlib.suppress(OSError):
                self._clean_orphan_backups()
                self._save()
            raise
        if not any(step["write"] or step["new_entries"] for step in plan):
            return [False for _ in plan]
        created = [e for step in plan for e in step["new_entries"]]  # type: ignore[union-attr]
        old_written = {id(e): list(e.written) for e in self.entries}
        dirs: list[str] = list(dict.fromkeys(d for step in plan for d in step["dirs"]))  # type: ignore[union-attr]
        writes = [step for step in plan if step["write"]]
        for step in plan:  # what conda-tuna writes (or finds already written) counts as ours
            entry: Entry = step["entry"]  # type: ignore[assignment]
            if step["sha256"] not in entry.written:
                entry.written = [*entry.written, str(step["sha256"])][-_WRITTEN_KEPT:]
        self.pending = {"op": "enable", "pid": os.getpid(), "dirs": dirs,
                        "writes": [_pending_write(step) for step in writes]}
        done: list[tuple[Path, bytes | None, int, Owner | None]] = []
        try:
            self._save()
            for directory in dirs:
                if not Path(directory).exists():
                    make_dir(Path(directory))
                    durable_step()
            for step in writes:
                path = Path(str(step["real"]))
                done.append((path, step["before_bytes"], step["before_mode"],  # type: ignore[arg-type]
                             step["owner"]))  # type: ignore[arg-type]
                atomic_write_bytes(path, step["data"], step["mode"], step["owner"])  # type: ignore[arg-type]
                durable_step()
            self.pending = None
            self._save()
        except BaseException:
            self._undo(done, dirs, created, old_written)
            raise
        return [bool(step["write"]) for step in plan]

    def _plan(self, change: Change) -> dict[str, object]:
        """What one change needs: its entry (new or existing), directories, the write."""
        real = real_path(change.path)
        current = read_bytes(real)
        entry = self.entry(real)
        new_entries: list[Entry] = []
        dirs = [str(d) for d in missing_dirs(real.parent)]
        if entry is None:
            for legacy in (str(real_path(Path(d))) for d in change.legacy_dirs):
                if Path(legacy).is_dir() and not self._has_dir(legacy):
                    new_entries.append(Entry(legacy, kind="dir", feature=change.feature))
            new_entries += [Entry(d, kind="dir", feature=change.feature) for d in dirs
                            if not self._has_dir(d)]
            entry = self._new_entry(real, change, current)
            new_entries.append(entry)
            self.entries += new_entries
        else:
            for d in dirs:
                if not self._has_dir(d):
                    dir_entry = Entry(d, kind="dir", feature=change.feature)
                    self.entries.insert(self.entries.index(entry), dir_entry)
                    new_entries.append(dir_entry)
        info = _stat(real)
        mode = stat.S_IMODE(info.st_mode) if info else change.mode
        owner = (info.st_uid, info.st_gid) if info else owner_for_new(real)
        return {"real": str(real), "entry": entry, "new_entries": new_entries, "dirs": dirs,
                "write": current != change.data, "data": change.data,
                "sha256": digest(change.data), "before": digest(current),
                "before_bytes": current, "before_mode": mode, "mode": mode, "owner": owner}

    def _has_dir(self, path: str) -> bool:
        return any(e.kind == "dir" and e.path == path for e in self.entries)

    def _new_entry(self, real: Path, change: Change, current: bytes | None) -> Entry:
        existed = current is not None and not change.own_file
        info = _stat(real) if current is not None else None
        link = Path(os.path.abspath(change.path))
        entry = Entry(str(real), "file", change.feature, existed, strip=change.strip,
                      link=str(link) if link.is_symlink() else None,
                      link_target=os.readlink(link) if link.is_symlink() else None)
        if existed and info is not None:
            entry.original_sha256 = digest(current)
            entry.mode = stat.S_IMODE(info.st_mode)
            entry.uid, entry.gid = info.st_uid, info.st_gid
            entry.backup = self._backup(current)  # type: ignore[arg-type]
        return entry

    def _backup(self, data: bytes) -> str:
        """Keep `data` in the backups directory, named by its digest; returns the name."""
        name = str(digest(data))
        path = self.state / BACKUPS / name
        if read_bytes(path) != data:
            self._ensure_dir(self.state)
            self._ensure_dir(self.state / BACKUPS)
            atomic_write_bytes(path, data, 0o600, owner_for_new(path))
            durable_step()
        return name

    def _undo(self, done: list[tuple[Path, bytes | None, int, Owner | None]], dirs: list[str],
              created: list[Entry], old_written: dict[int, list[str]]) -> None:
        """Best effort, after an error: put back what this apply wrote, forget its entries."""
        for path, before, mode, owner in reversed(done):
            with contextlib.suppress(OSError):
                if before is None:
                    os.unlink(path)
                else:
                    atomic_write_bytes(path, before, mode, owner)
        for directory in reversed(dirs):
            with contextlib.suppress(OSError):
                os.rmdir(directory)
        self.entries = [e for e in self.entries if not any(e is c for c in created)]
        for entry in self.entries:
            entry.written = old_written.get(id(entry), entry.written)
        self.pending = None
        with contextlib.suppress(OSError):
            self._clean_orphan_backups()
            self._save()

    # ------------------------------------------------------------------- restore
    def restore(self, strippers: dict[str, Stripper | None], *, dry_run: bool = False,
                ) -> list[Restored]:
        """Undo every entry, newest first (see the module docstring)."""
        results: list[Restored] = []
        if not dry_run and self.entries:
            self.pending = {"op": "disable", "pid": os.getpid()}
            self._save()
        for entry in reversed(list(self.entries)):
            if entry.kind == "dir":
                results.append(self._restore_dir(entry, dry_run))
            else:
                results.append(self._restore_file(entry, strippers.get(entry.strip), dry_run))
            if not dry_run:
                self.entries.remove(entry)
                self._save()
                self._clean_orphan_backups()
        if not dry_run:
            self.pending = None
            self._save()
        return results

    def _restore_dir(self, entry: Entry, dry_run: bool) -> Restored:
        path = Path(entry.path)
        if not path.is_dir():
            return Restored(entry.path, entry.feature, "removed-dir")
        if dry_run:
            return Restored(entry.path, entry.feature, "removed-dir")
        try:
            os.rmdir(path)
        except OSError:
            return Restored(entry.path, entry.feature, "kept-dir",
                            note=_("{path} was kept: it is not empty.").format(path=path))
        fsync_dir(path.parent)
        durable_step()
        return Restored(entry.path, entry.feature, "removed-dir")

    def _original(self, entry: Entry) -> bytes | None:
        if not entry.backup:
            return None
        data = read_bytes(self.state / BACKUPS / entry.backup)
        return data if data is not None and digest(data) == entry.original_sha256 else None

    def _restore_file(self, entry: Entry, stripper: Stripper | None,
                      dry_run: bool) -> Restored:
        path = Path(entry.path)
        current = read_bytes(path)
        ours = current is None or digest(current) in entry.written
        result = Restored(entry.path, entry.feature, "", link=entry.link)
        if current is not None and entry.existed and digest(current) == entry.original_sha256:
            result.how = "unchanged"
            if not dry_run:
                self._restore_metadata(path, entry)
            return result
        if not entry.existed:
            return self._undo_new_file(path, entry, current, ours, stripper, dry_run, result)
        original = self._original(entry)
        if ours:
            return self._put_back(path, entry, current, original, stripper, dry_run, result)
        return self._keep_edits(path, entry, current, original, stripper, dry_run, result)

    def _undo_new_file(self, path: Path, entry: Entry, current: bytes | None, ours: bool,
                       stripper: Stripper | None, dry_run: bool, result: Restored) -> Restored:
        if current is None:
            result.how = "deleted"
            return result
        if ours or (stripper is not None and not stripper(current).strip()):
            result.how = "deleted"
            if not dry_run:
                _unlink(path)
            return result
        if stripper is None:  # conda-tuna's own file, edited by hand: keep a copy
            saved = path.with_name(path.name + EDITED_SUFFIX)
            result.how, result.saved = "removed-edited", str(saved)
            if not dry_run:
                self._write(saved, current, entry, path)
                _unlink(path)
            return result
        result.how = "kept-edits"
        if not dry_run:
            self._write(path, stripper(current), entry, path)
        return result

    def _put_back(self, path: Path, entry: Entry, current: bytes | None,
                  original: bytes | None, stripper: Stripper | None, dry_run: bool,
                  result: Restored) -> Restored:
        """The file is as conda-tuna left it (or gone): its original bytes come back."""
        if original is None and current is not None and stripper is not None:
            rebuilt = stripper(current)
            if digest(rebuilt) == entry.original_sha256:
                original = rebuilt  # the backup was deleted: the file itself gives it back
            else:
                result.note = _("The backup of {path} was deleted; conda-tuna took its own "
                                "lines out and left the rest.").format(path=path)
                result.how = "kept-edits"
                if not dry_run:
                    self._write(path, rebuilt, entry, path)
                return result
        if original is None:
            result.how = "lost"
            result.note = _("The backup of {path} is missing, so its original cannot be "
                            "restored; the file was left as it is.").format(path=path)
            return result
        result.how = "restored"
        if not dry_run:
            self._write(path, original, entry, path, restore=True)
        return result

    def _keep_edits(self, path: Path, entry: Entry, current: bytes | None,
                    original: bytes | None, stripper: Stripper | None, dry_run: bool,
                    result: Restored) -> Restored:
        """The user changed the file after enable: keep their edits, take ours out."""
        result.how = "kept-edits"
        if original is not None:
            result.saved = str(path.with_name(path.name + ORIGINAL_SUFFIX))
        if dry_run or current is None:
            return result
        if original is not None:
            self._write(Path(result.saved), original, entry, path, restore=True)  # type: ignore[arg-type]
        if stripper is not None:
            self._write(path, stripper(current), entry, path)
        return result

    def _write(self, target: Path, data: bytes, entry: Entry, like: Path, *,
               restore: bool = False) -> None:
        """Write `data` at `target` with the entry's original mode and owner when restoring,
        else with those of `like` (the file as it is now)."""
        info = _stat(like)
        if restore and entry.mode is not None:
            mode, owner = entry.mode, _owner([entry.uid, entry.gid])
        elif info is not None:
            mode, owner = stat.S_IMODE(info.st_mode), (info.st_uid, info.st_gid)
        else:
            mode, owner = 0o644, owner_for_new(target)
        atomic_write_bytes(target, data, mode, owner)
        durable_step()

    def _restore_metadata(self, path: Path, entry: Entry) -> None:
        if entry.mode is not None:
            with contextlib.suppress(OSError):
                os.chmod(path, entry.mode)
        owner = _owner([entry.uid, entry.gid])
        if owner is not None and owner_of(path) != owner:
            chown(path, owner)


# --------------------------------------------------------------------------- helpers
@contextlib.contextmanager
def session(root: Path, op: str, strippers: dict[str, Stripper | None]) -> Iterator[Journal]:
    """The journal at `root`, locked and recovered for `op` (enable, disable or status)."""
    journal = Journal(root)
    journal.lock()
    try:
        journal.load()
        journal.recover(op, strippers)
        yield journal
    finally:
        journal.unlock()


def peek(root: Path) -> Journal:
    """The journal at `root`, read without the lock (for --dry-run and read-only views)."""
    journal = Journal(root)
    journal.load()
    return journal


def _pending_write(step: dict[str, object]) -> dict[str, object]:
    return {"path": step["real"], "sha256": step["sha256"], "before": step["before"],
            "mode": step["mode"], "owner": list(step["owner"]) if step["owner"] else None,  # type: ignore[arg-type]
            "data": base64.b64encode(step["data"]).decode("ascii")}  # type: ignore[arg-type]


def _owner(value: object) -> Owner | None:
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(
            isinstance(v, int) for v in value):
        return int(value[0]), int(value[1])
    return None


def _stat(path: Path) -> os.stat_result | None:
    """The file's mode and owner (a link's target's: the link's own are not its file's)."""
    try:
        return os.stat(path)
    except OSError:
        return None


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    fsync_dir(path.parent)
    durable_step()


def _try_lock(fd: int) -> bool:
    """One non-blocking attempt at an exclusive lock on `fd`."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:
        import msvcrt

        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        return
    fcntl.flock(fd, fcntl.LOCK_UN)
