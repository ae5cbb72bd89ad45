"""`conda tuna enable --pip`: point pip at the mirror's PyPI index, and undo it exactly.

Which file: at user scope the file pip reads for this user (``$PIP_CONFIG_FILE`` when it
names an existing file, since pip then skips the user files; else ``%APPDATA%\\pip\\pip.ini``
on Windows, ``~/Library/Application Support/pip/pip.conf`` on macOS when that directory
exists, else ``$XDG_CONFIG_HOME/pip/pip.conf`` or ``~/.config/pip/pip.conf``); at env scope
the environment's own ``<prefix>/pip.conf`` (pip reads ``sys.prefix/pip.conf``); at system
scope the base installation's ``<root_prefix>/pip.conf`` (read by base's pip only).

How: ``index-url`` is set in ``[global]`` by editing lines, so every other setting, comment
and blank line stays as the user wrote it; a line we replace is kept, commented out. Before
the first change the file's bytes are copied to ``<file>.conda-tuna-backup`` and a small
state file records whether the file existed and the digest of what we wrote. ``disable``
puts the backup back byte for byte (or deletes the file, and any directory enable created,
when there was none); if the user edited the file after enable, only our lines are taken
out, their edits stay, and the backup is left for them.

Pure Python, no conda import: ``enable_pip`` / ``disable_pip`` in ``pypi/adapter.py`` ask
conda where the environment is.
"""

from __future__ import annotations

import configparser
import contextlib
import hashlib
import json
import os
import sys
from pathlib import Path

from ..base.errors import TunaError
from ..base.files import atomic_write_bytes, missing_dirs

# architecture: pure

TAG = "# conda-tuna: set by `conda tuna enable --pip`; `conda tuna disable` restores this file"
REPLACED = "# conda-tuna-replaced: "
ADDED_SECTION = "# conda-tuna-added-section"
NO_FINAL_NEWLINE = " (the line above had no final newline)"
BACKUP_SUFFIX = ".conda-tuna-backup"
_KEYS = ("index-url", "index_url", "trusted-host", "trusted_host")


# --------------------------------------------------------------------------- where
def user_config_path(environ: dict[str, str] | None = None, home: Path | None = None,
                     platform: str | None = None) -> Path:
    """The per-user pip config file pip will actually read."""
    environ = dict(os.environ if environ is None else environ)
    home = Path(home or os.path.expanduser("~"))
    platform = platform or sys.platform
    explicit = environ.get("PIP_CONFIG_FILE")
    if explicit and explicit != os.devnull and Path(explicit).is_file():
        return Path(explicit)
    if platform.startswith("win"):
        base = Path(environ.get("APPDATA") or home / "AppData" / "Roaming")
        return base / "pip" / "pip.ini"
    if platform == "darwin":
        mac = home / "Library" / "Application Support" / "pip"
        if mac.is_dir():
            return mac / "pip.conf"
    base = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
    return base / "pip" / "pip.conf"


def prefix_config_path(prefix: Path) -> Path:
    """The environment's own pip config (pip reads <sys.prefix>/pip.conf)."""
    return Path(prefix) / ("pip.ini" if os.name == "nt" else "pip.conf")


def config_files(prefix: Path | None, environ: dict[str, str] | None = None,
                 home: Path | None = None) -> list[Path]:
    """Every pip config file pip would read for `prefix`'s pip, in pip's order."""
    environ = dict(os.environ if environ is None else environ)
    home = Path(home or os.path.expanduser("~"))
    files = [Path("/etc/xdg/pip/pip.conf"), Path("/etc/pip.conf")]
    explicit = environ.get("PIP_CONFIG_FILE")
    if explicit == os.devnull:
        return []
    if not (explicit and Path(explicit).is_file()):
        files += [home / ".pip" / "pip.conf", user_config_path(environ, home)]
    if prefix is not None:
        files.append(prefix_config_path(prefix))
    if explicit and Path(explicit).is_file():
        files.append(Path(explicit))
    return files


def configured_index(prefix: Path | None, environ: dict[str, str] | None = None,
                     home: Path | None = None) -> str | None:
    """The index pip is configured to use (env var or config file), else None."""
    environ = dict(os.environ if environ is None else environ)
    for var in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX"):
        if environ.get(var):
            return environ[var] if var != "PIP_NO_INDEX" else "(no index)"
    found = None
    for path in config_files(prefix, environ, home):
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, OSError, UnicodeDecodeError):
            continue
        for section in ("global", "install"):
            for key in ("index-url", "index_url", "extra-index-url", "extra_index_url"):
                if parser.has_option(section, key):
                    found = parser.get(section, key).strip() or found
    return found


# --------------------------------------------------------------------------- editing
def _key_of(line: str) -> str:
    stripped = line.strip()
    if not stripped or stripped[0] in "#;[":
        return ""
    for sep in ("=", ":"):
        if sep in stripped:
            return stripped.split(sep, 1)[0].strip().lower()
    return ""


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def set_index(text: str, url: str, trusted_host: str | None = None) -> str:
    """`text` with [global] index-url (and trusted-host for plain-http mirrors) set to ours.

    Lines that set those keys in [global] are kept, commented out with a marker, so
    :func:`strip_ours` can bring them back.
    """
    nl = _newline(text)
    ours = [TAG + nl, f"index-url = {url}{nl}"]
    if trusted_host:
        ours += [TAG + nl, f"trusted-host = {trusted_host}{nl}"]
    lines = strip_ours(text).splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines)
                  if line.strip().lower() == "[global]"), None)
    if start is None:
        added = ADDED_SECTION
        if lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += nl
            added += NO_FINAL_NEWLINE
        return "".join([*lines, added + nl, "[global]" + nl, *ours])
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")),
               len(lines))
    body = [REPLACED + line if _key_of(line) in _KEYS else line for line in lines[start + 1:end]]
    if body and not body[-1].endswith(("\n", "\r")):
        body[-1] += nl
    return "".join([*lines[: start + 1], *ours, *body, *lines[end:]])


def strip_ours(text: str) -> str:
    """`text` without conda-tuna's lines, with the lines it replaced put back."""
    out: list[str] = []
    lines = text.splitlines(keepends=True)
    skip_next = False
    drop_section = False
    for line in lines:
        if skip_next:
            skip_next = False
            continue
        bare = line.rstrip("\r\n")
        if bare == TAG:
            skip_next = True
            continue
        if bare.startswith(ADDED_SECTION):
            drop_section = True
            if bare.endswith(NO_FINAL_NEWLINE) and out:
                out[-1] = out[-1].rstrip("\r\n")
            continue
        if drop_section and bare.strip().lower() == "[global]":
            drop_section = False
            continue
        if bare.startswith(REPLACED):
            out.append(line[len(REPLACED):])
            continue
        out.append(line)
    return "".join(out)


# --------------------------------------------------------------------------- files
def _state_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.conda-tuna.json")


def _backup_path(path: Path) -> Path:
    return path.with_name(path.name + BACKUP_SUFFIX)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def apply(path: Path, url: str, trusted_host: str | None = None) -> dict[str, object]:
    """Point the pip config at `path` to `url`, backing the file up on the first change."""
    state_file = _state_path(path)
    state = read_state(path)
    try:
        original = path.read_bytes()
    except FileNotFoundError:
        original = None
    except OSError as exc:
        raise TunaError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    old_text = original.decode("utf-8") if original is not None else ""
    new = set_index(old_text, url, trusted_host).encode("utf-8")
    if original == new and state is not None:
        return {"file": str(path), "index_url": url, "changed": False,
                "backup": state.get("backup")}
    try:
        created = [str(d) for d in reversed(missing_dirs(path.parent))]  # innermost first
        path.parent.mkdir(parents=True, exist_ok=True)
        if state is None:
            backup = None
            if original is not None:
                backup = _backup_path(path)
                atomic_write_bytes(backup, original, path.stat().st_mode & 0o777)
            state = {"existed": original is not None, "backup": str(backup) if backup else None,
                     "mode": (path.stat().st_mode & 0o777) if original is not None else None,
                     "created_dirs": created}
        mode = state.get("mode") or 0o644
        atomic_write_bytes(path, new, int(mode))
        state.update({"url": url, "written_sha256": _digest(new)})
        atomic_write_bytes(state_file, json.dumps(state, indent=1).encode())
    except OSError as exc:
        raise TunaError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
    return {"file": str(path), "index_url": url, "changed": True, "backup": state.get("backup")}


def read_state(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads(_state_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def restore(path: Path, *, dry_run: bool = False) -> dict[str, object] | None:
    """Undo :func:`apply` at `path`; None when conda-tuna never changed it.

    `how` in the result: "restored" (the backup put back byte for byte), "deleted" (there was
    no file before), or "kept-edits" (the user changed the file since: only our lines were
    taken out and the backup was left next to it).
    """
    state = read_state(path)
    if state is None:
        return None
    try:
        current = path.read_bytes()
    except FileNotFoundError:
        current = None
    untouched = current is not None and _digest(current) == state.get("written_sha256")
    backup = Path(str(state["backup"])) if state.get("backup") else None
    if untouched or current is None:
        how = "restored" if state.get("existed") else "deleted"
    else:
        how = "kept-edits"
    result = {"file": str(path), "how": how, "backup": str(backup) if backup else None}
    if dry_run:
        return result
    if how == "restored" and backup is not None:
        atomic_write_bytes(path, backup.read_bytes(), int(state.get("mode") or 0o644))
        backup.unlink()
    elif how == "deleted":
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        _state_path(path).unlink()
        for directory in state.get("created_dirs") or []:
            with contextlib.suppress(OSError):
                Path(directory).rmdir()  # only when empty
    elif current is not None:
        atomic_write_bytes(path, strip_ours(current.decode("utf-8")).encode("utf-8"),
                     path.stat().st_mode & 0o777)
    with contextlib.suppress(FileNotFoundError):
        _state_path(path).unlink()
    return result
